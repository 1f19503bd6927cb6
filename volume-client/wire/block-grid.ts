// DVID's block grid (dvid-api.md §4.1): block (i, j, k) of an instance holds the voxels from
// (i, j, k) × BlockSize on, and block coordinates round down, so voxel -1 lies in block -1.
import type { BoxZyx, Zyx } from "./geometry.js";

/** Floor division, as DVID computes block coordinates. */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** The blocks `[first, end)` along one axis that the voxels `[lo, hi)` touch (`hi > lo`). */
export function blockSpan(lo: number, hi: number, side: number): [number, number] {
  return [floorDiv(lo, side), floorDiv(hi - 1, side) + 1];
}

/** True when `[lo, hi)` starts and ends on block boundaries (DVID's rule for POST raw). */
export function isAlignedSpan(lo: number, hi: number, side: number): boolean {
  return lo % side === 0 && hi % side === 0;
}

/** The half-open range of block coordinates per axis that `box` touches. */
export function blockRange(box: BoxZyx, blockZyx: Zyx): BoxZyx {
  return [
    blockSpan(box[0][0], box[0][1], blockZyx[0]),
    blockSpan(box[1][0], box[1][1], blockZyx[1]),
    blockSpan(box[2][0], box[2][1], blockZyx[2]),
  ];
}

/** True when every edge of the box lies on a block boundary. */
export function isBlockAligned(box: BoxZyx, blockZyx: Zyx): boolean {
  return box.every(([lo, hi], a) => isAlignedSpan(lo, hi, blockZyx[a]));
}

/** The smallest block-aligned box that contains `box`. */
export function alignBoxOut(box: BoxZyx, blockZyx: Zyx): BoxZyx {
  const axis = (a: number): [number, number] => {
    const [first, end] = blockSpan(box[a][0], box[a][1], blockZyx[a]);
    return [first * blockZyx[a], end * blockZyx[a]];
  };
  return [axis(0), axis(1), axis(2)];
}
