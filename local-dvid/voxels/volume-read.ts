// Reading a box of voxels: block by block (bounded concurrency, each block read straight into a
// reusable scratch buffer), copied row-wise into the output; never-written blocks are zeros
// (dvid-api.md §4.3). `streamVolume` sends the answer one z block layer at a time (see
// MAX_CHUNK_BYTES), reading the next layer while the previous one is sent.
import type { ServerResponse } from "node:http";
import { blockName } from "../meta/store-layout.js";
import type { BlockLookup } from "./block-lookup.js";
import type { BufferPool } from "./buffer-pool.js";
import { copyRegion, zeroRegion, type VoxelGrid } from "./copy-box.js";
import { runWithScratch } from "./task-pool.js";
import type { VoxelBox } from "./url-geometry.js";

/** Block geometry of an instance; sizes x first. */
export interface VoxelLayout {
  readonly blockSize: readonly [number, number, number];
  readonly bytesPerVoxel: number;
  readonly blockBytes: number;
}

export const READ_CONCURRENCY = 16;
/**
 * The most bytes one streamed chunk may hold. A chunk is normally one z block layer of the box;
 * only when a layer is larger than this (very wide xy extents) is it cut into groups of planes,
 * then rows, then row segments, re-reading the blocks for each piece. Two chunks are in memory at
 * a time, so a 3 GiB GET never needs more than 512 MiB of buffers.
 */
export const MAX_CHUNK_BYTES = 256 * 1024 * 1024;

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/**
 * A part of a box whose voxels are one contiguous run of the box's answer (x fastest, then y,
 * then z): whole planes, or rows of one plane, or a segment of one row. Half-open, voxel units.
 */
export interface Chunk {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly z0: number;
  readonly z1: number;
}

/** The chunks of a box in answer order; each lies within one z block layer and holds at most `limit` bytes. */
export function* boxChunks(box: VoxelBox, blockZ: number, bytesPerVoxel: number, limit = MAX_CHUNK_BYTES): Generator<Chunk> {
  const xEnd = box.x0 + box.nx;
  const yEnd = box.y0 + box.ny;
  const zEnd = box.z0 + box.nz;
  const rowBytes = box.nx * bytesPerVoxel;
  const planeBytes = rowBytes * box.ny;
  const planes = (z0: number, z1: number): Chunk => ({ x0: box.x0, x1: xEnd, y0: box.y0, y1: yEnd, z0, z1 });
  for (let z = box.z0; z < zEnd; ) {
    const layerEnd = Math.min(zEnd, (floorDiv(z, blockZ) + 1) * blockZ);
    if ((layerEnd - z) * planeBytes <= limit || planeBytes <= limit) {
      const group = Math.max(1, Math.floor(limit / planeBytes));
      for (let zz = z; zz < layerEnd; zz += group) yield planes(zz, Math.min(layerEnd, zz + group));
    } else {
      for (let zz = z; zz < layerEnd; zz++) {
        if (rowBytes <= limit) {
          const rows = Math.max(1, Math.floor(limit / rowBytes));
          for (let y = box.y0; y < yEnd; y += rows) {
            yield { x0: box.x0, x1: xEnd, y0: y, y1: Math.min(yEnd, y + rows), z0: zz, z1: zz + 1 };
          }
        } else {
          const voxels = Math.max(1, Math.floor(limit / bytesPerVoxel));
          for (let y = box.y0; y < yEnd; y++) {
            for (let x = box.x0; x < xEnd; x += voxels) yield { x0: x, x1: Math.min(xEnd, x + voxels), y0: y, y1: y + 1, z0: zz, z1: zz + 1 };
          }
        }
      }
    }
    z = layerEnd;
  }
}

function chunkBytes(c: Chunk, bytesPerVoxel: number): number {
  return (c.x1 - c.x0) * (c.y1 - c.y0) * (c.z1 - c.z0) * bytesPerVoxel;
}

function chunkOffset(box: VoxelBox, c: Chunk, bytesPerVoxel: number): number {
  return (((c.z0 - box.z0) * box.ny + (c.y0 - box.y0)) * box.nx + (c.x0 - box.x0)) * bytesPerVoxel;
}

/** Fills `out` (from `outOffset`) with the chunk's voxels, x fastest, then y, then z. */
async function readChunk(
  lookup: BlockLookup,
  layout: VoxelLayout,
  pool: BufferPool,
  c: Chunk,
  out: Buffer,
  outOffset: number,
): Promise<void> {
  const [BX, BY, BZ] = layout.blockSize;
  const bpv = layout.bytesPerVoxel;
  const bx0 = floorDiv(c.x0, BX);
  const by0 = floorDiv(c.y0, BY);
  const nbx = floorDiv(c.x1 - 1, BX) + 1 - bx0;
  const nby = floorDiv(c.y1 - 1, BY) + 1 - by0;
  const bz = floorDiv(c.z0, BZ);
  const dst: VoxelGrid = { data: out, byteOffset: outOffset, x0: c.x0, y0: c.y0, z0: c.z0, nx: c.x1 - c.x0, ny: c.y1 - c.y0 };
  const rowBytes = BX * bpv;
  await runWithScratch(pool, nbx * nby, READ_CONCURRENCY, layout.blockBytes, async (i, block) => {
    const bx = bx0 + (i % nbx);
    const by = by0 + Math.floor(i / nbx);
    const ox = bx * BX;
    const oy = by * BY;
    const region = {
      x0: Math.max(c.x0, ox),
      x1: Math.min(c.x1, ox + BX),
      y0: Math.max(c.y0, oy),
      y1: Math.min(c.y1, oy + BY),
      z0: c.z0,
      z1: c.z1,
    };
    // Only the part of the block the chunk needs is read: its planes, and for a one-plane chunk
    // only its rows (one contiguous range either way), so a thin box or the edge layer of a
    // region does not pay for whole blocks.
    const y0 = c.z1 - c.z0 === 1 ? region.y0 : oy;
    const y1 = c.z1 - c.z0 === 1 ? region.y1 : oy + BY;
    const range = { start: ((c.z0 - bz * BZ) * BY + (y0 - oy)) * rowBytes, length: (c.z1 - c.z0) * (y1 - y0) * rowBytes };
    if (await lookup.readInto(blockName(bx, by, bz), block, 0, 0, range)) {
      copyRegion({ data: block, byteOffset: 0, x0: ox, y0, z0: c.z0, nx: BX, ny: y1 - y0 }, dst, region, bpv);
    } else {
      zeroRegion(dst, region, bpv);
    }
  });
}

export function volumeBytes(box: VoxelBox, bytesPerVoxel: number): number {
  return box.nx * box.ny * box.nz * bytesPerVoxel;
}

/** Reads the whole box into `out` (at least volumeBytes long), one z block layer at a time. */
export async function readVolumeInto(
  lookup: BlockLookup,
  layout: VoxelLayout,
  pool: BufferPool,
  box: VoxelBox,
  out: Buffer,
): Promise<void> {
  for (const c of boxChunks(box, layout.blockSize[2], layout.bytesPerVoxel, Number.POSITIVE_INFINITY)) {
    await readChunk(lookup, layout, pool, c, out, chunkOffset(box, c, layout.bytesPerVoxel));
  }
}

function writeChunk(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Answers 200 with the box's voxels as application/octet-stream, Content-Length set up front,
 * produced chunk by chunk (normally one z block layer each); the next chunk is read while the
 * previous one is sent. A failure after the header is sent cuts the connection (the client sees
 * a short body, as with DVID's streaming endpoints).
 */
export async function streamVolume(
  res: ServerResponse,
  lookup: BlockLookup,
  layout: VoxelLayout,
  pool: BufferPool,
  box: VoxelBox,
  headOnly: boolean,
): Promise<void> {
  const bpv = layout.bytesPerVoxel;
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": volumeBytes(box, bpv) });
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
    for (const c of boxChunks(box, layout.blockSize[2], bpv)) {
      if (closed) break;
      const slot = k++ % 2;
      // The buffer's previous contents must be on the wire before it is overwritten.
      await sending[slot];
      const bytes = chunkBytes(c, bpv);
      let buf = buffers[slot];
      if (!buf || buf.length < bytes) {
        if (buf) pool.release(buf);
        buf = buffers[slot] = pool.acquire(bytes);
      }
      await readChunk(lookup, layout, pool, c, buf, 0);
      if (closed) break;
      const p = writeChunk(res, buf.subarray(0, bytes));
      // Keep the promise from counting as unhandled while the next chunk is read.
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
