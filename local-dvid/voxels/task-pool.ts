// Runs async jobs with bounded concurrency: block reads and writes go to the store 8-16 at a
// time, enough to keep a filesystem or memory store busy without flooding it.

/** Calls `job(i, worker)` for i in [0, count) with at most `concurrency` running at once. */
export async function runBounded(
  count: number,
  concurrency: number,
  job: (index: number, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (w: number): Promise<void> => {
    while (failed === undefined && next < count) {
      const i = next++;
      try {
        await job(i, w);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, (_, w) => worker(w)));
  if (failed !== undefined) throw failed;
}
