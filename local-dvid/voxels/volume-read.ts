// Reading a box of voxels: block by block (bounded concurrency, each block read straight into a
// reusable scratch buffer), copied row-wise into the output; never-written blocks are zeros
// (dvid-api.md §4.3). `streamVolume` sends the answer one block layer of z at a time, so even a
// 3 GiB GET holds only two z-slabs in memory and the next slab is read while one is being sent.
import type { ServerResponse } from "node:http";
import { blockName } from "../meta/store-layout.js";
import type { BlockLookup } from "./block-lookup.js";
import type { BufferPool } from "./buffer-pool.js";
import { copyRegion, zeroRegion, type VoxelGrid } from "./copy-box.js";
import { runBounded } from "./task-pool.js";
import type { VoxelBox } from "./url-geometry.js";

/** Block geometry of an instance; sizes x first. */
export interface VoxelLayout {
  readonly blockSize: readonly [number, number, number];
  readonly bytesPerVoxel: number;
  readonly blockBytes: number;
}

export const READ_CONCURRENCY = 16;

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Block layers of z the box touches: [zStart, zEnd) in voxels, each within one block row. */
export function zLayers(box: VoxelBox, blockZ: number): [number, number][] {
  const out: [number, number][] = [];
  const zEnd = box.z0 + box.nz;
  for (let z = box.z0; z < zEnd; ) {
    const next = Math.min(zEnd, (floorDiv(z, blockZ) + 1) * blockZ);
    out.push([z, next]);
    z = next;
  }
  return out;
}

/**
 * Fills `out` (from `outOffset`) with the box's voxels of z in [zs, ze), which must lie in one
 * block layer: x fastest, then y, then z.
 */
async function readLayer(
  lookup: BlockLookup,
  layout: VoxelLayout,
  pool: BufferPool,
  box: VoxelBox,
  zs: number,
  ze: number,
  out: Buffer,
  outOffset: number,
): Promise<void> {
  const [BX, BY, BZ] = layout.blockSize;
  const bpv = layout.bytesPerVoxel;
  const bx0 = floorDiv(box.x0, BX);
  const by0 = floorDiv(box.y0, BY);
  const nbx = floorDiv(box.x0 + box.nx - 1, BX) + 1 - bx0;
  const nby = floorDiv(box.y0 + box.ny - 1, BY) + 1 - by0;
  const bz = floorDiv(zs, BZ);
  const dst: VoxelGrid = { data: out, byteOffset: outOffset, x0: box.x0, y0: box.y0, z0: zs, nx: box.nx, ny: box.ny };
  const count = nbx * nby;
  const workers = Math.min(READ_CONCURRENCY, count);
  const scratch = Array.from({ length: workers }, () => pool.acquire(layout.blockBytes));
  try {
    await runBounded(count, workers, async (i, w) => {
      const bx = bx0 + (i % nbx);
      const by = by0 + Math.floor(i / nbx);
      const ox = bx * BX;
      const oy = by * BY;
      const oz = bz * BZ;
      const region = {
        x0: Math.max(box.x0, ox),
        x1: Math.min(box.x0 + box.nx, ox + BX),
        y0: Math.max(box.y0, oy),
        y1: Math.min(box.y0 + box.ny, oy + BY),
        z0: zs,
        z1: ze,
      };
      const block = scratch[w];
      if (await lookup.readInto(blockName(bx, by, bz), block, 0)) {
        copyRegion({ data: block, byteOffset: 0, x0: ox, y0: oy, z0: oz, nx: BX, ny: BY }, dst, region, bpv);
      } else {
        zeroRegion(dst, region, bpv);
      }
    });
  } finally {
    for (const b of scratch) pool.release(b);
  }
}

export function volumeBytes(box: VoxelBox, bytesPerVoxel: number): number {
  return box.nx * box.ny * box.nz * bytesPerVoxel;
}

/** Reads the whole box into `out` (at least volumeBytes long). */
export async function readVolumeInto(
  lookup: BlockLookup,
  layout: VoxelLayout,
  pool: BufferPool,
  box: VoxelBox,
  out: Buffer,
): Promise<void> {
  const planeBytes = box.nx * box.ny * layout.bytesPerVoxel;
  for (const [zs, ze] of zLayers(box, layout.blockSize[2])) {
    await readLayer(lookup, layout, pool, box, zs, ze, out, (zs - box.z0) * planeBytes);
  }
}

function writeChunk(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Answers 200 with the box's voxels as application/octet-stream, Content-Length set up front,
 * produced one z block layer at a time. A failure after the header is sent cuts the connection
 * (the client sees a short body, as with DVID's streaming endpoints).
 */
export async function streamVolume(
  res: ServerResponse,
  lookup: BlockLookup,
  layout: VoxelLayout,
  pool: BufferPool,
  box: VoxelBox,
  headOnly: boolean,
): Promise<void> {
  const total = volumeBytes(box, layout.bytesPerVoxel);
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": total });
  if (headOnly) {
    res.end();
    return;
  }
  const planeBytes = box.nx * box.ny * layout.bytesPerVoxel;
  const layers = zLayers(box, layout.blockSize[2]);
  const slabMax = planeBytes * Math.min(box.nz, layout.blockSize[2]);
  const slabs = [pool.acquire(slabMax), layers.length > 1 ? pool.acquire(slabMax) : undefined];
  const sending: (Promise<void> | undefined)[] = [undefined, undefined];
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  res.once("close", onClose);
  try {
    for (let k = 0; k < layers.length && !closed; k++) {
      const slab = slabs[k % 2] as Buffer;
      // The slab's previous contents must be on the wire before it is overwritten.
      await sending[k % 2];
      const [zs, ze] = layers[k];
      await readLayer(lookup, layout, pool, box, zs, ze, slab, 0);
      if (closed) break;
      sending[k % 2] = writeChunk(res, slab.subarray(0, (ze - zs) * planeBytes));
      // Keep the promise from counting as unhandled while the next slab is read.
      sending[k % 2]?.catch(() => undefined);
    }
    await Promise.all(sending);
    if (!closed) res.end();
  } catch (err) {
    res.destroy();
    throw err;
  } finally {
    res.off("close", onClose);
    // A slab goes back to the pool only when its write completed; after a cut connection the
    // slabs are left to the garbage collector.
    const settled = await Promise.allSettled(sending.filter((p) => p !== undefined));
    if (!closed && settled.every((s) => s.status === "fulfilled")) {
      for (const s of slabs) if (s) pool.release(s);
    }
  }
}
