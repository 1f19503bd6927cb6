// Reading a box of voxels: block by block (bounded concurrency, each block read straight into a
// reusable scratch buffer), copied row-wise into the output; never-written blocks are zeros
// (dvid-api.md §4.3). A box is read run by run (boxRuns): parts whose voxels are one contiguous
// range of the box's answer, each within one z block layer, so an answer can be sent while the
// next run is read (routes/raw-stream.ts).
import { blockSpan, floorDiv } from "../../volume-client/wire/block-grid.js";
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import { blockName } from "../meta/store-layout.js";
import type { ReadOptions } from "../store/object-store.js";
import type { BlockLookup } from "./block-lookup.js";
import { copyRegion, zeroRegion } from "./copy-box.js";
import { runWithScratch } from "./task-pool.js";
import { boxBytes, type Region, type VoxelGrid } from "./voxel-grid.js";
import type { BlockIo } from "./voxel-layout.js";

const READ_CONCURRENCY = 16;
const ALONE: ReadOptions = { alone: true };

/**
 * The runs of a box in answer order (x fastest, then y, then z): each lies within one z block
 * layer, is one contiguous range of the answer and holds at most `limit` bytes. A run is
 * normally one z block layer; only a layer larger than `limit` is cut into groups of planes,
 * then rows, then row segments. Lazy, so a very long box costs no list.
 */
export function* boxRuns(box: RawBox, blockZ: number, bytesPerVoxel: number, limit: number): Generator<Region> {
  const xEnd = box.x0 + box.nx;
  const yEnd = box.y0 + box.ny;
  const zEnd = box.z0 + box.nz;
  const rowBytes = box.nx * bytesPerVoxel;
  const planeBytes = rowBytes * box.ny;
  const planes = (z0: number, z1: number): Region => ({ x0: box.x0, x1: xEnd, y0: box.y0, y1: yEnd, z0, z1 });
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

/**
 * Fills `out` (from `outOffset`) with the voxels of `run`, x fastest, then y, then z. The run
 * must lie within one z block layer and be contiguous in the answer (see boxRuns).
 */
export async function readRun(io: BlockIo<BlockLookup>, run: Region, out: Buffer, outOffset: number): Promise<void> {
  const { layout } = io;
  const [BX, BY, BZ] = layout.blockSizeXyz;
  const bpv = layout.bytesPerVoxel;
  const [bx0, bx1] = blockSpan(run.x0, run.x1, BX);
  const [by0, by1] = blockSpan(run.y0, run.y1, BY);
  const nbx = bx1 - bx0;
  const bz = floorDiv(run.z0, BZ);
  const dst: VoxelGrid = { data: out, byteOffset: outOffset, x0: run.x0, y0: run.y0, z0: run.z0, nx: run.x1 - run.x0, ny: run.y1 - run.y0 };
  const rowBytes = BX * bpv;
  const by0Origin = by0 * BY;
  if (nbx === 1 && by1 - by0 === 1 && run.x0 === bx0 * BX && run.x1 === run.x0 + BX) {
    // The run is whole rows of one block (a one-block box, or a layer of a one-block-wide
    // column): the bytes of the block it needs are its answer, in the same order, so they are
    // read straight into `out`, with no scratch block and no copy.
    const oneRow = run.z1 - run.z0 === 1;
    if (oneRow || (run.y0 === by0Origin && run.y1 === by0Origin + BY)) {
      const start = ((run.z0 - bz * BZ) * BY + (run.y0 - by0Origin)) * rowBytes;
      const length = (run.z1 - run.z0) * (run.y1 - run.y0) * rowBytes;
      // Nothing else is read meanwhile, so the store may read it on this thread (ReadOptions.alone).
      if (!(await io.blocks.readInto(blockName(bx0, by0, bz), out, outOffset, 0, { start, length }, ALONE))) {
        out.fill(0, outOffset, outOffset + length);
      }
      return;
    }
  }
  await runWithScratch(io.pool, nbx * (by1 - by0), READ_CONCURRENCY, layout.blockBytes, async (i, block) => {
    const bx = bx0 + (i % nbx);
    const by = by0 + Math.floor(i / nbx);
    const ox = bx * BX;
    const oy = by * BY;
    const region = {
      x0: Math.max(run.x0, ox),
      x1: Math.min(run.x1, ox + BX),
      y0: Math.max(run.y0, oy),
      y1: Math.min(run.y1, oy + BY),
      z0: run.z0,
      z1: run.z1,
    };
    // Only the part of the block the run needs is read: its planes, and for a one-plane run
    // only its rows (one contiguous range either way), so a thin box or the edge layer of a
    // region does not pay for whole blocks.
    const y0 = run.z1 - run.z0 === 1 ? region.y0 : oy;
    const y1 = run.z1 - run.z0 === 1 ? region.y1 : oy + BY;
    const range = { start: ((run.z0 - bz * BZ) * BY + (y0 - oy)) * rowBytes, length: (run.z1 - run.z0) * (y1 - y0) * rowBytes };
    if (await io.blocks.readInto(blockName(bx, by, bz), block, 0, 0, range)) {
      copyRegion(dst, { data: block, byteOffset: 0, x0: ox, y0, z0: run.z0, nx: BX, ny: y1 - y0 }, region, bpv);
    } else {
      zeroRegion(dst, region, bpv);
    }
  });
}

/** Reads the whole box into `out` (at least boxBytes long), one z block layer at a time. */
export async function readBoxInto(io: BlockIo<BlockLookup>, box: RawBox, out: Buffer): Promise<void> {
  const bpv = io.layout.bytesPerVoxel;
  for (const run of boxRuns(box, io.layout.blockSizeXyz[2], bpv, Number.POSITIVE_INFINITY)) {
    const offset = (((run.z0 - box.z0) * box.ny + (run.y0 - box.y0)) * box.nx + (run.x0 - box.x0)) * bpv;
    await readRun(io, run, out, offset);
  }
}

/** Reads the box into a pooled buffer of exactly its bytes, calls `use` with it, and gives the buffer back after. */
export async function withBoxRead<T>(io: BlockIo<BlockLookup>, box: RawBox, use: (voxels: Buffer) => Promise<T>): Promise<T> {
  const buf = io.pool.acquire(boxBytes(box, io.layout.bytesPerVoxel));
  try {
    await readBoxInto(io, box, buf);
    return await use(buf);
  } finally {
    io.pool.release(buf);
  }
}
