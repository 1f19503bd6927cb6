// Staging the blocks of an aligned write in a worker thread (workers/stage-worker.mjs): the cut of
// a z block layer into blocks and the writes of their staged files (FsStore.prepareStage) take
// the event loop about 40% of an aligned write's CPU otherwise, and each block's
// open/writev/close went through three trips of libuv's thread pool and a FileHandle for the
// garbage collector (profile of a 256^3 uint64 POST: about 700 ms of event-loop time per 128 MiB,
// 180 MB/s at most). The thread does them with plain synchronous calls. Non-aligned writes
// (volume-write.ts, writePatched) send it their blocks too: it reads each partly covered block
// from the version's own object, patches it and writes its staged file; the event loop only
// publishes them, by compare-and-swap on the generation the thread read.
//
// No copies: routes/raw-receive.ts receives layers into memory shared with the thread
// (acquireSharedLayer), reused across requests; any other layer or body is moved to the thread
// (ArrayBuffer transfer) and back, so a pooled buffer returns to its pool whole. Shared layers
// measured 24% less server CPU for 512^3 uint8 and 13% for 256^3 uint64 whole writes than moved
// ones (bench/server-writes.ts, both servers in one run). One thread (the machines have 2 cores, and the client
// and the event loop need them), started on first use, unref'd while idle, ended after IDLE_MS
// without work or by closeIdleStageThreads.
import { WorkerThread } from "./worker-thread.js";

const IDLE_MS = 30_000;

/** Where a body's voxels sit on the block grid (a layer of an aligned write, or a non-aligned body). */
interface GridGeometry {
  /** The body's first voxel (the box's x0 and y0; a layer's z). */
  readonly x0: number;
  readonly y0: number;
  readonly z0: number;
  /** The body's size in x and y (voxels). */
  readonly nx: number;
  readonly ny: number;
  readonly bx: number;
  readonly by: number;
  readonly bpv: number;
  readonly blockBytes: number;
  readonly fsync: boolean;
}

/** Where a layer's voxels sit and how they cut into blocks; its z size is bz. */
export interface LayerGeometry extends GridGeometry {
  readonly bz: number;
  /** One block fills the layer: it is stored straight from it. */
  readonly contiguous: boolean;
}

/** One block of the layer: its first voxel in x and y, and the staged file to write. */
export interface StageBlock {
  readonly x0: number;
  readonly y0: number;
  readonly path: string;
  readonly header: Uint8Array;
}

interface Reply {
  id: number;
  layer?: ArrayBuffer;
  body?: ArrayBuffer;
  results?: (number | "missing" | "other")[];
  error?: { message: string; code?: string };
}

let worker: WorkerThread<Reply> | undefined;

function thread(): WorkerThread<Reply> {
  worker ??= new WorkerThread<Reply>(new URL("./stage-worker.mjs", import.meta.url), "the block staging thread", IDLE_MS, (t) => {
    if (worker === t) worker = undefined;
  });
  return worker;
}

/** Whether `buf`'s memory can be moved to the thread: its own ArrayBuffer, not Node's shared small-buffer pool. */
export function movableBuffer(buf: Buffer): boolean {
  return buf.buffer instanceof ArrayBuffer && buf.byteOffset === 0 && buf.buffer.byteLength < buf.byteLength * 2 + (1 << 20);
}

/**
 * Writes the staged file of every block of `layer` in the thread. Resolves to the layer (a new
 * view of the same memory: the one passed in is detached meanwhile). On failure no file of the
 * layer stays behind and the error carries the layer as `layer`.
 */
export async function stageLayerInThread(layer: Buffer, g: LayerGeometry, blocks: readonly StageBlock[]): Promise<Buffer> {
  const { byteOffset, byteLength } = layer;
  const shared = layer.buffer instanceof SharedArrayBuffer;
  const reply = await post({ layer: layer.buffer, layerOffset: byteOffset, layerLength: byteLength, g, blocks }, shared ? undefined : layer);
  const back = shared ? layer : Buffer.from(reply.layer as ArrayBuffer, byteOffset, byteLength);
  if (reply.error !== undefined) {
    throw Object.assign(new Error(reply.error.message), { code: reply.error.code, layer: back });
  }
  return back;
}

/** Where a non-aligned write's body sits and how blocks are cut. */
export type PatchGeometry = GridGeometry;

/** One block of a non-aligned write: its first voxel, the region the body covers, and its files. */
export interface PatchBlock {
  readonly x0: number;
  readonly y0: number;
  readonly z0: number;
  readonly region: { x0: number; x1: number; y0: number; y1: number; z0: number; z1: number };
  /** The body covers the whole block: nothing is read. */
  readonly full: boolean;
  /** The version's own object of the block (read when not full). */
  readonly objectPath: string;
  /** The staged file to write. */
  readonly path: string;
  readonly header: Uint8Array;
}

/**
 * Writes the staged file of each block of a non-aligned write in the thread: full blocks cut from
 * `body`, partly covered ones read from the version's own object and patched. Resolves to the
 * body (a new view: the one passed in is detached meanwhile) and, per block, the generation the
 * block was read at (0 for a full block), or "missing" / "other" when the thread left that block
 * to the caller (no own object, or not a plain one of the block's size): no file is staged for
 * those. On failure no staged file stays and the error carries the body as `body`.
 */
export async function patchBlocksInThread(
  body: Buffer,
  g: PatchGeometry,
  blocks: readonly PatchBlock[],
): Promise<{ body: Buffer; results: (number | "missing" | "other")[] }> {
  const { byteOffset, byteLength } = body;
  const reply = await post({ op: "patch", body: body.buffer, bodyOffset: byteOffset, bodyLength: byteLength, g, blocks }, body);
  // (A body moves: bodies come from the request's pool, and one move per request is cheap.)
  const back = Buffer.from(reply.body as ArrayBuffer, byteOffset, byteLength);
  if (reply.error !== undefined) {
    throw Object.assign(new Error(reply.error.message), { code: reply.error.code, body: back });
  }
  return { body: back, results: reply.results as (number | "missing" | "other")[] };
}

/** Sends `job` (its memory `moved` transferred, if any) to the thread and waits for its reply. */
function post(job: Record<string, unknown>, moved: Buffer | undefined): Promise<Reply> {
  return thread().run(job, moved === undefined ? [] : [moved.buffer as ArrayBuffer]);
}

/**
 * Layers in memory shared with the thread (SharedArrayBuffer), reused: nothing moves per job.
 * Moving an 8 MiB layer to the thread and back re-registers its memory with V8 as new external
 * memory each way, which the garbage collector counts as allocation.
 */
const idleShared = new Map<number, Buffer[]>();
let idleSharedBytes = 0;
const MAX_IDLE_SHARED_BYTES = 256 * 1024 * 1024;

/** A layer of `size` bytes in shared memory (undefined contents); give it back with releaseSharedLayer. */
export function acquireSharedLayer(size: number): Buffer {
  const reused = idleShared.get(size)?.pop();
  if (reused !== undefined) {
    idleSharedBytes -= size;
    return reused;
  }
  return Buffer.from(new SharedArrayBuffer(size));
}

/** Gives back a layer of acquireSharedLayer; the caller must not touch it afterwards. */
export function releaseSharedLayer(buf: Buffer): void {
  if (!(buf.buffer instanceof SharedArrayBuffer) || idleSharedBytes + buf.length > MAX_IDLE_SHARED_BYTES) return;
  let list = idleShared.get(buf.length);
  if (!list) idleShared.set(buf.length, (list = []));
  list.push(buf);
  idleSharedBytes += buf.length;
}

/** Ends the thread if it has no job (an app's close calls it; a later job starts a new one). */
export async function closeIdleStageThreads(): Promise<void> {
  if (!worker || worker.jobs > 0) return;
  const w = worker;
  worker = undefined;
  await w.terminate();
}
