// The shapes voxel code works with, x fastest as DVID lays voxels out (dvid-api.md §1.4): an
// array of voxels placed in voxel space (a block, a request body, an answer buffer) and a
// region of voxel space.
import type { RawBox } from "../../volume-client/wire/raw-url.js";

/** An x-fastest array of voxels and the voxel coordinates of its first voxel. */
export interface VoxelGrid {
  readonly data: Buffer;
  /** Byte offset of the first voxel in `data`. */
  readonly byteOffset: number;
  readonly x0: number;
  readonly y0: number;
  readonly z0: number;
  readonly nx: number;
  readonly ny: number;
}

/** A half-open region [x0, x1) × [y0, y1) × [z0, z1) in voxel coordinates. */
export interface Region {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly z0: number;
  readonly z1: number;
}

/** The voxels of a raw box as one x-fastest grid over `data` (a request body or an answer). */
export function boxGrid(data: Buffer, box: RawBox): VoxelGrid {
  return { data, byteOffset: 0, x0: box.x0, y0: box.y0, z0: box.z0, nx: box.nx, ny: box.ny };
}

/** Bytes of a raw box's voxels. */
export function boxBytes(box: RawBox, bytesPerVoxel: number): number {
  return box.nx * box.ny * box.nz * bytesPerVoxel;
}

export function regionBytes(r: Region, bytesPerVoxel: number): number {
  return (r.x1 - r.x0) * (r.y1 - r.y0) * (r.z1 - r.z0) * bytesPerVoxel;
}
