// Deterministic voxel contents: every voxel's value is a function of its global coordinates and
// a seed, so a read-back catches swapped axes, misplaced blocks and stale versions alike.
import ndarray from "ndarray";
import { DTYPES, type Dtype, type VoxelArray } from "../../../volume-client/wire/dtype.js";
import type { BoxZyx } from "../../../volume-client/wire/geometry.js";
import type { VoxelNdArray } from "../../../volume-client/array-input.js";

export const ALL_DTYPES: readonly Dtype[] = ["uint8", "uint16", "uint32", "uint64", "float32"];

/** A value of `dtype` for voxel (z, y, x); never 0 for seed > 0. */
export function valueAt(dtype: Dtype, z: number, y: number, x: number, seed: number): number | bigint {
  let h = (Math.imul(x + 1013, 0x9e3779b1) ^ Math.imul(y + 7919, 0x85ebca6b) ^ Math.imul(z + 104729, 0xc2b2ae35) ^ Math.imul(seed, 0x27d4eb2f)) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995) >>> 0;
  switch (dtype) {
    case "uint8":
      return (h % 255) + 1;
    case "uint16":
      return (h % 65535) + 1;
    case "uint32":
      return h === 0 ? 1 : h;
    case "uint64":
      return (BigInt((h | 1) >>> 0) << 32n) | BigInt(seed & 0xffff); // uses the high 32 bits
    case "float32":
      return ((h % 100000) + 1) / 8; // exactly representable
  }
}

/** A C-order array over `box`, filled with `valueAt`. */
export function pattern(dtype: Dtype, box: BoxZyx, seed: number): VoxelArray {
  const out = DTYPES[dtype].alloc((box[0][1] - box[0][0]) * (box[1][1] - box[1][0]) * (box[2][1] - box[2][0]));
  let i = 0;
  const dst = out as unknown as (number | bigint)[];
  for (let z = box[0][0]; z < box[0][1]; z++)
    for (let y = box[1][0]; y < box[1][1]; y++) for (let x = box[2][0]; x < box[2][1]; x++) dst[i++] = valueAt(dtype, z, y, x, seed);
  return out;
}

/** `pattern` as an ndarray of shape [nz, ny, nx]. */
export function patternArray<D extends Dtype>(dtype: D, box: BoxZyx, seed: number): VoxelNdArray<D> {
  return ndarray(pattern(dtype, box, seed) as Uint8Array, [box[0][1] - box[0][0], box[1][1] - box[1][0], box[2][1] - box[2][0]]) as unknown as VoxelNdArray<D>;
}

/**
 * Checks `actual` (C order over `box`) voxel by voxel against `expect(z, y, x)`; returns a
 * description of the first mismatch, or undefined.
 */
export function firstMismatch(
  actual: ArrayLike<number | bigint>,
  box: BoxZyx,
  expected: (z: number, y: number, x: number) => number | bigint,
): string | undefined {
  let i = 0;
  for (let z = box[0][0]; z < box[0][1]; z++)
    for (let y = box[1][0]; y < box[1][1]; y++)
      for (let x = box[2][0]; x < box[2][1]; x++, i++) {
        const want = expected(z, y, x);
        if (actual[i] !== want) return `voxel (z=${z}, y=${y}, x=${x}): got ${actual[i]}, expected ${want}`;
      }
  if (i !== actual.length) return `length ${actual.length}, expected ${i}`;
  return undefined;
}

/** The expectation for a region written with `seed` inside `written`, zero elsewhere. */
export function writtenOrZero(dtype: Dtype, written: BoxZyx[], seeds: number[]) {
  const zero = dtype === "uint64" ? 0n : 0;
  return (z: number, y: number, x: number) => {
    for (let k = written.length - 1; k >= 0; k--) {
      const b = written[k];
      if (z >= b[0][0] && z < b[0][1] && y >= b[1][0] && y < b[1][1] && x >= b[2][0] && x < b[2][1]) return valueAt(dtype, z, y, x, seeds[k]);
    }
    return zero;
  };
}
