// Splitting one large read or write into sub-requests whose boundaries lie on the block grid.
// DVID stores whole blocks (dvid-api.md §4.3): a sub-request that ends mid-block makes the server
// fetch that block twice (once per neighbour), and a write must be block-aligned anyway.
// Sub-requests prefer to span whole x-rows and whole y-planes of the caller's box, so that each
// lands as one contiguous range of the output buffer.
import { blockRange } from "./wire/block-grid.js";
import { intersectBoxes, type BoxZyx, type Zyx } from "./wire/geometry.js";

export interface Chunk {
  /** The part of the caller's box this sub-request covers. */
  readonly box: BoxZyx;
  /** The block-aligned box around it (one cell of the chunk grid, clipped to whole blocks). */
  readonly alignedBox: BoxZyx;
  /** Blocks of the grid this sub-request touches. */
  readonly blocks: number;
}

/**
 * Splits `box` into chunks of about `chunkBytes` (never less than one block), in C order
 * (z slowest). Each chunk is `box` ∩ a block-aligned cell; cells span whole x, then whole y,
 * whenever that fits in `chunkBytes`.
 */
export function planChunks(box: BoxZyx, blockZyx: Zyx, bytesPerVoxel: number, chunkBytes: number): Chunk[] {
  const [nz, ny, nx] = [box[0][1] - box[0][0], box[1][1] - box[1][0], box[2][1] - box[2][0]];
  const blocks = blockRange(box, blockZyx);
  const nb = [blocks[0][1] - blocks[0][0], blocks[1][1] - blocks[1][0], blocks[2][1] - blocks[2][0]];
  // Sizes as the box clips them: a thin box must not be cut as if it filled whole blocks.
  const depth = Math.min(blockZyx[0], nz);
  const height = Math.min(blockZyx[1], ny);
  const width = Math.min(blockZyx[2], nx);
  const layerBytes = depth * ny * nx * bytesPerVoxel;
  const rowBytes = depth * height * nx * bytesPerVoxel;
  const cellBytes = depth * height * width * bytesPerVoxel;

  let step: [number, number, number];
  if (layerBytes <= chunkBytes) step = [Math.max(1, Math.floor(chunkBytes / layerBytes)), nb[1], nb[2]];
  else if (rowBytes <= chunkBytes) step = [1, Math.floor(chunkBytes / rowBytes), nb[2]];
  else step = [1, 1, Math.max(1, Math.floor(chunkBytes / cellBytes))];

  const out: Chunk[] = [];
  for (let bz = blocks[0][0]; bz < blocks[0][1]; bz += step[0]) {
    for (let by = blocks[1][0]; by < blocks[1][1]; by += step[1]) {
      for (let bx = blocks[2][0]; bx < blocks[2][1]; bx += step[2]) {
        const ez = Math.min(bz + step[0], blocks[0][1]);
        const ey = Math.min(by + step[1], blocks[1][1]);
        const ex = Math.min(bx + step[2], blocks[2][1]);
        const alignedBox: BoxZyx = [
          [bz * blockZyx[0], ez * blockZyx[0]],
          [by * blockZyx[1], ey * blockZyx[1]],
          [bx * blockZyx[2], ex * blockZyx[2]],
        ];
        const sub = intersectBoxes(alignedBox, box);
        // Every cell of the block range overlaps the box by construction.
        if (sub) out.push({ box: sub, alignedBox, blocks: (ez - bz) * (ey - by) * (ex - bx) });
      }
    }
  }
  return out;
}

/** Number of blocks of the grid that `box` touches. */
export function countBlocks(box: BoxZyx, blockZyx: Zyx): number {
  const r = blockRange(box, blockZyx);
  return (r[0][1] - r[0][0]) * (r[1][1] - r[1][0]) * (r[2][1] - r[2][0]);
}

/** The largest block-aligned box inside `box`, or undefined when it holds no whole block. */
export function alignBoxIn(box: BoxZyx, blockZyx: Zyx): BoxZyx | undefined {
  const out: [number, number][] = [];
  for (let a = 0; a < 3; a++) {
    const b = blockZyx[a];
    const lo = Math.ceil(box[a][0] / b) * b + 0; // + 0 turns -0 into 0
    const hi = Math.floor(box[a][1] / b) * b;
    if (hi <= lo) return undefined;
    out.push([lo, hi]);
  }
  return [out[0], out[1], out[2]];
}

/**
 * The parts of `cell` outside `inner`, as at most six disjoint boxes (slabs peeled off z, then
 * y, then x). For a read-patch-write these are the blocks the caller's box covers only in
 * part: only they need reading, the rest is overwritten whole.
 */
export function shellBoxes(cell: BoxZyx, inner: BoxZyx | undefined): BoxZyx[] {
  const core = inner && intersectBoxes(cell, inner);
  if (!core) return [cell];
  const cur: [number, number][] = [
    [cell[0][0], cell[0][1]],
    [cell[1][0], cell[1][1]],
    [cell[2][0], cell[2][1]],
  ];
  const out: BoxZyx[] = [];
  const slab = (a: number, lo: number, hi: number): BoxZyx => {
    const b = cur.map((r) => [r[0], r[1]] as [number, number]);
    b[a] = [lo, hi];
    return [b[0], b[1], b[2]];
  };
  for (let a = 0; a < 3; a++) {
    if (core[a][0] > cur[a][0]) out.push(slab(a, cur[a][0], core[a][0]));
    if (core[a][1] < cur[a][1]) out.push(slab(a, core[a][1], cur[a][1]));
    cur[a] = [core[a][0], core[a][1]];
  }
  return out;
}
