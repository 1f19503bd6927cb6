// Runs async jobs with bounded concurrency: block reads and writes go to the store 8-16 at a
// time, enough to keep a filesystem or memory store busy without flooding it.
import type { BufferPool } from "./buffer-pool.js";

/** Jobs started between two turns of the event loop. */
const YIELD_EVERY = 256;

/** Resolves on the next turn of the event loop, after pending I/O callbacks ran. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Calls `job(i, worker)` for i in [0, count) with at most `workers` running at once; the first failure wins. */
async function forEachIndex(count: number, workers: number, job: (index: number, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  let sinceYield = 0;
  const worker = async (w: number): Promise<void> => {
    while (failed === undefined && next < count) {
      // Jobs that finish without I/O (never-written blocks, cached answers) chain as microtasks
      // and would hold the event loop for a whole 65,536-block slice: let it breathe now and then.
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await yieldToLoop();
        continue; // other workers ran meanwhile: check again that jobs are left
      }
      const i = next++;
      try {
        await job(i, w);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  if (failed !== undefined) throw failed;
}

/**
 * Calls `job(i, scratch)` for i in [0, count) with at most `concurrency` running at once; each
 * worker holds one pooled buffer of `bytes` bytes for its jobs (a block being read or patched),
 * given back to the pool when every job has settled.
 */
export async function runWithScratch(
  pool: BufferPool,
  count: number,
  concurrency: number,
  bytes: number,
  job: (index: number, scratch: Buffer) => Promise<void>,
): Promise<void> {
  const scratch = Array.from({ length: Math.min(concurrency, count) }, () => pool.acquire(bytes));
  try {
    await forEachIndex(count, scratch.length, (i, w) => job(i, scratch[w]));
  } finally {
    for (const b of scratch) pool.release(b);
  }
}
