// `npm run bench [-- --quick] [-- --out FILE] [-- --reps N] [-- --only import]`: throughput of
// dvidcloud's volume-client against 1- and 3-node local clusters, in the same run as the baselines
// a user would otherwise pick (zarrita.js on local files) and the limits of this machine
// (node:http on loopback, a buffer copy), and what importing `dvidcloud/automation` costs a local
// user. Every read is checked against what was written. `--only import` runs the import section
// alone (about 20 s).
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mkdtemp, rm } from "node:fs/promises";
import ndarray from "ndarray";
import { up, type Cluster } from "../automation/index.js";
import { benchImportCost, IMPORT_TARGET_RATIO, type ImportCost } from "./import-cost.js";
import { benchClientLean } from "./client-lean.js";
import { DTYPES, type BoxZyx, type DvidClient, type Dtype, type Volume, type VoxelArray, type Zyx } from "../volume-client/index.js";
import { firstMismatch, makeVolume, shapeOf } from "./data.js";
import { bufferCopy, loopbackGet, loopbackPost, startLoopbackServer } from "./loopback.js";
import { mbPerSecond, median, repeat, type Timing } from "./stats.js";
import { createZarrVolume, zarrRead, zarrWrite, type ZarrVolume } from "./zarr-baseline.js";

// ---------------------------------------------------------------------------------------------
// Options

interface BenchOptions {
  quick: boolean;
  out: string;
  reps: number;
  memory: boolean;
  /** Run one section alone. */
  only?: "import";
}

function parseArgs(argv: string[]): BenchOptions {
  const opts: BenchOptions = { quick: false, out: "", reps: 5, memory: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") opts.quick = true;
    else if (a === "--only") {
      const section = argv[++i];
      if (section !== "import") fail(`--only takes the section to run alone: import; got ${JSON.stringify(section)}`);
      opts.only = section;
    }
    else if (a === "--no-memory") opts.memory = false;
    else if (a === "--out") opts.out = argv[++i] ?? fail("--out needs a file path");
    else if (a === "--reps") {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 5 || n > 50) fail(`--reps must be an integer from 5 to 50; got ${argv[i]}`);
      opts.reps = n;
    } else if (a === "--help" || a === "-h") {
      console.log("usage: npm run bench [-- --quick] [--out FILE] [--reps N (>= 5)] [--no-memory] [--only import]");
      process.exit(0);
    } else fail(`unknown argument ${JSON.stringify(a)}; expected --quick, --out FILE, --reps N, --no-memory, --only import`);
  }
  // A section run alone does not overwrite the results of a whole run.
  opts.out ||= opts.only ? `bench/results-${opts.only}.json` : "bench/results.json";
  return opts;
}

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Workloads (issue: 512^3 uint8 and 256^3 uint64 whole; unaligned 256^3 / 128^3 at (5, 17, 31))

interface Workload {
  dtype: Dtype;
  whole: BoxZyx;
  region: BoxZyx;
}

const cube = (n: number): BoxZyx => [[0, n], [0, n], [0, n]];
const at = (offset: Zyx, n: number): BoxZyx => [[offset[0], offset[0] + n], [offset[1], offset[1] + n], [offset[2], offset[2] + n]];
const REGION_OFFSET: Zyx = [5, 17, 31];
const BLOCK: Zyx = [64, 64, 64];

function workloads(quick: boolean): Workload[] {
  return quick
    ? [
        { dtype: "uint8", whole: cube(256), region: at(REGION_OFFSET, 128) },
        { dtype: "uint64", whole: cube(128), region: at(REGION_OFFSET, 64) },
      ]
    : [
        { dtype: "uint8", whole: cube(512), region: at(REGION_OFFSET, 256) },
        { dtype: "uint64", whole: cube(256), region: at(REGION_OFFSET, 128) },
      ];
}

const bytesOf = (dtype: Dtype, box: BoxZyx) => {
  const [z, y, x] = shapeOf(box);
  return z * y * x * DTYPES[dtype].bytesPerVoxel;
};
const describeBox = (box: BoxZyx) => `${shapeOf(box).join("x")}${box[0][0] || box[1][0] || box[2][0] ? ` @(${box[0][0]},${box[1][0]},${box[2][0]})` : ""}`;

// ---------------------------------------------------------------------------------------------
// Results

type Op = "write" | "read" | "read-into-reused" | "read-region" | "write-region-nonaligned" | "read-10-versions-deep" | "read-at-written-version";

interface Row {
  system: string;
  op: Op | "loopback-get" | "loopback-post" | "buffer-copy";
  dtype: Dtype | "bytes";
  box: string;
  bytes: number;
  timing: Timing;
  mbps: { median: number; min: number; max: number };
  vsZarrita?: number;
  vsLoopback?: number;
}

const rows: Row[] = [];

function record(system: string, op: Row["op"], dtype: Row["dtype"], box: string, bytes: number, timing: Timing): Row {
  const row: Row = {
    system,
    op,
    dtype,
    box,
    bytes,
    timing,
    mbps: { median: mbPerSecond(bytes, timing.medianMs), min: mbPerSecond(bytes, timing.maxMs), max: mbPerSecond(bytes, timing.minMs) },
  };
  rows.push(row);
  const spread = `${row.mbps.min.toFixed(0)}-${row.mbps.max.toFixed(0)}`;
  console.log(`  ${system.padEnd(16)} ${op.padEnd(24)} ${String(dtype).padEnd(7)} ${box.padEnd(18)} ${row.mbps.median.toFixed(0).padStart(6)} MB/s  (${spread})`);
  return row;
}

function check(actual: VoxelArray, box: BoxZyx, expected: VoxelArray, source: BoxZyx, what: string): void {
  const bad = firstMismatch(actual, box, expected, source);
  if (bad >= 0) throw new Error(`bench: ${what} read back wrong data at voxel ${bad} (${actual[bad]} != expected)`);
}

/** The expected content of `box` after a whole write of seed 1 and a region write of seed 2 over `region`. */
function patched(whole: VoxelArray, wholeBox: BoxZyx, regionData: VoxelArray, region: BoxZyx): VoxelArray {
  const out = whole.slice() as VoxelArray;
  const [, sy, sx] = shapeOf(wholeBox);
  const [rz, ry, rx] = shapeOf(region);
  for (let z = 0; z < rz; z++)
    for (let y = 0; y < ry; y++) {
      const dst = ((region[0][0] + z) * sy + (region[1][0] + y)) * sx + region[2][0];
      const src = (z * ry + y) * rx;
      (out as Uint8Array).set((regionData as Uint8Array).subarray(src, src + rx), dst);
    }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Memory probe (child process per operation)

interface MemoryRow {
  system: string;
  op: string;
  dtype: Dtype;
  box: string;
  arrayBytes: number;
  peakOverBaseline: number;
  ratio: number;
}
const memoryRows: MemoryRow[] = [];

function probeMemory(system: "dvidcloud" | "zarrita", op: "read" | "write" | "write-nonaligned", dtype: Dtype, box: BoxZyx, extra: Record<string, unknown>): void {
  const script = fileURLToPath(new URL("./memory-probe.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", script, JSON.stringify({ system, op, dtype, box, seed: 3, ...extra })], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  const { baselineRss, peakRss, arrayBytes } = JSON.parse(out.trim().split("\n").at(-1)!) as { baselineRss: number; peakRss: number; arrayBytes: number };
  const peakOverBaseline = Math.max(0, peakRss - baselineRss);
  const row = { system, op, dtype, box: describeBox(box), arrayBytes, peakOverBaseline, ratio: peakOverBaseline / arrayBytes };
  memoryRows.push(row);
  console.log(`  ${system.padEnd(16)} ${op.padEnd(24)} ${dtype.padEnd(7)} ${row.box.padEnd(18)} peak +${(peakOverBaseline / 2 ** 20).toFixed(0)} MiB for ${(arrayBytes / 2 ** 20).toFixed(0)} MiB (${row.ratio.toFixed(2)}x)`);
}

// ---------------------------------------------------------------------------------------------
// The runs

async function benchCluster(label: string, cluster: Cluster, loads: Workload[], opts: BenchOptions, data: Map<Dtype, { whole: VoxelArray; region: VoxelArray }>): Promise<void> {
  const client: DvidClient = cluster.client();
  const repo = await client.createRepo({ alias: `bench-${label}` });
  for (const w of loads) {
    const { whole, region } = data.get(w.dtype)!;
    const vol: Volume = await repo.createVolume(`v-${w.dtype}`, w.dtype, { blockSizeZyx: BLOCK });
    const wholeBytes = bytesOf(w.dtype, w.whole);
    const regionBytes = bytesOf(w.dtype, w.region);
    const nd = ndarray(whole as never, [...shapeOf(w.whole)]);
    record(label, "write", w.dtype, describeBox(w.whole), wholeBytes, await repeat(() => vol.write([0, 0, 0], nd as never), { reps: opts.reps }));
    let last: VoxelArray | undefined;
    record(label, "read", w.dtype, describeBox(w.whole), wholeBytes, await repeat(async () => (last = (await vol.read(w.whole)).data as VoxelArray), { reps: opts.reps, after: () => check(last!, w.whole, whole, w.whole, `${label} read`) }));
    // The same read into one array reused across repetitions (`read(box, { out })`): what the
    // client costs without the first touch of a fresh array's memory. Not a target (zarrita.js
    // has no such option); it says where the fresh-array read's time goes.
    const reused = ndarray(DTYPES[w.dtype].alloc(whole.length) as never, [...shapeOf(w.whole)]);
    record(label, "read-into-reused", w.dtype, describeBox(w.whole), wholeBytes, await repeat(async () => (last = (await vol.read(w.whole, { out: reused as never })).data as VoxelArray), { reps: opts.reps, after: () => check(last!, w.whole, whole, w.whole, `${label} read into a reused array`) }));
    record(label, "read-region", w.dtype, describeBox(w.region), regionBytes, await repeat(async () => (last = (await vol.read(w.region)).data as VoxelArray), { reps: opts.reps, after: () => check(last!, w.region, whole, w.whole, `${label} region read`) }));
    const rnd = ndarray(region as never, [...shapeOf(w.region)]);
    const offset: Zyx = [w.region[0][0], w.region[1][0], w.region[2][0]];
    record(label, "write-region-nonaligned", w.dtype, describeBox(w.region), regionBytes, await repeat(() => vol.write(offset, rnd as never, { nonAlignedWrites: true }), { reps: opts.reps }));
    const after = (await vol.read(w.whole)).data as VoxelArray;
    check(after, w.whole, patched(whole, w.whole, region, w.region), w.whole, `${label} whole volume after the non-aligned region write`);
  }
}

/** The same whole read at the version written and at a version 10 commits below it. */
async function benchVersions(cluster: Cluster, w: Workload, whole: VoxelArray, opts: BenchOptions): Promise<void> {
  const repo = await cluster.client().createRepo({ alias: "bench-versions" });
  const vol = await repo.createVolume("deep", w.dtype, { blockSizeZyx: BLOCK });
  await vol.write([0, 0, 0], ndarray(whole as never, [...shapeOf(w.whole)]) as never);
  let leaf = repo;
  for (let i = 0; i < 10; i++) {
    await leaf.commit(`commit ${i + 1}`);
    leaf = await leaf.newVersion({ note: `version ${i + 1}` });
  }
  const atWritten = vol;
  const deep = await leaf.openVolume(`deep`);
  const bytes = bytesOf(w.dtype, w.whole);
  let last: VoxelArray | undefined;
  // Interleave the two, alternating which goes first (ABBA), so drift in machine load and the
  // garbage of the previous read hit both alike; at least 10 pairs, because the difference looked
  // for (10%) is smaller than the spread of single reads on these machines.
  const samples: { written: number[]; deep: number[] } = { written: [], deep: [] };
  const pairs = Math.max(opts.reps, 10);
  for (let i = 0; i < pairs + 1; i++) {
    const order = [["written", atWritten], ["deep", deep]] as const;
    for (const [key, v] of i % 2 === 0 ? order : [...order].reverse()) {
      const t0 = performance.now();
      last = (await v.read(w.whole)).data as VoxelArray;
      const dt = performance.now() - t0;
      check(last, w.whole, whole, w.whole, `read at ${key} version`);
      if (i > 0) samples[key].push(dt);
    }
  }
  const timing = (s: number[]): Timing => ({ medianMs: median(s), minMs: Math.min(...s), maxMs: Math.max(...s), samplesMs: s });
  record("dvidcloud-3node", "read-at-written-version", w.dtype, describeBox(w.whole), bytes, timing(samples.written));
  record("dvidcloud-3node", "read-10-versions-deep", w.dtype, describeBox(w.whole), bytes, timing(samples.deep));
}

async function benchZarr(loads: Workload[], opts: BenchOptions, data: Map<Dtype, { whole: VoxelArray; region: VoxelArray }>, dir: string): Promise<Map<Dtype, ZarrVolume>> {
  const vols = new Map<Dtype, ZarrVolume>();
  for (const w of loads) {
    const { whole, region } = data.get(w.dtype)!;
    const vol = await createZarrVolume(join(dir, `${w.dtype}.zarr`), w.dtype, shapeOf(w.whole), BLOCK);
    vols.set(w.dtype, vol);
    const wholeBytes = bytesOf(w.dtype, w.whole);
    const regionBytes = bytesOf(w.dtype, w.region);
    record("zarrita", "write", w.dtype, describeBox(w.whole), wholeBytes, await repeat(() => zarrWrite(vol, w.whole, whole), { reps: opts.reps }));
    let last: VoxelArray | undefined;
    record("zarrita", "read", w.dtype, describeBox(w.whole), wholeBytes, await repeat(async () => (last = await zarrRead(vol, w.whole)), { reps: opts.reps, after: () => check(last!, w.whole, whole, w.whole, "zarrita read") }));
    record("zarrita", "read-region", w.dtype, describeBox(w.region), regionBytes, await repeat(async () => (last = await zarrRead(vol, w.region)), { reps: opts.reps, after: () => check(last!, w.region, whole, w.whole, "zarrita region read") }));
    record("zarrita", "write-region-nonaligned", w.dtype, describeBox(w.region), regionBytes, await repeat(() => zarrWrite(vol, w.region, region), { reps: opts.reps }));
    check(await zarrRead(vol, w.whole), w.whole, patched(whole, w.whole, region, w.region), w.whole, "zarrita whole volume after the region write");
  }
  return vols;
}

async function benchLoopback(bytes: number, opts: BenchOptions): Promise<void> {
  const server = await startLoopbackServer();
  try {
    const target = Buffer.alloc(bytes);
    const source = Buffer.alloc(bytes, 3);
    record("loopback", "loopback-get", "bytes", `${(bytes / 2 ** 20).toFixed(0)} MiB`, bytes, await repeat(() => loopbackGet(server.url, target), { reps: opts.reps }));
    record("loopback", "loopback-post", "bytes", `${(bytes / 2 ** 20).toFixed(0)} MiB`, bytes, await repeat(() => loopbackPost(server.url, source), { reps: opts.reps }));
    record("memory", "buffer-copy", "bytes", `${(bytes / 2 ** 20).toFixed(0)} MiB`, bytes, await repeat(() => bufferCopy(source, target), { reps: opts.reps }));
  } finally {
    await server.stop();
  }
}

/** Time from `up()` to every node healthy, and from `down()` to no node process left. */
async function benchLifecycle(opts: BenchOptions, scratch: string) {
  const upMs: number[] = [];
  const downMs: number[] = [];
  for (let i = 0; i < opts.reps + 1; i++) {
    const t0 = performance.now();
    const cluster = await up({ name: `bench-life-${i}`, nodes: 3, local: { stateDir: join(scratch, "state"), storeDir: join(scratch, `life-${i}`) } });
    const t1 = performance.now();
    const pids = (cluster.details.nodes as { pid: number }[]).map((n) => n.pid);
    await cluster.down();
    const alive = pids.filter((p) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    });
    if (alive.length) throw new Error(`bench: processes ${alive.join(", ")} still alive after down()`);
    const t2 = performance.now();
    if (i > 0) {
      upMs.push(t1 - t0);
      downMs.push(t2 - t1);
    }
  }
  const t = (s: number[]) => ({ medianMs: median(s), minMs: Math.min(...s), maxMs: Math.max(...s), samplesMs: s });
  const result = { upToHealthy3Nodes: t(upMs), downToNoProcess: t(downMs) };
  console.log(`  up -> 3 nodes healthy: median ${result.upToHealthy3Nodes.medianMs.toFixed(0)} ms (${result.upToHealthy3Nodes.minMs.toFixed(0)}-${result.upToHealthy3Nodes.maxMs.toFixed(0)})`);
  console.log(`  down -> no process:    median ${result.downToNoProcess.medianMs.toFixed(0)} ms (${result.downToNoProcess.minMs.toFixed(0)}-${result.downToNoProcess.maxMs.toFixed(0)})`);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Targets and the report

interface TargetCheck {
  target: string;
  value: number;
  goal: string;
  met: boolean;
}

function find(system: string, op: Row["op"], dtype: Row["dtype"]): Row | undefined {
  return rows.find((r) => r.system === system && r.op === op && r.dtype === dtype);
}

function importTargets(cost: ImportCost): TargetCheck[] {
  return [
    { target: "import time of dvidcloud/automation used locally vs volume-client + local-dvid (x)", value: cost.timeRatio, goal: `<= ${IMPORT_TARGET_RATIO}x`, met: cost.timeRatio <= IMPORT_TARGET_RATIO },
    { target: "import RSS of dvidcloud/automation used locally vs volume-client + local-dvid (x)", value: cost.rssRatio, goal: `<= ${IMPORT_TARGET_RATIO}x`, met: cost.rssRatio <= IMPORT_TARGET_RATIO },
  ];
}

function printTargets(targets: TargetCheck[]): void {
  for (const t of targets) console.log(`  ${t.met ? "met   " : "MISSED"} ${t.target}: ${Number.isFinite(t.value) ? t.value.toFixed(2) : "n/a"} (goal ${t.goal})`);
}

async function writeResults(opts: BenchOptions, results: Record<string, unknown>): Promise<void> {
  const out = resolve(opts.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    JSON.stringify(
      { date: new Date().toISOString(), mode: opts.only ? `only-${opts.only}` : opts.quick ? "quick" : "full", reps: opts.reps, node: process.version, cpus: cpus().length, ...results },
      null,
      2,
    ) + "\n",
  );
  console.log(`results written to ${out}`);
}

/** `--only import`: the import section alone. */
async function mainImportOnly(opts: BenchOptions): Promise<void> {
  const started = performance.now();
  console.log(`dvidcloud bench: import cost only (${opts.reps} fresh processes per set after 1 warm-up)`);
  const importCost = await benchImportCost(opts.reps);
  const elapsedS = (performance.now() - started) / 1000;
  console.log(`\nbench finished in ${elapsedS.toFixed(0)} s`);
  await writeResults(opts, { elapsedS, importCost, targets: importTargets(importCost) });
}

function ratiosAndTargets(loads: Workload[], lifecycle: Awaited<ReturnType<typeof benchLifecycle>>): TargetCheck[] {
  const get = find("loopback", "loopback-get", "bytes");
  const post = find("loopback", "loopback-post", "bytes");
  for (const r of rows) {
    if (r.system.startsWith("dvidcloud") || r.system === "zarrita") {
      const zOp = r.op === "read-10-versions-deep" || r.op === "read-at-written-version" || r.op === "read-into-reused" ? "read" : r.op;
      const z = find("zarrita", zOp, r.dtype);
      if (z) r.vsZarrita = r.mbps.median / z.mbps.median;
      const limit = r.op.startsWith("write") ? post : get;
      if (limit) r.vsLoopback = r.mbps.median / limit.mbps.median;
    }
  }
  const checks: TargetCheck[] = [];
  const ratio = (op: Row["op"], dtype: Dtype) => find("dvidcloud-3node", op, dtype)?.vsZarrita ?? NaN;
  const vsLoopback = (op: Row["op"], dtype: Dtype) => find("dvidcloud-3node", op, dtype)?.vsLoopback ?? NaN;
  const atLeast = (target: string, value: number, want: number, unit = "x") =>
    checks.push({ target, value, goal: `>= ${want.toFixed(1)}${unit}`, met: value >= want });
  for (const w of loads) {
    // Issue 10: uint8 reads >= 2.0x and writes >= 1.5x zarrita; uint64 reads and writes >= 1.0x
    // zarrita and >= 0.5x the loopback GET/POST of the same run (the older 2.0x/1.5x uint64
    // targets are retired); non-aligned uint64 region writes >= 1.0x zarrita.
    const wide = w.dtype !== "uint8";
    atLeast(`3-node whole read ${w.dtype} vs zarrita`, ratio("read", w.dtype), wide ? 1 : 2);
    atLeast(`3-node whole write ${w.dtype} vs zarrita`, ratio("write", w.dtype), wide ? 1 : 1.5);
    if (wide) {
      atLeast(`3-node whole read ${w.dtype} vs the loopback GET`, vsLoopback("read", w.dtype), 0.5);
      atLeast(`3-node whole write ${w.dtype} vs the loopback POST`, vsLoopback("write", w.dtype), 0.5);
    }
    atLeast(`3-node unaligned region read ${w.dtype} vs zarrita`, ratio("read-region", w.dtype), 1.5);
    atLeast(`3-node non-aligned region write ${w.dtype} vs zarrita`, ratio("write-region-nonaligned", w.dtype), 1);
  }
  const deep = find("dvidcloud-3node", "read-10-versions-deep", "uint8");
  const written = find("dvidcloud-3node", "read-at-written-version", "uint8");
  if (deep && written) {
    const slow = written.timing.medianMs > 0 ? deep.timing.medianMs / written.timing.medianMs - 1 : NaN;
    checks.push({ target: "read 10 versions deep vs at the version written (time, +%)", value: slow * 100, goal: "<= +10%", met: slow <= 0.1 });
  }
  for (const m of memoryRows.filter((m) => m.system === "dvidcloud")) {
    checks.push({ target: `client peak memory ${m.op} ${m.dtype} ${m.box} (x array size)`, value: m.ratio, goal: "<= 1.5x", met: m.ratio <= 1.5 });
  }
  checks.push({ target: "3-node local cluster healthy after up (ms, median)", value: lifecycle.upToHealthy3Nodes.medianMs, goal: "<= 2000 ms", met: lifecycle.upToHealthy3Nodes.medianMs <= 2000 });
  return checks;
}

function printTable(): void {
  console.log("\n| system | operation | dtype | box (ZYX) | MB/s median | spread (min-max) | vs zarrita | vs loopback |");
  console.log("|---|---|---|---|---:|---|---:|---:|");
  for (const r of rows) {
    const f = (v?: number) => (v === undefined ? "" : `${v.toFixed(2)}x`);
    console.log(`| ${r.system} | ${r.op} | ${r.dtype} | ${r.box} | ${r.mbps.median.toFixed(0)} | ${r.mbps.min.toFixed(0)}-${r.mbps.max.toFixed(0)} | ${f(r.vsZarrita)} | ${f(r.vsLoopback)} |`);
  }
  if (memoryRows.length) {
    console.log("\n| system | operation | dtype | box (ZYX) | array MiB | peak RSS over baseline MiB | ratio |");
    console.log("|---|---|---|---|---:|---:|---:|");
    for (const m of memoryRows) console.log(`| ${m.system} | ${m.op} | ${m.dtype} | ${m.box} | ${(m.arrayBytes / 2 ** 20).toFixed(0)} | ${(m.peakOverBaseline / 2 ** 20).toFixed(0)} | ${m.ratio.toFixed(2)}x |`);
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.only === "import") return mainImportOnly(opts);
  const started = performance.now();
  const loads = workloads(opts.quick);
  const scratch = await mkdtemp(join(tmpdir(), "dvidcloud-bench-"));
  const clusters: Cluster[] = [];
  try {
    console.log(`dvidcloud bench (${opts.quick ? "quick" : "full"}; ${opts.reps} timed repetitions after 1 warm-up; block/chunk 64^3; MB = 10^6 bytes of voxel payload)`);
    const data = new Map(loads.map((w) => [w.dtype, { whole: makeVolume(w.dtype, w.whole, 1), region: makeVolume(w.dtype, w.region, 2) }] as const));

    console.log("\nmachine limits");
    await benchLoopback(bytesOf(loads[0].dtype, loads[0].whole), opts);

    console.log("\nzarrita.js + @zarrita/storage filesystem store (64^3 chunks, uncompressed)");
    const zarrVols = await benchZarr(loads, opts, data, join(scratch, "zarr"));

    let three: Cluster | undefined;
    for (const nodes of [1, 3]) {
      const label = `dvidcloud-${nodes}node`;
      console.log(`\n${label} (local-dvid on one store, volume-client)`);
      const cluster = await up({ name: `bench-${nodes}`, nodes, local: { stateDir: join(scratch, "state"), storeDir: join(scratch, `store-${nodes}`) } });
      clusters.push(cluster);
      await benchCluster(label, cluster, loads, opts, data);
      if (nodes === 3) three = cluster;
      else await cluster.down();
    }

    console.log("\nversions (3-node)");
    await benchVersions(three!, loads[0], data.get(loads[0].dtype)!.whole, opts);

    if (opts.memory) {
      console.log("\nclient peak memory (a fresh process per operation)");
      const client = three!.client();
      const repo = await client.createRepo({ alias: "bench-memory" });
      for (const w of loads) {
        const vol = await repo.createVolume(`m-${w.dtype}`, w.dtype, { blockSizeZyx: BLOCK });
        await vol.write([0, 0, 0], ndarray(data.get(w.dtype)!.whole as never, [...shapeOf(w.whole)]) as never);
        const extra = { writer: three!.endpoints.writer, readers: three!.endpoints.readers, uuid: await repo.uuid(), name: `m-${w.dtype}` };
        probeMemory("dvidcloud", "read", w.dtype, w.whole, extra);
        probeMemory("dvidcloud", "write", w.dtype, w.whole, extra);
        probeMemory("dvidcloud", "read", w.dtype, w.region, extra);
        probeMemory("dvidcloud", "write-nonaligned", w.dtype, w.region, extra);
        const z = zarrVols.get(w.dtype)!;
        probeMemory("zarrita", "read", w.dtype, w.whole, { dir: z.dir });
        probeMemory("zarrita", "write", w.dtype, w.whole, { dir: z.dir });
      }
    }
    await three!.down();

    console.log("\ncluster lifecycle (3 nodes)");
    const lifecycle = await benchLifecycle(opts, scratch);

    console.log("\nimport cost (a fresh process per import)");
    const importCost = await benchImportCost(opts.quick ? 3 : opts.reps);

    console.log("\nthe client against plain GETs, and labels on the wire (one local-dvid node; bench/client-lean.ts)");
    const clientLean = await benchClientLean({ quick: opts.quick });

    const targets = [
      ...ratiosAndTargets(loads, lifecycle),
      ...importTargets(importCost),
      ...clientLean.targets.map((t) => ({ target: `${t.name} (${t.measured})`, value: t.value, goal: t.target, met: t.met })),
    ];
    printTable();
    console.log(
      opts.quick
        ? "\ntargets (ratios from this run; quick mode moves 8x smaller volumes in a few ms each, so these ratios are a smoke check: the targets are defined for the full run)"
        : "\ntargets (ratios from this run)",
    );
    printTargets(targets);
    const elapsedS = (performance.now() - started) / 1000;
    console.log(`\nbench finished in ${elapsedS.toFixed(0)} s`);
    await writeResults(opts, { elapsedS, rows, memory: memoryRows, lifecycle, importCost, clientLean: clientLean.figures, targets });
  } finally {
    for (const c of clusters) await c.down().catch(() => {});
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
