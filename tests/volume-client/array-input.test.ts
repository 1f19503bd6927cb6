import { describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { toContiguous } from "../../volume-client/array-input.js";
import { isVolumeClientError } from "../../volume-client/errors.js";

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isVolumeClientError(caught)).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}

/** C-order values of a [2, 3, 4] array: 100z + 10y + x. */
const cOrder = () => {
  const out: number[] = [];
  for (let z = 0; z < 2; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) out.push(100 * z + 10 * y + x);
  return out;
};

describe("toContiguous", () => {
  it("uses a C-contiguous ndarray's memory in place, without a copy", () => {
    const data = Uint16Array.from(cOrder());
    const res = toContiguous(ndarray(data, [2, 3, 4]), "uint16", "a");
    expect(res.shared).toBe(true);
    expect(res.bytes.buffer).toBe(data.buffer);
    expect([...new Uint16Array(res.bytes.buffer, res.bytes.byteOffset, 24)]).toEqual(cOrder());
  });

  it("copies a transposed view into C order and leaves the caller's data untouched", () => {
    // data laid out as [x][y][z]; transpose(2, 1, 0) views it as [z][y][x]
    const xyz = new Float32Array(24);
    for (let z = 0; z < 2; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) xyz[x * 6 + y * 2 + z] = 100 * z + 10 * y + x;
    const before = Float32Array.from(xyz);
    const view = ndarray(xyz, [4, 3, 2]).transpose(2, 1, 0);
    const res = toContiguous(view, "float32", "a");
    expect(res.shared).toBe(false);
    expect([...new Float32Array(res.bytes.buffer, res.bytes.byteOffset, 24)]).toEqual(cOrder());
    expect(xyz).toEqual(before);
  });

  it("copies a view with negative strides and an offset", () => {
    const data = Uint32Array.from(cOrder());
    const flipped = ndarray(data, [2, 3, 4]).step(-1, 1, -1); // z and x reversed
    const res = toContiguous(flipped, "uint32", "a");
    const got = [...new Uint32Array(res.bytes.buffer, res.bytes.byteOffset, 24)];
    const want: number[] = [];
    for (let z = 1; z >= 0; z--) for (let y = 0; y < 3; y++) for (let x = 3; x >= 0; x--) want.push(100 * z + 10 * y + x);
    expect(got).toEqual(want);
  });

  it("copies a sub-view (hi/lo) of a larger uint64 array", () => {
    const data = new BigUint64Array(2 * 3 * 4).map((_, i) => BigInt(i) << 40n);
    const view = ndarray(data, [2, 3, 4]).lo(1, 1, 1).hi(1, 2, 2);
    const res = toContiguous(view, "uint64", "a");
    expect([...new BigUint64Array(res.bytes.buffer, res.bytes.byteOffset, 4)]).toEqual([17n << 40n, 18n << 40n, 21n << 40n, 22n << 40n]);
  });

  it("accepts { data, shape } in C order", () => {
    const data = new Uint8Array(24);
    expect(toContiguous({ data, shape: [2, 3, 4] }, "uint8", "a").shapeZyx).toEqual([2, 3, 4]);
  });

  it("rejects another dtype with DTYPE_MISMATCH", () => {
    expectCode(() => toContiguous(ndarray(new Uint16Array(8), [2, 2, 2]), "uint8", "a"), "DTYPE_MISMATCH");
    expectCode(() => toContiguous(ndarray([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), "uint8", "a"), "DTYPE_MISMATCH");
  });

  it("rejects wrong shapes with SHAPE_MISMATCH", () => {
    expectCode(() => toContiguous(ndarray(new Uint8Array(8), [2, 4]), "uint8", "a"), "SHAPE_MISMATCH");
    expectCode(() => toContiguous({ data: new Uint8Array(7), shape: [2, 2, 2] }, "uint8", "a"), "SHAPE_MISMATCH");
    expectCode(() => toContiguous(new Uint8Array(8), "uint8", "a"), "SHAPE_MISMATCH");
    expectCode(() => toContiguous(ndarray(new Uint8Array(8), [2, 2, 4]), "uint8", "a"), "SHAPE_MISMATCH");
  });

  it("rejects an empty array with INVALID_ARGUMENT", () => {
    expectCode(() => toContiguous(ndarray(new Uint8Array(0), [0, 2, 2]), "uint8", "a"), "INVALID_ARGUMENT");
    expectCode(() => toContiguous("nope", "uint8", "a"), "INVALID_ARGUMENT");
  });
});
