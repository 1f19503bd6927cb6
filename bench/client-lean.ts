// Issue 10's client micro-bench: what the volume-client itself costs per read, against a plain
// node:http GET of the same bytes from the same local-dvid node (a child process on a temp
// FsStore), and the lz4 label transfer. Runnable alone (`npx tsx bench/client-lean.ts [--quick]`)
// or from bench/run.ts (`benchClientLean()`). Every target of the issue it covers is printed as
// met or missed with its figures; all ratios come from this one run.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ndarray from "ndarray";
import { connect, type BoxZyx, type Dtype, type DvidClient, type Version } from "../volume-client/index.js";
import { makeVolume } from "./data.js";
import { startChildServer, type ChildServer } from "./child-server.js";
import { closeIdleSockets, plainGet } from "./loopback.js";
import { median } from "./stats.js";
import { startThrottleProcess } from "./throttle-proxy.js";
import { createZarrVolume, zarrRead, zarrWrite } from "./zarr-baseline.js";
import { makeDemoStack } from "../automation/index.js";

export interface LeanTarget {
  name: string;
  /** The ratio the target is about. */
  value: number;
  measured: string;
  target: string;
  met: boolean;
}

export interface LeanResults {
  targets: LeanTarget[];
  figures: Record<string, number>;
}

const root = fileURLToPath(new URL("..", import.meta.url));

function startNode(dir: string): Promise<ChildServer> {
  return startChildServer([join(root, "local-dvid/cli.ts"), "--store", dir, "--port", "0", "--parent-watch"], "local-dvid");
}

const rawUrl = (node: string, uuid: string, name: string, box: BoxZyx, query = "") =>
  `${node}/api/node/${uuid}/${name}/raw/0_1_2/${box[2][1] - box[2][0]}_${box[1][1] - box[1][0]}_${box[0][1] - box[0][0]}/${box[2][0]}_${box[1][0]}_${box[0][0]}${query}`;

const cpuMs = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};
const cube = (n: number, o = 0): BoxZyx => [[o, o + n], [o, o + n], [o, o + n]];
const GiB = 2 ** 30;

async function writeVolume(version: Version, name: string, dtype: Dtype, box: BoxZyx, labels = false) {
  const vol = await version.createVolume(name, dtype, { blockSizeZyx: [64, 64, 64], labels });
  const shape = box.map(([a, b]) => b - a);
  await vol.write([box[0][0], box[1][0], box[2][0]], ndarray(makeVolume(dtype, box, 1) as never, shape) as never);
  return vol;
}

function peakRssRatio(writer: string, uuid: string, name: string, dtype: Dtype, box: BoxZyx): number {
  const script = fileURLToPath(new URL("./memory-probe.ts", import.meta.url));
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", script, JSON.stringify({ system: "dvidcloud", op: "read", dtype, box, seed: 1, writer, uuid, name })],
    { encoding: "utf8" },
  );
  const r = JSON.parse(out.trim().split("\n").pop()!) as { baselineRss: number; peakRss: number; arrayBytes: number };
  return (r.peakRss - r.baselineRss) / r.arrayBytes;
}

// ---------------------------------------------------------------------------------------------

export async function benchClientLean(options: { quick?: boolean; labels?: boolean; client?: boolean; log?: (line: string) => void } = {}): Promise<LeanResults> {
  const log = options.log ?? ((l: string) => console.log(l));
  const quick = options.quick ?? false;
  const dir = await mkdtemp(join(tmpdir(), "dvidcloud-lean-"));
  const node = await startNode(join(dir, "store"));
  const client: DvidClient = connect(node.url);
  const targets: LeanTarget[] = [];
  const figures: Record<string, number> = {};
  const target: TargetFn = (name, value, measured, want, met) => {
    targets.push({ name, value, measured, target: want, met });
    log(`  ${met ? "met   " : "MISSED"} ${name}: ${measured} (target ${want})`);
  };
  try {
    const repo = await client.createRepo({ alias: "lean" });

    if (options.client !== false) await benchClient(node.url, repo, dir, quick, figures, target, log);
    if (options.labels !== false) await benchLabels(node.url, repo, quick, figures, target, log);
  } finally {
    client.close();
    closeIdleSockets();
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { targets, figures };
}

type TargetFn = (name: string, value: number, measured: string, want: string, met: boolean) => void;

async function benchClient(
  node: string,
  repo: Version,
  dir: string,
  quick: boolean,
  figures: Record<string, number>,
  target: TargetFn,
  log: (line: string) => void,
): Promise<void> {
  const uuid = await repo.uuid();
  // 1. Client CPU per GiB of a whole-volume read (uint64, 128 MiB; 32 MiB with --quick).
  const n64 = quick ? 128 : 256;
  const whole = cube(n64);
  const big = await writeVolume(repo, "big64", "uint64", whole);
  const bytes = n64 ** 3 * 8;
  const reps = quick ? 3 : 5;
  const pre = Buffer.alloc(bytes);
  // The client reads into one reused array (`read(box, { out })`), as the plain GET reads into
  // one reused buffer: like for like. A read into a fresh array is timed too, and the price of
  // first touching a fresh array's pages on its own, to say where that read's time goes.
  const reused = ndarray(new BigUint64Array(bytes / 8), [n64, n64, n64]);
  const clientCpu: number[] = [];
  const plainCpu: number[] = [];
  const freshCpu: number[] = [];
  const touchCpu: number[] = [];
  const clientWall: number[] = [];
  const plainWall: number[] = [];
  const freshWall: number[] = [];
  await big.read(whole, { out: reused });
  await plainGet(rawUrl(node, uuid, "big64", whole), pre);
  for (let i = 0; i < reps; i++) {
    let c = process.cpuUsage();
    let t = performance.now();
    await big.read(whole, { out: reused });
    clientWall.push(performance.now() - t);
    clientCpu.push(cpuMs(c));
    c = process.cpuUsage();
    t = performance.now();
    const got = await plainGet(rawUrl(node, uuid, "big64", whole), pre);
    plainWall.push(performance.now() - t);
    plainCpu.push(cpuMs(c));
    if (got !== bytes) throw new Error(`plain GET returned ${got} of ${bytes} bytes`);
    c = process.cpuUsage();
    t = performance.now();
    await big.read(whole);
    freshWall.push(performance.now() - t);
    freshCpu.push(cpuMs(c));
    c = process.cpuUsage();
    const page = new Uint8Array(bytes);
    for (let j = 0; j < bytes; j += 4096) page[j] = 1;
    touchCpu.push(cpuMs(c));
  }
  const perGiB = (ms: number) => (ms * GiB) / bytes;
  figures.clientCpuMsPerGiB = perGiB(median(clientCpu));
  figures.plainCpuMsPerGiB = perGiB(median(plainCpu));
  figures.freshCpuMsPerGiB = perGiB(median(freshCpu));
  figures.firstTouchCpuMsPerGiB = perGiB(median(touchCpu));
  figures.clientReadMBps = bytes / 1e6 / (median(clientWall) / 1000);
  figures.plainReadMBps = bytes / 1e6 / (median(plainWall) / 1000);
  figures.freshReadMBps = bytes / 1e6 / (median(freshWall) / 1000);
  const cpuRatio = figures.clientCpuMsPerGiB / figures.plainCpuMsPerGiB;
  log(
    `  whole ${bytes / 2 ** 20} MiB uint64 read: client into a reused array ${figures.clientReadMBps.toFixed(0)} MB/s, ` +
      `into a fresh array ${figures.freshReadMBps.toFixed(0)} MB/s, plain GET ${figures.plainReadMBps.toFixed(0)} MB/s`,
  );
  log(
    `  client CPU into a fresh array: ${figures.freshCpuMsPerGiB.toFixed(0)} ms/GiB (${(figures.freshCpuMsPerGiB / figures.plainCpuMsPerGiB).toFixed(2)}x plain GET), ` +
      `of which first-touch page faults of fresh memory alone cost ${figures.firstTouchCpuMsPerGiB.toFixed(0)} ms/GiB on this machine`,
  );
  target(
    "client CPU per GiB, whole-volume read (into a reused array, as the plain GET)",
    cpuRatio,
    `${figures.clientCpuMsPerGiB.toFixed(0)} vs ${figures.plainCpuMsPerGiB.toFixed(0)} ms/GiB = ${cpuRatio.toFixed(2)}x`,
    "≤ 1.5x plain GET",
    cpuRatio <= 1.5,
  );

  // 2. One-block latency and random one-block reads (uint8, 64^3 blocks).
  const n8 = quick ? 256 : 320;
  const gray = await writeVolume(repo, "gray", "uint8", cube(n8));
  const blockBuf = Buffer.alloc(64 ** 3);
  const blockBox = cube(64, 64);
  const clientLat: number[] = [];
  const plainLat: number[] = [];
  const iters = quick ? 100 : 300;
  for (let i = 0; i < 20; i++) {
    await gray.read(blockBox);
    await plainGet(rawUrl(node, uuid, "gray", blockBox), blockBuf);
  }
  for (let i = 0; i < iters; i++) {
    let t = performance.now();
    await gray.read(blockBox);
    clientLat.push(performance.now() - t);
    t = performance.now();
    await plainGet(rawUrl(node, uuid, "gray", blockBox), blockBuf);
    plainLat.push(performance.now() - t);
  }
  figures.blockClientMs = median(clientLat);
  figures.blockPlainMs = median(plainLat);
  const latRatio = figures.blockClientMs / figures.blockPlainMs;
  target(
    "one-block (64^3 uint8) read median latency",
    latRatio,
    `${figures.blockClientMs.toFixed(3)} vs ${figures.blockPlainMs.toFixed(3)} ms = ${latRatio.toFixed(2)}x`,
    "≤ 1.3x plain GET",
    latRatio <= 1.3,
  );

  const blocksPerAxis = n8 / 64;
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % blocksPerAxis;
  const randomBlocks: BoxZyx[] = Array.from({ length: 1000 }, () => {
    const [z, y, x] = [rand(), rand(), rand()];
    return [[z * 64, z * 64 + 64], [y * 64, y * 64 + 64], [x * 64, x * 64 + 64]];
  });
  const zdir = join(dir, "zarr");
  const zvol = await createZarrVolume(zdir, "uint8", [n8, n8, n8], [64, 64, 64]);
  await zarrWrite(zvol, cube(n8), makeVolume("uint8", cube(n8), 1));
  for (const b of randomBlocks.slice(0, 50)) {
    await gray.read(b);
    await zarrRead(zvol, b);
  }
  // Interleaved, one block at a time, so that the load of other processes hits all three alike.
  let tClient = 0;
  let tZarr = 0;
  let tPlain = 0;
  for (const b of randomBlocks) {
    let t = performance.now();
    await gray.read(b);
    tClient += performance.now() - t;
    t = performance.now();
    await zarrRead(zvol, b);
    tZarr += performance.now() - t;
    t = performance.now();
    await plainGet(rawUrl(node, uuid, "gray", b), blockBuf);
    tPlain += performance.now() - t;
  }
  figures.randomClientPerSec = 1000 / (tClient / 1000);
  figures.randomZarritaPerSec = 1000 / (tZarr / 1000);
  figures.randomPlainPerSec = 1000 / (tPlain / 1000);
  log(`  1,000 random one-block reads by plain GETs from the same node: ${figures.randomPlainPerSec.toFixed(0)} reads/s (the server's share)`);
  target(
    "1,000 random one-block reads",
    figures.randomClientPerSec / figures.randomZarritaPerSec,
    `${figures.randomClientPerSec.toFixed(0)} vs zarrita ${figures.randomZarritaPerSec.toFixed(0)} reads/s = ${(figures.randomClientPerSec / figures.randomZarritaPerSec).toFixed(2)}x`,
    "> 1x zarrita",
    figures.randomClientPerSec > figures.randomZarritaPerSec,
  );

  // 3. Client peak RSS of 16 MiB region reads (and a whole read), each in a fresh process.
  const region8: BoxZyx = quick ? [[5, 133], [17, 145], [31, 159]] : [[5, 261], [17, 273], [31, 287]];
  const region64: BoxZyx = quick ? [[5, 69], [17, 81], [31, 95]] : [[5, 133], [17, 145], [31, 159]];
  figures.rssRegionUint8 = peakRssRatio(node, uuid, "gray", "uint8", region8);
  figures.rssRegionUint64 = peakRssRatio(node, uuid, "big64", "uint64", region64);
  figures.rssWholeUint64 = peakRssRatio(node, uuid, "big64", "uint64", whole);
  const rssMax = Math.max(figures.rssRegionUint8, figures.rssRegionUint64, figures.rssWholeUint64);
  target(
    "client peak RSS / array",
    rssMax,
    `region uint8 ${figures.rssRegionUint8.toFixed(2)}x, region uint64 ${figures.rssRegionUint64.toFixed(2)}x, whole uint64 ${figures.rssWholeUint64.toFixed(2)}x`,
    "≤ 1.5x",
    rssMax <= 1.5,
  );
}

async function benchLabels(
  node: string,
  repo: Version,
  quick: boolean,
  figures: Record<string, number>,
  target: TargetFn,
  log: (line: string) => void,
): Promise<void> {
  // Labels on the wire: the demo's segmentation-like labels, lz4 vs uncompressed.
  const n = quick ? 128 : 256;
  const box = cube(n);
  const { labels } = makeDemoStack([n, n, n]);
  const bytes = labels.byteLength;
  const vol = await repo.createVolume("seg", "uint64", { blockSizeZyx: [64, 64, 64], labels: true });
  await vol.write([0, 0, 0], ndarray(labels as never, [n, n, n]) as never, { wireCompression: "none" });
  const uuid = await repo.uuid();

  const reps = quick ? 2 : 3;
  // Reads go into one reused array (the read's `out`), in both modes: a fresh 128 MiB array per
  // read costs its first-touch page faults (~0.3 GB/s here), which would swamp what the wire and
  // the codec cost, the subject of these figures.
  const reuse = ndarray(new BigUint64Array(n ** 3), [n, n, n]);
  const time = async (c: DvidClient, mode: "none" | "lz4", write: boolean) => {
    const v = c.version(uuid).volume<"uint64">("seg");
    const ms: number[] = [];
    // One untimed run first (i = -1): JIT warm-up, the server's codec thread starting, sockets.
    for (let i = -1; i < reps; i++) {
      const t = performance.now();
      if (write) await v.write([0, 0, 0], ndarray(labels as never, [n, n, n]) as never, { wireCompression: mode });
      else {
        const got = await v.read(box, { wireCompression: mode, out: reuse as never });
        if (i === -1 && !equal(got.data as BigUint64Array, labels)) throw new Error(`labels read with ${mode} differ from those written`);
      }
      if (i >= 0) ms.push(performance.now() - t);
    }
    return bytes / 1e6 / (median(ms) / 1000);
  };
  const loop = connect(node);
  try {
    figures.labelReadLoopNone = await time(loop, "none", false);
    figures.labelReadLoopLz4 = await time(loop, "lz4", false);
    figures.labelWriteLoopNone = await time(loop, "none", true);
    figures.labelWriteLoopLz4 = await time(loop, "lz4", true);
  } finally {
    loop.close();
  }
  log(
    `  labels on loopback: read ${figures.labelReadLoopNone.toFixed(0)} (none) / ${figures.labelReadLoopLz4.toFixed(0)} (lz4) MB/s, ` +
      `write ${figures.labelWriteLoopNone.toFixed(0)} / ${figures.labelWriteLoopLz4.toFixed(0)} MB/s`,
  );
  const loopRead = figures.labelReadLoopLz4 / figures.labelReadLoopNone;
  const loopWrite = figures.labelWriteLoopLz4 / figures.labelWriteLoopNone;
  target(
    "lz4 not the bottleneck on loopback",
    Math.min(loopRead, loopWrite),
    `read ${loopRead.toFixed(2)}x, write ${loopWrite.toFixed(2)}x of uncompressed`,
    "≥ 1.0x uncompressed",
    loopRead >= 1 && loopWrite >= 1,
  );
  // A throttling TCP proxy (bench/throttle-proxy.ts): one 1 Gbit/s link per direction shared by
  // all connections, in a child process of its own so that the client's event loop cannot starve it.
  const throttle = await startThrottleProcess(node, 125e6);
  const slow = connect(throttle.url);
  try {
    figures.labelReadThrottledNone = await time(slow, "none", false);
    const { down } = await throttle.counts();
    figures.labelReadThrottledLz4 = await time(slow, "lz4", false);
    // Bytes on the wire (HTTP heads included) of the lz4 reads, per voxel read.
    figures.labelWireBytesPerVoxel = ((await throttle.counts()).down - down) / ((reps + 1) * n ** 3);
    log(`  labels ${n}^3 uint64 (demo segmentation): ${figures.labelWireBytesPerVoxel.toFixed(3)} bytes/voxel on the wire with lz4 (8 uncompressed)`);
    figures.labelWriteThrottledNone = await time(slow, "none", true);
    figures.labelWriteThrottledLz4 = await time(slow, "lz4", true);
  } finally {
    slow.close();
    await throttle.close();
  }
  const r = figures.labelReadThrottledLz4 / figures.labelReadThrottledNone;
  const w = figures.labelWriteThrottledLz4 / figures.labelWriteThrottledNone;
  target(
    "labels through a 1 Gbit/s proxy, lz4 vs uncompressed",
    Math.min(r, w),
    `read ${figures.labelReadThrottledLz4.toFixed(0)} vs ${figures.labelReadThrottledNone.toFixed(0)} MB/s = ${r.toFixed(2)}x; write ${figures.labelWriteThrottledLz4.toFixed(0)} vs ${figures.labelWriteThrottledNone.toFixed(0)} MB/s = ${w.toFixed(2)}x`,
    "≥ 3x",
    r >= 3 && w >= 3,
  );
}

function equal(a: BigUint64Array, b: BigUint64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return Buffer.compare(x, y) === 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const quick = process.argv.includes("--quick");
  console.log(`client-lean bench${quick ? " (quick)" : ""}:`);
  const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
  if (only !== undefined && only !== "client" && only !== "labels") {
    console.error(`client-lean: --only takes client or labels; got ${JSON.stringify(only)}`);
    process.exit(2);
  }
  const r = await benchClientLean({ quick, labels: only !== "client", client: only !== "labels" });
  console.log(JSON.stringify(r.figures));
}
