// Answering a raw GET as it is read: 200 with Content-Length up front, then the box run by run
// (voxels/volume-read.ts boxRuns, normally one z block layer each), reading the next run while
// the previous one is sent. A box of one run is read first and answered in one write.
import type { ServerResponse } from "node:http";
import { floorDiv } from "../../volume-client/wire/block-grid.js";
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import { writePiece } from "../http/respond.js";
import type { BlockLookup } from "../voxels/block-lookup.js";
import { boxRuns, readRun } from "../voxels/volume-read.js";
import { boxBytes, regionBytes } from "../voxels/voxel-grid.js";
import type { BlockIo } from "../voxels/voxel-layout.js";

/**
 * The most bytes one run of a streamed answer may hold. Two runs are in memory at a time, so a
 * 3 GiB GET never needs more than 512 MiB of buffers; only a z block layer larger than this
 * (very wide xy extents) is cut, and its blocks re-read for each piece.
 */
const MAX_RUN_BYTES = 256 * 1024 * 1024;

/**
 * Answers 200 with the box's voxels as application/octet-stream. A failure after the header is
 * sent cuts the connection (the client sees a short body, as with DVID's streaming endpoints).
 */
export async function streamBox(res: ServerResponse, io: BlockIo<BlockLookup>, box: RawBox, headOnly: boolean): Promise<void> {
  const { layout, pool } = io;
  const bpv = layout.bytesPerVoxel;
  const bytes = boxBytes(box, bpv);
  const BZ = layout.blockSizeXyz[2];
  if (!headOnly && bytes <= MAX_RUN_BYTES && floorDiv(box.z0, BZ) === floorDiv(box.z0 + box.nz - 1, BZ)) {
    return sendOneRun(res, io, box, bytes);
  }
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": bytes });
  if (headOnly) {
    res.end();
    return;
  }
  const buffers: (Buffer | undefined)[] = [undefined, undefined];
  const sending: (Promise<void> | undefined)[] = [undefined, undefined];
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  res.once("close", onClose);
  try {
    let k = 0;
    for (const run of boxRuns(box, layout.blockSizeXyz[2], bpv, MAX_RUN_BYTES)) {
      if (closed) break;
      const slot = k++ % 2;
      // The buffer's previous contents must be on the wire before it is overwritten.
      await sending[slot];
      const bytes = regionBytes(run, bpv);
      let buf = buffers[slot];
      if (!buf || buf.length < bytes) {
        if (buf) pool.release(buf);
        buf = buffers[slot] = pool.acquire(bytes);
      }
      await readRun(io, run, buf, 0);
      if (closed) break;
      const p = writePiece(res, buf.subarray(0, bytes));
      // Keep the promise from counting as unhandled while the next run is read.
      p.catch(() => undefined);
      sending[slot] = p;
    }
    await Promise.all(sending);
    if (!closed) res.end();
  } catch (err) {
    res.destroy();
    throw err;
  } finally {
    res.off("close", onClose);
    // A buffer goes back to the pool only when its write completed; after a cut connection the
    // buffers are left to the garbage collector.
    const settled = await Promise.allSettled(sending.filter((p) => p !== undefined));
    if (!closed && settled.every((s) => s.status === "fulfilled")) {
      for (const b of buffers) if (b) pool.release(b);
    }
  }
}

/**
 * A box of one run (within one z block layer, as most small reads are): read whole, then answered
 * with one write of header and body. Nothing is sent before the read succeeded, so a failed read
 * is an error answer, not a cut one.
 */
async function sendOneRun(res: ServerResponse, io: BlockIo<BlockLookup>, box: RawBox, bytes: number): Promise<void> {
  const { pool } = io;
  const buf = pool.acquire(bytes);
  const run = { x0: box.x0, x1: box.x0 + box.nx, y0: box.y0, y1: box.y0 + box.ny, z0: box.z0, z1: box.z0 + box.nz };
  try {
    await readRun(io, run, buf, 0);
  } catch (err) {
    pool.release(buf);
    throw err;
  }
  if (res.destroyed) {
    pool.release(buf);
    return;
  }
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": bytes });
  // 'finish' comes once the whole answer is with the kernel: only then may the buffer be reused.
  // After a cut connection it never comes, and the buffer is left to the garbage collector.
  res.end(buf, () => pool.release(buf));
}
