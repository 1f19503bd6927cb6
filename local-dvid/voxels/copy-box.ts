// Copying a box of voxels between two x-fastest arrays (a block and a request's volume), merging
// rows into one copy whenever they are contiguous in both.

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

function offsetOf(g: VoxelGrid, x: number, y: number, z: number, bpv: number): number {
  return g.byteOffset + (((z - g.z0) * g.ny + (y - g.y0)) * g.nx + (x - g.x0)) * bpv;
}

/** Copies `region` (inside both grids) from `src` to `dst`. */
export function copyRegion(src: VoxelGrid, dst: VoxelGrid, region: Region, bpv: number): void {
  const rw = region.x1 - region.x0;
  const rh = region.y1 - region.y0;
  const rowBytes = rw * bpv;
  const fullRows = rw === src.nx && rw === dst.nx;
  if (fullRows && rh === src.ny && rh === dst.ny) {
    const s = offsetOf(src, region.x0, region.y0, region.z0, bpv);
    src.data.copy(dst.data, offsetOf(dst, region.x0, region.y0, region.z0, bpv), s, s + rowBytes * rh * (region.z1 - region.z0));
    return;
  }
  for (let z = region.z0; z < region.z1; z++) {
    let s = offsetOf(src, region.x0, region.y0, z, bpv);
    let d = offsetOf(dst, region.x0, region.y0, z, bpv);
    if (fullRows) {
      src.data.copy(dst.data, d, s, s + rowBytes * rh);
      continue;
    }
    const sStride = src.nx * bpv;
    const dStride = dst.nx * bpv;
    for (let y = 0; y < rh; y++) {
      src.data.copy(dst.data, d, s, s + rowBytes);
      s += sStride;
      d += dStride;
    }
  }
}

/** Zeroes `region` of `dst`. */
export function zeroRegion(dst: VoxelGrid, region: Region, bpv: number): void {
  const rw = region.x1 - region.x0;
  const rh = region.y1 - region.y0;
  const rowBytes = rw * bpv;
  if (rw === dst.nx && rh === dst.ny) {
    const d = offsetOf(dst, region.x0, region.y0, region.z0, bpv);
    dst.data.fill(0, d, d + rowBytes * rh * (region.z1 - region.z0));
    return;
  }
  for (let z = region.z0; z < region.z1; z++) {
    let d = offsetOf(dst, region.x0, region.y0, z, bpv);
    for (let y = 0; y < rh; y++) {
      dst.data.fill(0, d, d + rowBytes);
      d += dst.nx * bpv;
    }
  }
}
