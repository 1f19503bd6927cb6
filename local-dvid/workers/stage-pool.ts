// Staging the blocks of an aligned write in a worker thread (workers/stage-worker.mjs): the cut of
// a z block layer into blocks and the writes of their staged files (FsStore.prepareStage) take
// the event loop about 40% of an aligned write's CPU otherwise, and each block's
// open/writev/close went through three trips of libuv's thread pool and a FileHandle for the
// garbage collector (profile of a 256^3 uint64 POST: about 700 ms of event-loop time per 128 MiB,
// 180 MB/s at most). The thread does them with plain synchronous calls.
//
// No copies: the layer's memory is moved to the thread (ArrayBuffer transfer) and back, so a
// pooled layer returns to its pool whole. One thread (the machines have 2 cores, and the client
// and the event loop need them), started on first use, unref'd while idle, ended after IDLE_MS
// without work or by closeIdleStageThreads.
import { Worker } from "node:worker_threads";

const IDLE_MS = 30_000;

/** Where a layer's voxels sit and how they cut into blocks. */
export interface LayerGeometry {
  /** The layer's first voxel (the box's x0 and y0, the layer's z). */
  readonly x0: number;
  readonly y0: number;
  readonly z0: number;
  /** The layer's size in x and y (voxels); its z size is bz. */
  readonly nx: number;
  readonly ny: number;
  readonly bx: number;
  readonly by: number;
  readonly bz: number;
  readonly bpv: number;
  readonly blockBytes: number;
  /** One block fills the layer: it is stored straight from it. */
  readonly contiguous: boolean;
  readonly fsync: boolean;
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
  layer: ArrayBuffer;
  error?: { message: string; code?: string };
}

let worker: Worker | undefined;
let idle: NodeJS.Timeout | undefined;
const pending = new Map<number, { resolve(r: Reply): void; reject(e: Error): void }>();
let nextId = 1;

function thread(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL("./stage-worker.mjs", import.meta.url));
  w.unref();
  w.on("message", (reply: Reply) => {
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    settle();
    p?.resolve(reply);
  });
  const fail = (err: Error): void => {
    if (worker === w) worker = undefined;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on("error", fail);
  w.on("exit", (code) => fail(new Error(`the block staging thread exited with code ${code}`)));
  return (worker = w);
}

function settle(): void {
  if (pending.size > 0 || !worker) return;
  worker.unref();
  const w = worker;
  idle = setTimeout(() => void w.terminate(), IDLE_MS);
  idle.unref();
}

/** Whether `buf`'s memory can be moved to the thread: its own ArrayBuffer, not Node's shared small-buffer pool. */
export function movableLayer(buf: Buffer): boolean {
  return buf.buffer instanceof ArrayBuffer && buf.byteOffset === 0 && buf.buffer.byteLength < buf.byteLength * 2 + (1 << 20);
}

/**
 * Writes the staged file of every block of `layer` in the thread. Resolves to the layer (a new
 * view of the same memory: the one passed in is detached meanwhile). On failure no file of the
 * layer stays behind and the error carries the layer as `layer`.
 */
export async function stageLayerInThread(layer: Buffer, g: LayerGeometry, blocks: readonly StageBlock[]): Promise<Buffer> {
  const id = nextId++;
  const { byteOffset, byteLength } = layer;
  const job = { id, layer: layer.buffer, layerOffset: byteOffset, layerLength: byteLength, g, blocks };
  const w = thread();
  clearTimeout(idle);
  const reply = await new Promise<Reply>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage(job, [layer.buffer as ArrayBuffer]);
  });
  const back = Buffer.from(reply.layer, byteOffset, byteLength);
  if (reply.error !== undefined) {
    throw Object.assign(new Error(reply.error.message), { code: reply.error.code, layer: back });
  }
  return back;
}

/** Ends the thread if it has no job (an app's close calls it; a later job starts a new one). */
export async function closeIdleStageThreads(): Promise<void> {
  if (!worker || pending.size > 0) return;
  const w = worker;
  worker = undefined;
  clearTimeout(idle);
  await w.terminate();
}
