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

// Short rows (a 64-voxel uint8 block row is 64 bytes) cost more in per-call overhead than in
// bytes: copying them as 8-byte integers through BigUint64Array views runs about 2.7x faster than
// Buffer.copy on this machine (measured 3.0 vs 1.1 GB/s for 64-byte rows), and integer element
// copies are bit-exact (Float64Array copies could canonicalize NaN payloads).
const SHORT_ROW = 512;

function u64View(buf: Buffer): BigUint64Array | undefined {
  return buf.byteOffset % 8 === 0 ? new BigUint64Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 8)) : undefined;
}

function u32View(buf: Buffer): Uint32Array | undefined {
  return buf.byteOffset % 4 === 0 ? new Uint32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4)) : undefined;
}

/** Copies `rows` rows of `rowBytes` bytes, advancing by the given strides. */
function copyRows(
  src: Buffer,
  s: number,
  sStride: number,
  dst: Buffer,
  d: number,
  dStride: number,
  rowBytes: number,
  rows: number,
): void {
  if (rowBytes < SHORT_ROW) {
    if ((s | d | rowBytes | sStride | dStride) % 8 === 0) {
      const sv = u64View(src);
      const dv = u64View(dst);
      if (sv && dv) {
        const n = rowBytes / 8;
        let si = s / 8;
        let di = d / 8;
        const ss = sStride / 8;
        const ds = dStride / 8;
        for (let r = 0; r < rows; r++, si += ss, di += ds) for (let i = 0; i < n; i++) dv[di + i] = sv[si + i];
        return;
      }
    }
    if ((s | d | rowBytes | sStride | dStride) % 4 === 0) {
      const sv = u32View(src);
      const dv = u32View(dst);
      if (sv && dv) {
        const n = rowBytes / 4;
        let si = s / 4;
        let di = d / 4;
        const ss = sStride / 4;
        const ds = dStride / 4;
        for (let r = 0; r < rows; r++, si += ss, di += ds) for (let i = 0; i < n; i++) dv[di + i] = sv[si + i];
        return;
      }
    }
  }
  for (let r = 0; r < rows; r++, s += sStride, d += dStride) src.copy(dst, d, s, s + rowBytes);
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
    const s = offsetOf(src, region.x0, region.y0, z, bpv);
    const d = offsetOf(dst, region.x0, region.y0, z, bpv);
    if (fullRows) src.data.copy(dst.data, d, s, s + rowBytes * rh);
    else copyRows(src.data, s, src.nx * bpv, dst.data, d, dst.nx * bpv, rowBytes, rh);
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
