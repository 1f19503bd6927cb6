// The main job (`npm start`, `dvidcloud demo`): a cluster up and healthy, a real volume written,
// read back through every node and checked, versioned (commit, new version, branch) with the
// versions shown to isolate their data, then torn down with no process left.
import ndarray from "ndarray";
import { up } from "./lifecycle.js";
import { makeDemoStack } from "./demo-data.js";
import type { UpOptions } from "./options.js";
import type { ProgressEvent } from "./progress.js";
import type { BoxZyx, Zyx } from "../volume-client/index.js";
import { DvidcloudError } from "./errors.js";
import { deleteLocalData } from "./local-stores.js";
import { checkFunction, checkKeys, checkObject, describe, invalid } from "./option-checks.js";
import { resolveUpOptions } from "./options.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DemoOptions {
  /** Cluster name. Default `demo-<pid>`. */
  readonly name?: string;
  /** Nodes. Default 3. */
  readonly nodes?: number;
  /** Shape of the demo stack, ZYX. Default [128, 256, 256] (8 Mi voxels: 8 MiB of uint8, 64 MiB of uint64 labels). */
  readonly shapeZyx?: Zyx;
  /**
   * Local target settings (see `UpOptions.local`); the demo always runs on the local target.
   * Without a `storeDir` the demo's data goes to a temporary directory removed at the end.
   */
  readonly local?: UpOptions["local"];
  /** One line per step, for a human. */
  readonly log?: (line: string) => void;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
}

export interface DemoSummary {
  readonly name: string;
  readonly nodes: number;
  readonly endpoints: { writer: string; readers: readonly string[] };
  readonly shapeZyx: Zyx;
  /** Payload bytes written and read, voxels only. */
  readonly bytesWritten: number;
  readonly bytesRead: number;
  /** Milliseconds per step. */
  readonly timingsMs: Record<string, number>;
  /** Versions made, by role. */
  readonly versions: { root: string; child: string; branch: string; branchName: string };
  /** How many versions the repo's DAG holds at the end, and each one's parents. */
  readonly history: readonly { uuid: string; branch: string; locked: boolean; parents: readonly string[]; note: string }[];
  /** Every check the demo made, all true (a false one throws before the summary). */
  readonly checks: readonly string[];
  /** The node pids, all gone after down. */
  readonly pids: readonly number[];
}

function check(cond: boolean, what: string, checks: string[]): void {
  if (!cond) throw new DvidcloudError("DEMO_CHECK_FAILED", `demo check failed: ${what}`);
  checks.push(what);
}

function sameArray(a: ArrayLike<unknown>, b: ArrayLike<unknown>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reference level 1 of a uint8 stack: the rounded mean of each whole 2x2x2 group. */
function meanLevel(src: Uint8Array, [nz, ny, nx]: Zyx): Uint8Array {
  const [hz, hy, hx] = [Math.floor(nz / 2), Math.floor(ny / 2), Math.floor(nx / 2)];
  const out = new Uint8Array(hz * hy * hx);
  let o = 0;
  for (let z = 0; z < 2 * hz; z += 2)
    for (let y = 0; y < 2 * hy; y += 2)
      for (let x = 0; x < 2 * hx; x += 2) {
        let sum = 0;
        for (let dz = 0; dz < 2; dz++) for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) sum += src[((z + dz) * ny + y + dy) * nx + x + dx];
        out[o++] = Math.round(sum / 8);
      }
  return out;
}

/** Reference first plane of level 1 of a label stack: the most frequent label of each group, ties to the smaller. */
function modePlane(src: BigUint64Array, [, ny, nx]: Zyx): BigUint64Array {
  const [hy, hx] = [Math.floor(ny / 2), Math.floor(nx / 2)];
  const out = new BigUint64Array(hy * hx);
  let o = 0;
  for (let y = 0; y < 2 * hy; y += 2)
    for (let x = 0; x < 2 * hx; x += 2) {
      const counts = new Map<bigint, number>();
      for (let dz = 0; dz < 2; dz++)
        for (let dy = 0; dy < 2; dy++)
          for (let dx = 0; dx < 2; dx++) {
            const v = src[(dz * ny + y + dy) * nx + x + dx];
            counts.set(v, (counts.get(v) ?? 0) + 1);
          }
      let best = -1n;
      let bestCount = 0;
      for (const [v, c] of counts) if (c > bestCount || (c === bestCount && v < best)) [best, bestCount] = [v, c];
      out[o++] = best;
    }
  return out;
}

/** Copies box `sub` out of a C-order array of `shape`. */
function crop<T extends Uint8Array | BigUint64Array>(data: T, shape: Zyx, sub: BoxZyx): T {
  const [[z0, z1], [y0, y1], [x0, x1]] = sub;
  const out = new (data.constructor as new (n: number) => T)((z1 - z0) * (y1 - y0) * (x1 - x0));
  let i = 0;
  for (let z = z0; z < z1; z++)
    for (let y = y0; y < y1; y++) {
      const from = (z * shape[1] + y) * shape[2];
      out.set(data.subarray(from + x0, from + x1) as never, i);
      i += x1 - x0;
    }
  return out;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const DEMO_KEYS = ["name", "nodes", "shapeZyx", "local", "log", "onProgress", "signal"];

/** Checks every option before any work (the synthetic stack alone takes seconds to make). */
function resolveDemoOptions(options: DemoOptions): { name: string; shape: Zyx; up: UpOptions; log: (line: string) => void } {
  const where = "runDemo()";
  checkObject(options, "options", where);
  checkKeys(where, options, DEMO_KEYS);
  const shape: Zyx = options.shapeZyx ?? [128, 256, 256];
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n >= 64 && n <= 1024)) {
    throw invalid(`${where}: shapeZyx must be 3 integers between 64 and 1024; got ${describe(shape)}`);
  }
  const name = options.name ?? `demo-${process.pid}`;
  const up: UpOptions = { name, target: "local", nodes: options.nodes ?? 3, local: options.local, onProgress: options.onProgress, signal: options.signal };
  resolveUpOptions(up); // name, nodes, local, onProgress and signal, as up() will check them
  const log = checkFunction<(line: string) => void>(options.log, "log", where) ?? (() => {});
  return { name, shape, up, log };
}

/**
 * The main job. Leaves nothing behind: without `local.storeDir` the store lives in a temporary
 * directory, and the cluster's folder under the state directory (logs, store record) is deleted
 * at the end, whether the demo passed or failed. A `storeDir` given by the caller is kept.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const { name, shape, up: upOptions, log } = resolveDemoOptions(options);
  const timings: Record<string, number> = {};
  const checks: string[] = [];
  let bytesWritten = 0;
  let bytesRead = 0;
  const time = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await fn();
    timings[step] = Math.round((performance.now() - t0) * 10) / 10;
    return out;
  };

  log(`making a synthetic EM stack of ${shape.join("x")} voxels (ZYX)`);
  const stack = await time("makeData", async () => makeDemoStack(shape));

  const scratch = options.local?.storeDir ? undefined : await mkdtemp(join(tmpdir(), "dvidcloud-demo-"));
  const cleanUp = async () => {
    if (!scratch) return;
    // The cluster's folder (logs, store record) and the temporary store; a cluster of the same
    // name that is running (not ours) is refused by the launcher and left alone.
    await deleteLocalData(name, options.local?.stateDir, "runDemo()").catch(() => false);
    await rm(scratch, { recursive: true, force: true });
  };
  const local = { ...options.local, ...(scratch ? { storeDir: join(scratch, "store") } : {}) };
  const cluster = await time("up", () =>
    up({ ...upOptions, local }).catch(async (err) => {
      await cleanUp();
      throw err;
    }),
  );
  const pids = ((cluster.details.nodes as { pid: number }[] | undefined) ?? []).map((n) => n.pid);
  try {
    log(`cluster "${name}" up: writer ${cluster.endpoints.writer}, readers ${cluster.endpoints.readers.join(", ") || "(none)"}`);
    const health = await time("health", () => cluster.waitForHealth({ signal: options.signal }));
    check(health.healthy && health.nodes.length === cluster.endpoints.nodes.length, `all ${health.nodes.length} nodes answer /api/heartbeat`, checks);

    const client = cluster.client();
    const signal = options.signal;
    const repo = await client.createRepo({ alias: "dvidcloud-demo", description: "synthetic EM stack and its segmentation", signal });
    const root = await repo.uuid();
    log(`repo created, root version ${root}`);

    const gray = await repo.createVolume("grayscale", "uint8", { blockSizeZyx: [64, 64, 64], signal });
    const labels = await repo.createVolume("segmentation", "uint64", { labels: true, blockSizeZyx: [64, 64, 64], signal });
    await time("writeGrayscale", () => gray.write([0, 0, 0], ndarray(stack.gray, [...shape]), { signal }));
    await time("writeLabels", () => labels.write([0, 0, 0], ndarray(stack.labels, [...shape]), { signal }));
    bytesWritten += stack.gray.byteLength + stack.labels.byteLength;
    log(`wrote ${shape.join("x")} grayscale (uint8) and segmentation (uint64 labelblk)`);

    const whole: BoxZyx = [[0, shape[0]], [0, shape[1]], [0, shape[2]]];
    const grayBack = await time("readGrayscale", () => gray.read(whole, { signal }));
    const labelsBack = await time("readLabels", () => labels.read(whole, { signal }));
    bytesRead += grayBack.data.byteLength + labelsBack.data.byteLength;
    check(sameArray(grayBack.data, stack.gray), "grayscale reads back voxel for voxel", checks);
    check(sameArray(labelsBack.data, stack.labels), "labels read back voxel for voxel (uint64, ids above 2^53)", checks);
    const sub: BoxZyx = [[5, shape[0] - 3], [17, shape[1] - 7], [31, shape[2] - 9]];
    const subBack = await gray.read(sub, { signal });
    bytesRead += subBack.data.byteLength;
    check(sameArray(subBack.data, crop(stack.gray, shape, sub)) && sameArray(subBack.shape, [shape[0] - 8, shape[1] - 24, shape[2] - 40]), "an unaligned sub-volume reads back right", checks);
    const info = await gray.info({ signal });
    check(info.extentsZyx !== undefined, "the volume reports its extents", checks);

    // Coarser levels for neuroglancer (<name>_1, <name>_2), checked against a reference.
    await time("buildPyramid", async () => {
      await gray.buildPyramid({ levels: 2, signal });
      await labels.buildPyramid({ levels: 2, signal });
    });
    // Whole groups only (a shape may be odd: the last level-1 voxel then averages with zeros).
    const half: Zyx = [Math.floor(shape[0] / 2), Math.floor(shape[1] / 2), Math.floor(shape[2] / 2)];
    const gray1 = await repo.volume("grayscale_1").read([[0, half[0]], [0, half[1]], [0, half[2]]], { signal });
    check(sameArray(gray1.data, meanLevel(stack.gray, shape)), "grayscale_1 is the 2x2x2 mean of grayscale", checks);
    const labels1 = await repo.volume("segmentation_1").read([[0, 1], [0, half[1]], [0, half[2]]], { signal });
    const labels2 = await repo.volume("segmentation_2").info({ signal });
    check(
      sameArray(labels1.data, modePlane(stack.labels, shape)) && labels2.typeName === "labelblk",
      "segmentation_1 holds the most frequent label of each 2x2x2 group; segmentation_2 exists",
      checks,
    );

    const files = await repo.createKeyValue("files", { signal });
    const provenance = JSON.stringify({ source: "synthetic", shapeZyx: shape, seed: 42 });
    await files.put("provenance.json", provenance, { signal });

    await time("commit", () => repo.commit("imported synthetic stack", { signal }));
    check(await repo.isLocked(), "the root version is locked after commit", checks);
    const child = await repo.newVersion({ note: "proofreading round 1", signal });
    const childUuid = await child.uuid();
    // Proofreading: merge two segments by painting one label over a box that is not block-aligned.
    const patchBox: BoxZyx = [[10, 30], [40, 90], [50, 110]];
    const patchShape: Zyx = [20, 50, 60];
    const mergedId = stack.labels[0];
    const patch = new BigUint64Array(patchShape[0] * patchShape[1] * patchShape[2]).fill(mergedId);
    await time("writePatch", () => child.openVolume("segmentation").then((v) => v.write([10, 40, 50], ndarray(patch, [...patchShape]), { nonAlignedWrites: true, signal })));
    bytesWritten += patch.byteLength;
    const childLabels = await (await child.openVolume("segmentation")).read(whole, { signal });
    bytesRead += childLabels.data.byteLength;
    const expected = stack.labels.slice();
    for (let z = patchBox[0][0]; z < patchBox[0][1]; z++)
      for (let y = patchBox[1][0]; y < patchBox[1][1]; y++)
        expected.fill(mergedId, (z * shape[1] + y) * shape[2] + patchBox[2][0], (z * shape[1] + y) * shape[2] + patchBox[2][1]);
    check(sameArray(childLabels.data, expected), "the child version holds the patch and every voxel around it", checks);
    const rootAgain = await labels.read(whole, { signal });
    check(sameArray(rootAgain.data, stack.labels), "the committed root version is unchanged", checks);
    let refused = false;
    try {
      await labels.write([0, 0, 0], ndarray(new BigUint64Array(64 * 64 * 64).fill(1n), [64, 64, 64]), { signal });
    } catch {
      refused = true;
    }
    check(refused, "a write to the committed root is refused", checks);

    const branchName = "experiment";
    const branch = await repo.branch(branchName, { note: "try another segmentation", signal });
    const branchGray = await branch.openVolume<"uint8">("grayscale");
    await branchGray.write([0, 0, 0], ndarray(new Uint8Array(64 * 64 * 64).fill(255), [64, 64, 64]), { signal });
    const fromBranch = await branchGray.read([[0, 64], [0, 64], [0, 64]], { signal });
    const fromChild = await (await child.openVolume<"uint8">("grayscale")).read([[0, 64], [0, 64], [0, 64]], { signal });
    check(fromBranch.data.every((v) => v === 255) && sameArray(fromChild.data, crop(stack.gray, shape, [[0, 64], [0, 64], [0, 64]])), "branches isolate their writes", checks);
    const fromChildFiles = await child.keyValue("files").get("provenance.json", { signal });
    check(fromChildFiles !== undefined && Buffer.from(fromChildFiles).toString("utf8") === provenance, "the child inherits the root's key-value files", checks);

    const dag = await child.history({ signal });
    const history = dag.map((v) => ({ uuid: v.uuid, branch: v.branch, locked: v.locked, parents: v.parents, note: v.note }));
    check(history.length === 3, "the repo's history holds 3 versions", checks);

    const summary = {
      name,
      nodes: cluster.endpoints.nodes.length,
      endpoints: { writer: cluster.endpoints.writer, readers: cluster.endpoints.readers },
      shapeZyx: shape,
      bytesWritten,
      bytesRead,
      timingsMs: timings,
      versions: { root, child: childUuid, branch: await branch.uuid(), branchName },
      history,
      checks,
      pids,
    };
    await time("down", () => cluster.down());
    check(pids.length > 0 && pids.every((p) => !pidAlive(p)), "no node process is left after down", checks);
    return summary;
  } finally {
    await cluster.down();
    await cleanUp();
  }
}
