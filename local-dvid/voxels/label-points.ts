// The labels at many points (`GET …/labels`, dvid-api.md §4.5), without holding the event loop:
// points are grouped by block, and blocks are visited with bounded concurrency, each read into a
// reusable scratch buffer (a block with few points only reads those points' 8 bytes). Grouping
// runs in slices that yield to the event loop, so 10^6 points cost time but never a stall.
import { floorDiv } from "../../volume-client/wire/block-grid.js";
import { blockName } from "../meta/store-layout.js";
import type { BlockLookup } from "./block-lookup.js";
import { runWithScratch, yieldToLoop } from "./task-pool.js";
import type { BlockIo } from "./voxel-layout.js";

const READ_CONCURRENCY = 16;
/** Points handled between two yields to the event loop. */
const SLICE = 20_000;
/** A block with at most this many points reads 8 bytes per point instead of the whole block. */
const FEW_POINTS = 8;

/** The uint64 label at each point (x, y, z), 0 where nothing was written. */
export async function readLabelsAt(io: BlockIo<BlockLookup>, pointsXyz: readonly (readonly number[])[]): Promise<BigUint64Array> {
  const { blocks, layout, pool } = io;
  const [BX, BY, BZ] = layout.blockSizeXyz;
  const out = new BigUint64Array(pointsXyz.length);
  // Per block: the points in it, as (index into out, voxel index in the block) pairs.
  const byBlock = new Map<string, number[]>();
  for (let start = 0; start < pointsXyz.length; start += SLICE) {
    if (start > 0) await yieldToLoop();
    const end = Math.min(pointsXyz.length, start + SLICE);
    for (let p = start; p < end; p++) {
      const [x, y, z] = pointsXyz[p];
      const bx = floorDiv(x, BX);
      const by = floorDiv(y, BY);
      const bz = floorDiv(z, BZ);
      const name = blockName(bx, by, bz);
      let list = byBlock.get(name);
      if (!list) byBlock.set(name, (list = []));
      list.push(p, ((z - bz * BZ) * BY + (y - by * BY)) * BX + (x - bx * BX));
    }
  }
  const names = [...byBlock.keys()];
  await runWithScratch(pool, names.length, READ_CONCURRENCY, layout.blockBytes, async (i, scratch) => {
    const name = names[i];
    const list = byBlock.get(name) as number[];
    const view = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
    if (list.length / 2 <= FEW_POINTS) {
      for (let k = 0; k < list.length; k += 2) {
        const found = await blocks.readInto(name, scratch, 0, 0, { start: list[k + 1] * 8, length: 8 });
        out[list[k]] = found ? view.getBigUint64(0, true) : 0n;
      }
      return;
    }
    if (!(await blocks.readInto(name, scratch, 0))) return; // never written: zeros
    for (let k = 0; k < list.length; k += 2) out[list[k]] = view.getBigUint64(list[k + 1] * 8, true);
  });
  return out;
}

/** DVID's answer to `labels`: a JSON array of the labels, built in slices that yield to the event loop. */
export async function labelsJson(labels: BigUint64Array): Promise<string> {
  const parts: string[] = [];
  for (let start = 0; start < labels.length; start += SLICE) {
    if (start > 0) await yieldToLoop();
    parts.push(labels.subarray(start, start + SLICE).join(","));
  }
  return `[${parts.join(",")}]`;
}
