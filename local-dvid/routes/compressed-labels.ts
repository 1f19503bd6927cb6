// `compression=gzip|lz4` on label volumes (dvid-api.md §4.3), kept off the event loop: gzip runs
// in libuv's thread pool (node:zlib's async API), LZ4 in worker threads (workers/lz4-pool.ts),
// and a compressed POST body is inflated as it arrives, straight into the buffer of the box's
// size, stopping at that size. Limits (limits.ts) are checked before any body is read.
import type { ServerResponse } from "node:http";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { lz4CompressBound } from "../../volume-client/wire/lz4.js";
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import { badRequest } from "../http/errors.js";
import { inflateBodyInto, readBody } from "../http/read-body.js";
import { sendBody } from "../http/respond.js";
import { limitHint } from "../limits.js";
import type { BlockLookup } from "../voxels/block-lookup.js";
import { readBoxInto } from "../voxels/volume-read.js";
import type { BlockIo } from "../voxels/voxel-layout.js";
import { lz4Compress, lz4Decompress } from "../workers/lz4-pool.js";
import type { RequestContext } from "./app-state.js";

const gzipAsync = promisify(gzip);

/** Reads the box and answers it compressed, with a Content-Length. */
export async function sendCompressedBox(
  res: ServerResponse,
  io: BlockIo<BlockLookup>,
  box: RawBox,
  bytes: number,
  compression: "lz4" | "gzip",
): Promise<void> {
  let buf = io.pool.acquire(bytes);
  try {
    await readBoxInto(io, box, buf);
    let body: Buffer;
    if (compression === "gzip") {
      body = await gzipAsync(buf, { chunkSize: 1 << 20 });
    } else {
      const done = await lz4Compress(buf);
      buf = done.input;
      body = done.out;
    }
    sendBody(res, 200, "application/octet-stream", body);
  } finally {
    io.pool.release(buf);
  }
}

/**
 * The most bytes a compressed body of a box of `expected` bytes may have: what the codec can
 * produce at worst (lz4) or twice the box plus 1 MiB (gzip, as before), and never more than the
 * server's maxBodyBytes. The hint names whichever bound is the lower.
 */
function compressedBound(ctx: RequestContext, compression: "lz4" | "gzip", expected: number): { max: number; hint: string } {
  const { limits } = ctx.app.options;
  const byCodec = compression === "lz4" ? lz4CompressBound(expected) : expected * 2 + (1 << 20);
  if (limits.maxBodyBytes < byCodec) return { max: limits.maxBodyBytes, hint: limitHint("maxBodyBytes", limits) };
  const how = compression === "lz4" ? "the largest LZ4 block of" : "twice, plus 1 MiB,";
  return { max: byCodec, hint: `a ${compression} body is at most ${how} the ${expected} bytes of its box` };
}

/**
 * Receives a compressed label body and decodes it into a pooled buffer of exactly `expected`
 * bytes (the caller releases it to the pool). A body that decodes to another size gets
 * `lengthError(size)` (`expected + 1` for "more"); a malformed one DVID's 400.
 */
export async function receiveCompressedLabels(
  ctx: RequestContext,
  compression: "lz4" | "gzip",
  expected: number,
  lengthError: (got: number) => Error,
): Promise<Buffer> {
  const { max, hint } = compressedBound(ctx, compression, expected);
  const pool = ctx.app.pool;
  if (compression === "gzip") {
    const target = pool.acquire(expected);
    try {
      const { inflated } = await inflateBodyInto(ctx.req, target, max, "gzip-compressed labels", hint);
      if (inflated !== expected) throw lengthError(inflated);
      return target;
    } catch (err) {
      pool.release(target);
      throw err;
    }
  }
  const data = await readBody(ctx.req, max, "lz4-compressed labels", hint);
  // Decoded into a pooled buffer: fresh memory per request costs more than decoding.
  const target = pool.acquire(expected);
  try {
    return (await lz4Decompress(data, expected, target)).out;
  } catch (err) {
    const back = (err as { into?: Buffer }).into ?? (target.byteLength === expected ? target : undefined);
    if (back) pool.release(back);
    throw badRequest(`could not decode lz4-compressed labels into ${expected} bytes: ${(err as Error).message}`, err);
  }
}
