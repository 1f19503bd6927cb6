// LZ4 block compression and decompression of label volumes in worker threads, so that a 1 GiB
// `compression=lz4` GET or POST never holds the event loop (heartbeats and small reads on the
// same node keep answering). Small inputs are coded inline: a thread round trip costs more.
//
// No copies: the input's memory is moved to the thread (ArrayBuffer transfer) and moved back
// with the output, so a pooled buffer returns to its pool whole. The caller must not touch the
// input until the promise settles. Up to two threads are started on first use; they are unref'd
// while idle and end after IDLE_MS without work.
import { availableParallelism } from "node:os";
import { lz4CompressBlock, lz4CompressBound, lz4DecompressBlock } from "../../volume-client/wire/lz4.js";
import { WorkerThread } from "./worker-thread.js";

/**
 * Inputs below this are coded on the event loop (about 5-10 ms per 8 MiB, the client's default
 * sub-request). Measured on the bench's 256^3 demo labels in 8 MiB sub-requests: decoding them in
 * the thread cost the server 350-420 ms of CPU per 128 MiB written against 210-265 ms inline
 * (each move of a pooled buffer to a thread and back charges its size to V8's external memory,
 * and the garbage collections follow); compressing cost about the same either way.
 */
export const INLINE_BELOW = 16 * 1024 * 1024;
const IDLE_MS = 30_000;
const MAX_THREADS = Math.max(1, Math.min(2, availableParallelism() - 1));

interface Reply {
  id: number;
  input: ArrayBuffer;
  into?: ArrayBuffer;
  out?: ArrayBuffer;
  outOffset?: number;
  outLength?: number;
  error?: string;
}

const threads: WorkerThread<Reply>[] = [];

function leastBusy(): WorkerThread<Reply> {
  let best = threads.find((t) => t.jobs === 0);
  if (!best && threads.length < MAX_THREADS) {
    best = new WorkerThread<Reply>(new URL("./lz4-worker.mjs", import.meta.url), "the LZ4 worker thread", IDLE_MS, (t) => {
      const i = threads.indexOf(t);
      if (i >= 0) threads.splice(i, 1);
    });
    threads.push(best);
  }
  return best ?? threads.reduce((a, b) => (b.jobs < a.jobs ? b : a));
}

async function run(
  op: "compress" | "decompress",
  input: Buffer,
  outputLength: number,
  into?: Buffer,
): Promise<{ input: Buffer; out: Buffer }> {
  // Read before the move: a moved (detached) view reports offset and length 0.
  const { byteOffset, byteLength } = input;
  const job: Record<string, unknown> = { op, input: input.buffer, inputOffset: byteOffset, inputLength: byteLength, outputLength };
  const transfer = [input.buffer as ArrayBuffer];
  const intoOffset = into?.byteOffset ?? 0;
  if (into) {
    Object.assign(job, { into: into.buffer, intoOffset });
    transfer.push(into.buffer as ArrayBuffer);
  }
  const reply = await leastBusy().run(job, transfer);
  const back = Buffer.from(reply.input, byteOffset, byteLength);
  if (reply.error !== undefined) {
    const intoBack = reply.into ? Buffer.from(reply.into, intoOffset, outputLength) : undefined;
    throw Object.assign(new RangeError(reply.error), { input: back, into: intoBack });
  }
  return { input: back, out: Buffer.from(reply.out as ArrayBuffer, reply.outOffset, reply.outLength) };
}

/** The inline compressor's output array, reused (coding is synchronous). */
let scratch = new Uint8Array(0);

/** Whether `buf`'s memory can be moved to a thread: its own ArrayBuffer, not Node's shared small-buffer pool. */
function movable(buf: Buffer): boolean {
  return buf.byteLength >= INLINE_BELOW && ownsMemory(buf);
}

/** Whether `buf` is (most of) its own ArrayBuffer, so that moving that buffer moves little else. */
function ownsMemory(buf: Buffer): boolean {
  return buf.buffer instanceof ArrayBuffer && buf.buffer.byteLength < buf.byteLength * 2 + (1 << 20);
}

/**
 * Compresses `src` into one raw LZ4 block. Returns the output and `src` again: a new view of the
 * same bytes when they went to a thread (the old `src` is then detached: use the returned one).
 */
export async function lz4Compress(src: Buffer): Promise<{ input: Buffer; out: Buffer }> {
  if (!movable(src)) {
    // Into a reused scratch, then a copy of just the block: a fresh input-sized array per call
    // would charge V8 that much external memory, and garbage collections with it.
    const bound = lz4CompressBound(src.length);
    if (scratch.length < bound) scratch = new Uint8Array(bound);
    return { input: src, out: Buffer.from(lz4CompressBlock(src, scratch)) };
  }
  return run("compress", src, 0);
}

/**
 * Decodes one raw LZ4 block into exactly `size` bytes (RangeError when it is malformed or
 * another size). `src` is moved to a thread and given back, as for lz4Compress. With `into`
 * (exactly `size` bytes, e.g. a pooled buffer: fresh memory costs more than decoding) the bytes
 * are decoded there; it moves too, and `out` is the view of it to use afterwards (on an error,
 * the RangeError's `into`).
 */
export async function lz4Decompress(src: Buffer, size: number, into?: Buffer): Promise<{ input: Buffer; out: Buffer }> {
  if (into !== undefined && into.length !== size) {
    throw new RangeError(`into must be exactly ${size} bytes long; got ${into.length}`);
  }
  if (size < INLINE_BELOW || (into !== undefined && !ownsMemory(into))) {
    const out = lz4DecompressBlock(src, size, into);
    return { input: src, out: Buffer.from(out.buffer, out.byteOffset, out.byteLength) };
  }
  if (!movable(src)) {
    // A small body that inflates to a large volume: copy it (it is small) so that it can move.
    const copy = Buffer.from(new ArrayBuffer(src.byteLength));
    src.copy(copy);
    const done = await run("decompress", copy, size, into);
    return { input: src, out: done.out };
  }
  return run("decompress", src, size, into);
}

/**
 * Ends the threads that have no job (an app's close calls it; a later job starts new ones), so
 * that a process that is done with its servers has no thread left.
 */
export async function closeIdleLz4Threads(): Promise<void> {
  const idle = threads.filter((t) => t.jobs === 0);
  for (const t of idle) threads.splice(threads.indexOf(t), 1);
  await Promise.all(idle.map((t) => t.terminate()));
}
