// One import measurement in a fresh process (run by import-cost.ts):
//   automation STATE_DIR  import `dvidcloud/automation` and use it locally (list the local clusters);
//   local STATE_DIR       import `dvidcloud/volume-client` and `dvidcloud/local-dvid` and do the same
//                         with local-dvid's launcher: what a local cluster needs at the least.
// Prints one JSON line: { importMs, sinceStartMs, rssBytes }. The RSS is read after a full
// garbage collection (node --expose-gc), so it counts the code and data the modules keep.
const [set, stateDir] = process.argv.slice(2);
const t0 = performance.now();
if (set === "automation") {
  const { list } = await import("dvidcloud/automation");
  await list({ local: { stateDir } });
} else if (set === "local") {
  await import("dvidcloud/volume-client");
  const { listLocalClusters } = await import("dvidcloud/local-dvid");
  await listLocalClusters({ stateDir });
} else {
  throw new Error(`import-probe: expected "automation" or "local"; got ${JSON.stringify(set)}`);
}
const importMs = performance.now() - t0;
(globalThis as { gc?: () => void }).gc?.();
console.log(JSON.stringify({ importMs, sinceStartMs: performance.now(), rssBytes: process.memoryUsage().rss }));
