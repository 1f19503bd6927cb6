// copyRegion picks among its copy loops (whole box, whole rows, 8-byte and 4-byte integer rows,
// DataView rows at odd offsets, Buffer.copy rows) by alignment; each must move exactly the region's bytes and nothing else.
import { describe, expect, it } from "@jest/globals";
import { copyRegion, zeroRegion } from "../../local-dvid/voxels/copy-box.js";
import type { Region, VoxelGrid } from "../../local-dvid/voxels/voxel-grid.js";

function grid(nx: number, ny: number, nz: number, bpv: number, origin: [number, number, number], byteOffset: number, seed: number): VoxelGrid {
  const data = Buffer.alloc(byteOffset + nx * ny * nz * bpv);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = s = (s * 1103515245 + 12345) >>> 8 & 0xff;
  return { data, byteOffset, x0: origin[0], y0: origin[1], z0: origin[2], nx, ny };
}

/** The naive reference: one byte at a time; the new contents of `dst`. */
function reference(dst: VoxelGrid, src: VoxelGrid, r: Region, bpv: number): Buffer {
  const out = Buffer.from(dst.data);
  for (let z = r.z0; z < r.z1; z++)
    for (let y = r.y0; y < r.y1; y++)
      for (let x = r.x0; x < r.x1; x++)
        for (let b = 0; b < bpv; b++) {
          const so = src.byteOffset + (((z - src.z0) * src.ny + (y - src.y0)) * src.nx + (x - src.x0)) * bpv + b;
          const d = dst.byteOffset + (((z - dst.z0) * dst.ny + (y - dst.y0)) * dst.nx + (x - dst.x0)) * bpv + b;
          out[d] = src.data[so];
        }
  return out;
}

describe("copyRegion", () => {
  const cases: [string, number, number, number, Region][] = [
    // name, bpv, src byteOffset, dst byteOffset, region
    ["8-byte rows (uint8, 64-voxel rows)", 1, 0, 0, { x0: 64, x1: 128, y0: 8, y1: 24, z0: 2, z1: 5 }],
    ["8-byte rows, row length not a multiple of 32 bytes (uint64, 5 voxels)", 8, 0, 0, { x0: 3, x1: 8, y0: 1, y1: 7, z0: 0, z1: 3 }],
    ["64-byte rows of 8-byte elements, fully unrolled (uint64, 8 voxels)", 8, 0, 0, { x0: 2, x1: 10, y0: 1, y1: 7, z0: 0, z1: 3 }],
    ["64-byte rows of 8-byte elements at a 4-byte offset (uint8, 64 voxels)", 1, 4, 0, { x0: 64, x1: 128, y0: 8, y1: 24, z0: 2, z1: 5 }],
    ["4-byte rows (uint8, 12-voxel rows)", 1, 4, 0, { x0: 4, x1: 16, y0: 0, y1: 3, z0: 1, z1: 2 }],
    ["short rows at odd offsets (uint8, 13 voxels)", 1, 3, 1, { x0: 5, x1: 18, y0: 2, y1: 9, z0: 0, z1: 4 }],
    ["long rows at odd offsets (uint8, 101 voxels)", 1, 3, 1, { x0: 5, x1: 106, y0: 2, y1: 9, z0: 0, z1: 4 }],
    ["long rows (uint64, 100 voxels)", 8, 0, 0, { x0: 0, x1: 100, y0: 1, y1: 3, z0: 0, z1: 2 }],
    ["whole rows (uint16)", 2, 0, 0, { x0: 0, x1: 128, y0: 4, y1: 9, z0: 1, z1: 3 }],
  ];
  it.each(cases)("copies exactly the region: %s", (_name, bpv, srcOffset, dstOffset, region) => {
    const src = grid(128, 16, 6, bpv, [0, 0, 0], srcOffset, 1);
    // The destination is a block-shaped grid placed around the region, bigger than it on every side but x.
    const dst = grid(128, 32, 8, bpv, [0, 0, 0], dstOffset, 2);
    const expected = reference(dst, src, region, bpv);
    copyRegion(dst, src, region, bpv);
    expect(dst.data.equals(expected)).toBe(true);
  });

  // Rows of 512 bytes (a uint64 block row of 64 voxels) up to 1 KiB take the integer loops, wider
  // ones Buffer.copy: every width around the switch, at every alignment of source and destination.
  const wide: [number, number, number][] = [];
  for (const rowBytes of [504, 512, 520, 1016, 1024, 1032, 2048]) {
    for (let srcOffset = 0; srcOffset < 8; srcOffset++) {
      for (const dstOffset of [0, 1, 2, 4, 7]) wide.push([rowBytes, srcOffset, dstOffset]);
    }
  }
  it.each(wide)("copies exactly the region: %i-byte rows, source at byte offset %i, destination at %i", (rowBytes, srcOffset, dstOffset) => {
    const src = grid(rowBytes + 32, 5, 3, 1, [0, 0, 0], srcOffset, 6);
    const dst = grid(rowBytes + 16, 7, 4, 1, [8, 0, 0], dstOffset, 7);
    const region = { x0: 16, x1: 16 + rowBytes, y0: 1, y1: 5, z0: 1, z1: 3 };
    const expected = reference(dst, src, region, 1);
    copyRegion(dst, src, region, 1);
    expect(dst.data.equals(expected)).toBe(true);
  });

  it.each([8, 4])("copies 512-byte uint64 rows of a 64-voxel block bit-exactly, NaN payloads included (%i-byte aligned)", (align) => {
    // Source rows of uint64 voxels whose bits read as float64 NaNs with payloads (a float copy could canonicalize them).
    const src = grid(128, 4, 2, 8, [0, 0, 0], align === 8 ? 0 : 4, 8);
    for (let i = src.byteOffset; i + 8 <= src.data.length; i += 16) src.data.writeBigUInt64LE(0x7ff0_0000_dead_beefn, i);
    const dst = grid(64, 4, 2, 8, [64, 0, 0], align === 8 ? 8 : 4, 9);
    const region = { x0: 64, x1: 128, y0: 0, y1: 4, z0: 0, z1: 2 };
    const expected = reference(dst, src, region, 8);
    copyRegion(dst, src, region, 8);
    expect(dst.data.equals(expected)).toBe(true);
  });

  it("copies a region into a smaller block grid at other coordinates", () => {
    const src = grid(256, 64, 4, 1, [-64, 0, 0], 0, 3);
    const dst = grid(64, 64, 4, 1, [0, 0, 0], 0, 4);
    const region = { x0: 0, x1: 64, y0: 0, y1: 64, z0: 0, z1: 4 };
    const expected = reference(dst, src, region, 1);
    copyRegion(dst, src, region, 1);
    expect(dst.data.equals(expected)).toBe(true);
  });

  it("zeroRegion zeroes exactly the region", () => {
    const dst = grid(32, 8, 4, 2, [0, 0, 0], 0, 5);
    const before = Buffer.from(dst.data);
    zeroRegion(dst, { x0: 3, x1: 9, y0: 2, y1: 5, z0: 1, z1: 3 }, 2);
    for (let z = 0; z < 4; z++)
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 32; x++) {
          const i = ((z * 8 + y) * 32 + x) * 2;
          const inside = x >= 3 && x < 9 && y >= 2 && y < 5 && z >= 1 && z < 3;
          expect([dst.data[i], dst.data[i + 1]]).toEqual(inside ? [0, 0] : [before[i], before[i + 1]]);
        }
  });
});
