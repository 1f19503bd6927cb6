// local-dvid's write path alone (issue 10): whole and non-aligned region writes through the
// volume-client into ONE local-dvid child process on a temp FsStore, interleaved per repetition
// with zarrita.js writing the same data and a plain loopback POST of the same bytes, so the
// ratios printed come from one run. Not part of `npm run bench`.
//
//   npx tsx bench/server-writes.ts [--reps N] [--only uint8|uint64] [--node-arg=--cpu-prof ...]
//                                  [--strace FILE] [--skip-zarr] [--ops whole,region]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ndarray from "ndarray";
import { connect, type BoxZyx, type Dtype, type Zyx } from "../volume-client/index.js";
import { makeVolume, shapeOf } from "./data.js";
import { processCpuMs, startChildServer, type ChildServer } from "./child-server.js";
import { loopbackPost, startLoopbackServer } from "./loopback.js";
import { median, mbPerSecond } from "./stats.js";
import { createZarrVolume, zarrWrite } from "./zarr-baseline.js";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const reps = Number(flag("--reps") ?? 5);
const only = flag("--only");
const stracePath = flag("--strace");
const nodeArgs = args.filter((a) => a.startsWith("--node-arg=")).map((a) => a.slice("--node-arg=".length));
const skipZarr = args.includes("--skip-zarr");
const opsArg = flag("--ops"); // comma list of whole,region

const root = fileURLToPath(new URL("..", import.meta.url));
const cube = (n: number): BoxZyx => [[0, n], [0, n], [0, n]];
const at = (o: Zyx, n: number): BoxZyx => [[o[0], o[0] + n], [o[1], o[1] + n], [o[2], o[2] + n]];
const REGION: Zyx = [5, 17, 31];
const loads: { dtype: Dtype; whole: BoxZyx; region: BoxZyx }[] = [
  { dtype: "uint8" as Dtype, whole: cube(512), region: at(REGION, 256) },
  { dtype: "uint64" as Dtype, whole: cube(256), region: at(REGION, 128) },
].filter((w) => only === undefined || w.dtype === only);

// SW_BASE_ROOT=<another checkout>: also times that checkout's local-dvid ("base-…" rows), with
// the same client, in the same run: before/after figures of a server change.
const baseRoot = process.env.SW_BASE_ROOT;

function startNode(dir: string, serverRoot = root): Promise<ChildServer> {
  return startChildServer([...nodeArgs, join(serverRoot, "local-dvid/cli.ts"), "--store", dir, "--port", "0", "--parent-watch"], "local-dvid", {
    wrap: stracePath ? ["strace", "-f", "-c", "-o", stracePath] : undefined,
  });
}

/** CPU ms (user + system, all threads; user alone with SW_USER_ONLY) of process `pid` so far. */
const procCpuMs = (pid: number): number => processCpuMs(pid, !!process.env.SW_USER_ONLY);

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), "server-writes-"));
  const node = await startNode(join(scratch, "store"));
  const loop = await startLoopbackServer();
  const base = baseRoot === undefined ? undefined : await startNode(join(scratch, "base-store"), baseRoot);
  try {
    const client = connect(node.url);
    const repo = await client.createRepo({ alias: "sw" });
    const baseRepo = base === undefined ? undefined : await connect(base.url).createRepo({ alias: "sw" });
    const out: string[] = [];
    for (const w of loads) {
      const whole = makeVolume(w.dtype, w.whole, 1);
      const region = makeVolume(w.dtype, w.region, 2);
      const vol = await repo.createVolume(`v-${w.dtype}`, w.dtype, { blockSizeZyx: [64, 64, 64] });
      const baseVol = baseRepo === undefined ? undefined : await baseRepo.createVolume(`v-${w.dtype}`, w.dtype, { blockSizeZyx: [64, 64, 64] });
      const z = await createZarrVolume(join(scratch, `${w.dtype}.zarr`), w.dtype, shapeOf(w.whole), [64, 64, 64]);
      const wholeNd = ndarray(whole as never, [...shapeOf(w.whole)]);
      const regionNd = ndarray(region as never, [...shapeOf(w.region)]);
      const wholeBytes = (whole as Uint8Array).byteLength;
      const regionBytes = (region as Uint8Array).byteLength;
      const postBody = Buffer.alloc(wholeBytes, 3);
      const ops: [string, number, () => Promise<unknown>][] = [];
      const want = (o: string) => opsArg === undefined || opsArg.split(",").includes(o);
      if (want("whole")) {
        ops.push(["loopback-post", wholeBytes, () => loopbackPost(loop.url, postBody)]);
        if (!skipZarr) ops.push(["zarrita-write", wholeBytes, () => zarrWrite(z, w.whole, whole)]);
        ops.push(["dvid-write", wholeBytes, () => vol.write([0, 0, 0], wholeNd as never)]);
        if (baseVol) ops.push(["base-write", wholeBytes, () => baseVol.write([0, 0, 0], wholeNd as never)]);
      }
      if (want("region")) {
        if (!skipZarr) ops.push(["zarrita-region", regionBytes, () => zarrWrite(z, w.region, region)]);
        ops.push(["dvid-region", regionBytes, () => vol.write(REGION, regionNd as never, { nonAlignedWrites: true })]);
        if (baseVol) ops.push(["base-region", regionBytes, () => baseVol.write(REGION, regionNd as never, { nonAlignedWrites: true })]);
      }
      if (!want("whole")) {
        // Region writes patch what a whole write left (zarrita cannot patch a chunk never written).
        if (!skipZarr) await zarrWrite(z, w.whole, whole);
        await vol.write([0, 0, 0], wholeNd as never);
        await baseVol?.write([0, 0, 0], wholeNd as never);
      }
      const samples = new Map<string, number[]>(ops.map(([n]) => [n, []]));
      const cpu = new Map<string, { client: number; server: number }>(ops.map(([n]) => [n, { client: 0, server: 0 }]));
      const serverPid = stracePath ? undefined : node.pid;
      for (let i = 0; i <= reps; i++) {
        for (const [name, , fn] of i % 2 ? [...ops].reverse() : ops) {
          const pid = name.startsWith("dvid") ? serverPid : name.startsWith("base") ? base?.pid : name.startsWith("loopback") ? loop.pid : undefined;
          const s0 = pid ? procCpuMs(pid) : 0;
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await fn();
          const dt = performance.now() - t0;
          const c = process.cpuUsage(c0);
          const s1 = pid ? procCpuMs(pid) : 0;
          if (i > 0) {
            samples.get(name)!.push(dt);
            cpu.get(name)!.client += (c.user + c.system) / 1000 / reps;
            cpu.get(name)!.server += (s1 - s0) / reps;
          }
        }
      }
      const mb = new Map(ops.map(([n, bytes]) => [n, mbPerSecond(bytes, median(samples.get(n)!))]));
      for (const [n] of ops) {
        const { client, server } = cpu.get(n)!;
        out.push(`${w.dtype.padEnd(7)} ${n.padEnd(15)} ${mb.get(n)!.toFixed(0).padStart(6)} MB/s  (${samples.get(n)!.map((s) => s.toFixed(0)).join(" ")} ms) cpu: client ${client.toFixed(0)} ms, server ${server.toFixed(0)} ms`);
      }
      const r = (a: string, b: string) => (mb.has(a) && mb.has(b) ? (mb.get(a)! / mb.get(b)!).toFixed(2) + "x" : "-");
      out.push(`${w.dtype.padEnd(7)} ratios: write/zarrita ${r("dvid-write", "zarrita-write")}  write/post ${r("dvid-write", "loopback-post")}  region/zarrita ${r("dvid-region", "zarrita-region")}`);
      if (baseVol) out.push(`${w.dtype.padEnd(7)} base:   write/zarrita ${r("base-write", "zarrita-write")}  write/post ${r("base-write", "loopback-post")}  region/zarrita ${r("base-region", "zarrita-region")}`);
      console.log(out.slice(-ops.length - (baseVol ? 2 : 1)).join("\n"));
      await rm(z.dir, { recursive: true, force: true });
    }
    console.log("\n" + out.join("\n"));
    if (process.env.SW_THREADS) {
      // Per-thread CPU of the server since it started: thread id, user ms, system ms.
      const { readdirSync } = await import("node:fs");
      for (const tid of readdirSync(`/proc/${node.pid}/task`)) {
        const f = readFileSync(`/proc/${node.pid}/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
        console.log(`thread ${tid}: user ${Number(f[11]) * 10} ms, system ${Number(f[12]) * 10} ms`);
      }
    }
  } finally {
    await node.stop();
    await loop.stop();
    await base?.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
