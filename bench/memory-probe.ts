// Peak memory of one client operation, measured in a fresh process so that nothing else this
// benchmark did is in its high-water mark. Prints one JSON line:
// { baselineRss, peakRss, arrayBytes } (bytes). Baseline = RSS after start-up and, for writes,
// before the input array is made, so the figure counts the array moved plus the client's overhead.
//
// The peak is the kernel's high-water mark (VmHWM), reset to the current RSS just before the
// operation by writing 5 to /proc/self/clear_refs: the start-up of the process (tsx compiling
// the sources) peaks higher than many operations, and getrusage's maxRSS cannot be reset.
import { readFileSync, writeFileSync } from "node:fs";
import ndarray from "ndarray";
import { connect, DTYPES, type BoxZyx, type Dtype } from "../volume-client/index.js";
import { makeVolume } from "./data.js";
import { createZarrVolume, zarrRead, zarrWrite } from "./zarr-baseline.js";
import { open as zarrOpen, root as zarrRoot } from "zarrita";
import FileSystemStore from "@zarrita/storage/fs";

interface ProbeArgs {
  system: "dvidcloud" | "zarrita";
  op: "read" | "write" | "write-nonaligned";
  dtype: Dtype;
  box: BoxZyx;
  seed: number;
  // dvidcloud
  writer?: string;
  readers?: string[];
  uuid?: string;
  name?: string;
  // zarrita
  dir?: string;
}

const args = JSON.parse(process.argv[2]) as ProbeArgs;
const shape = args.box.map(([a, b]) => b - a) as [number, number, number];
const arrayBytes = shape[0] * shape[1] * shape[2] * DTYPES[args.dtype].bytesPerVoxel;
global.gc?.();
resetPeakRss();
const baselineRss = process.memoryUsage().rss;

if (args.system === "dvidcloud") {
  const client = connect({ writer: args.writer!, readers: args.readers ?? [] });
  const vol = await client.version(args.uuid!).openVolume(args.name!);
  if (args.op === "read") {
    await vol.read(args.box);
  } else {
    const data = makeVolume(args.dtype, args.box, args.seed);
    await vol.write([args.box[0][0], args.box[1][0], args.box[2][0]], ndarray(data as never, shape) as never, { nonAlignedWrites: args.op === "write-nonaligned" });
  }
  client.close();
} else {
  const store = new FileSystemStore(args.dir!);
  const array = (await zarrOpen(zarrRoot(store), { kind: "array" })) as never;
  const vol = { array, dir: args.dir! };
  if (args.op === "read") await zarrRead(vol, args.box);
  else await zarrWrite(vol, args.box, makeVolume(args.dtype, args.box, args.seed));
}
void createZarrVolume;
const peakRss = readPeakRss();
process.stdout.write(JSON.stringify({ baselineRss, peakRss, arrayBytes }) + "\n");

function resetPeakRss(): void {
  writeFileSync("/proc/self/clear_refs", "5");
}

/** VmHWM of /proc/self/status, in bytes. */
function readPeakRss(): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
  if (!m) throw new Error("memory-probe: no VmHWM line in /proc/self/status");
  return Number(m[1]) * 1024;
}
