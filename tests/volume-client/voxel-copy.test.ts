import { describe, expect, it } from "@jest/globals";
import { ScatterSink, copyRegion } from "../../volume-client/voxel-copy.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";

/** A C-order uint16 buffer over `box` whose voxel value encodes its coordinates. */
function coded(box: BoxZyx): Uint16Array {
  const out: number[] = [];
  for (let z = box[0][0]; z < box[0][1]; z++)
    for (let y = box[1][0]; y < box[1][1]; y++) for (let x = box[2][0]; x < box[2][1]; x++) out.push(((z + 8) * 400 + (y + 8) * 20 + (x + 8)) & 0xffff);
  return Uint16Array.from(out);
}

function at(buf: Uint16Array, box: BoxZyx, z: number, y: number, x: number): number {
  const ny = box[1][1] - box[1][0];
  const nx = box[2][1] - box[2][0];
  return buf[((z - box[0][0]) * ny + (y - box[1][0])) * nx + (x - box[2][0])];
}

const bytes = (a: Uint16Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe("ScatterSink", () => {
  const outer: BoxZyx = [[-2, 3], [0, 6], [-1, 7]];
  const cases: [string, BoxZyx][] = [
    ["the whole box (one contiguous range)", outer],
    ["whole x-rows and y-planes (a z-slab)", [[0, 2], [0, 6], [-1, 7]]],
    ["whole x-rows only (planes)", [[-1, 2], [2, 5], [-1, 7]]],
    ["partial rows (scattered)", [[-2, 3], [1, 4], [2, 5]]],
  ];
  for (const [name, inner] of cases) {
    it(`places a streamed sub-box of ${name} at its coordinates, whatever the piece sizes`, () => {
      for (const pieceBytes of [1, 3, 7, 64, 100000]) {
        const dest = new Uint16Array(5 * 6 * 8).fill(0xeeee);
        const sink = new ScatterSink(bytes(dest), outer, inner, 2);
        const src = bytes(coded(inner));
        for (let i = 0; i < src.length; i += pieceBytes) expect(sink.push(src.subarray(i, i + pieceBytes))).toBe(true);
        expect(sink.received).toBe(sink.expectedBytes);
        for (let z = outer[0][0]; z < outer[0][1]; z++)
          for (let y = outer[1][0]; y < outer[1][1]; y++)
            for (let x = outer[2][0]; x < outer[2][1]; x++) {
              const inside = z >= inner[0][0] && z < inner[0][1] && y >= inner[1][0] && y < inner[1][1] && x >= inner[2][0] && x < inner[2][1];
              expect(at(dest, outer, z, y, x)).toBe(inside ? ((z + 8) * 400 + (y + 8) * 20 + (x + 8)) & 0xffff : 0xeeee);
            }
      }
    });
  }

  it("refuses bytes beyond the sub-box and leaves the destination untouched by them", () => {
    const dest = new Uint8Array(8);
    const sink = new ScatterSink(dest, [[0, 1], [0, 2], [0, 4]], [[0, 1], [0, 1], [0, 4]], 1);
    expect(sink.push(Uint8Array.of(1, 2, 3))).toBe(true);
    expect(sink.push(Uint8Array.of(4, 5))).toBe(false);
    expect([...dest]).toEqual([1, 2, 3, 0, 0, 0, 0, 0]);
    sink.reset();
    expect(sink.received).toBe(0);
  });
});

describe("copyRegion", () => {
  it("copies a region into the destination (first argument) from a buffer of another box, voxel for voxel", () => {
    const srcBox: BoxZyx = [[0, 4], [-3, 3], [2, 9]];
    const dstBox: BoxZyx = [[-1, 5], [-4, 4], [0, 10]];
    const src = coded(srcBox);
    for (const region of [srcBox, [[1, 3], [-3, 3], [2, 9]], [[0, 4], [0, 2], [3, 5]]] as BoxZyx[]) {
      const dst = new Uint16Array(6 * 8 * 10);
      copyRegion(bytes(dst), dstBox, bytes(src), srcBox, region, 2);
      let copied = 0;
      for (let z = dstBox[0][0]; z < dstBox[0][1]; z++)
        for (let y = dstBox[1][0]; y < dstBox[1][1]; y++)
          for (let x = dstBox[2][0]; x < dstBox[2][1]; x++) {
            const inside = z >= region[0][0] && z < region[0][1] && y >= region[1][0] && y < region[1][1] && x >= region[2][0] && x < region[2][1];
            if (inside) copied++;
            expect(at(dst, dstBox, z, y, x)).toBe(inside ? at(src, srcBox, z, y, x) : 0);
          }
      expect(copied).toBeGreaterThan(0);
    }
  });
});
