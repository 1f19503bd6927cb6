// Deterministic test volumes: every voxel's value is a hash of its coordinates, so a read-back
// check catches misplaced blocks, swapped axes and stale versions, not just wrong lengths.
import { DTYPES, type BoxZyx, type Dtype, type VoxelArray, type Zyx } from "../volume-client/index.js";

/** The value stored at global voxel (z, y, x) for generation `seed`. */
export function voxelValue(z: number, y: number, x: number, seed: number): number {
  let h = Math.imul(x + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(y + seed * 7919, 0xc2b2ae35) ^ Math.imul(z + 0x27d4eb2f, 0x165667b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/** A C-order [nz, ny, nx] array of `box`, filled with `voxelValue`. */
export function makeVolume(dtype: Dtype, box: BoxZyx, seed: number): VoxelArray {
  const [[z0, z1], [y0, y1], [x0, x1]] = box;
  const out = DTYPES[dtype].alloc((z1 - z0) * (y1 - y0) * (x1 - x0));
  let i = 0;
  for (let z = z0; z < z1; z++)
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) {
        const v = voxelValue(z, y, x, seed);
        if (out instanceof BigUint64Array) out[i++] = (BigInt(v) << 20n) | BigInt(x & 0xfffff);
        else if (out instanceof Float32Array) out[i++] = v & 0xffff;
        else out[i++] = v;
      }
  return out;
}

/**
 * Checks that `actual` (C order over `box`) equals the source volume `expected` (C order over
 * `source`) on the region `box`, which must lie inside `source`. Returns the index of the first
 * mismatch in `actual`, or -1.
 */
export function firstMismatch(actual: VoxelArray, box: BoxZyx, expected: VoxelArray, source: BoxZyx): number {
  const [sz, sy, sx] = [source[0][1] - source[0][0], source[1][1] - source[1][0], source[2][1] - source[2][0]];
  const nx = box[2][1] - box[2][0];
  let i = 0;
  for (let z = box[0][0]; z < box[0][1]; z++)
    for (let y = box[1][0]; y < box[1][1]; y++) {
      const base = ((z - source[0][0]) * sy + (y - source[1][0])) * sx + (box[2][0] - source[2][0]);
      for (let x = 0; x < nx; x++, i++) if (actual[i] !== expected[base + x]) return i;
    }
  void sz;
  return -1;
}

export function shapeOf(box: BoxZyx): Zyx {
  return [box[0][1] - box[0][0], box[1][1] - box[1][0], box[2][1] - box[2][0]];
}
