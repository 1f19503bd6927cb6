// The compressed_segmentation encoder, checked against a decoder written from the format's
// specification (tests/helpers/compressed-segmentation-decode.ts), sharing no code with the encoder.
import { describe, expect, it } from "@jest/globals";
import { encodeCompressedSegmentation } from "../../local-dvid/voxels/compressed-segmentation.js";
import { decodeCompressedSegmentation, type Decoded } from "../helpers/compressed-segmentation-decode.js";

const B = 8; // block size in x, y and z
const decode = decodeCompressedSegmentation;

/** Deterministic 32-bit generator (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function random64(next: () => number): bigint {
  return (BigInt(next()) << 32n) | BigInt(next());
}

function expectRoundTrip(labels: BigUint64Array, shapeZyx: [number, number, number]): Decoded {
  const encoded = encodeCompressedSegmentation(labels, shapeZyx);
  expect(encoded[0]).toBe(1);
  const decoded = decode(encoded, shapeZyx);
  // Compare as BigInt arrays; on a mismatch name the first wrong voxel rather than dumping arrays.
  const wrong = decoded.labels.findIndex((v, i) => v !== labels[i]);
  expect(wrong === -1 ? "all voxels equal" : `voxel ${wrong}: got ${decoded.labels[wrong]}, want ${labels[wrong]}`).toBe(
    "all voxels equal",
  );
  return decoded;
}

/** In-bounds labels of each block, for the padding check. */
function blockValueSets(labels: BigUint64Array, [nz, ny, nx]: [number, number, number]): Set<bigint>[] {
  const gx = Math.ceil(nx / B);
  const gy = Math.ceil(ny / B);
  const sets: Set<bigint>[] = [];
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const block = Math.floor(x / B) + gx * (Math.floor(y / B) + gy * Math.floor(z / B));
        (sets[block] ??= new Set()).add(labels[x + nx * (y + ny * z)]);
      }
  return sets;
}

/** A box of a few large regions (nearest of a few seeds) with ids above 2^53 and a 0 background. */
function realLookingLabels([nz, ny, nx]: [number, number, number], seeds: number, seed: number): BigUint64Array {
  const next = rng(seed);
  const centres = Array.from({ length: seeds }, () => [next() % nx, next() % ny, next() % nz]);
  const ids = Array.from({ length: seeds }, (_, i) => (i === 0 ? 0n : (1n << 53n) + random64(next) % (1n << 10n) * 1000003n + BigInt(i)));
  const out = new BigUint64Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        let best = 0;
        let bestD = Infinity;
        centres.forEach(([cx, cy, cz], i) => {
          const d = (x - cx) ** 2 + (y - cy) ** 2 + 4 * (z - cz) ** 2;
          if (d < bestD) [best, bestD] = [i, d];
        });
        out[x + nx * (y + ny * z)] = ids[best];
      }
  return out;
}

describe("encodeCompressedSegmentation", () => {
  it("round-trips random 64-bit labels drawn from a small set per volume", () => {
    const shape: [number, number, number] = [16, 24, 40];
    const next = rng(7);
    const palette = Array.from({ length: 5 }, () => random64(next));
    const labels = BigUint64Array.from({ length: 16 * 24 * 40 }, () => palette[next() % palette.length]);
    const { bits } = expectRoundTrip(labels, shape);
    expect(new Set(bits)).toEqual(new Set([4])); // 5 distinct values in every block → 4 bits
  });

  it("round-trips real-looking labels (a few large regions) in a 64^3 chunk", () => {
    const shape: [number, number, number] = [64, 64, 64];
    const labels = realLookingLabels(shape, 8, 3);
    const { bits } = expectRoundTrip(labels, shape);
    // blocks inside one region and blocks on borders between regions
    expect(bits.filter((b) => b === 0).length).toBeGreaterThan(bits.length / 3);
    expect(bits.some((b) => b > 0)).toBe(true);
  });

  it("encodes blocks of 0 and 1 distinct labels with no index bits and one shared table", () => {
    const shape: [number, number, number] = [64, 64, 64];
    const zeros = new BigUint64Array(64 * 64 * 64);
    const encoded = encodeCompressedSegmentation(zeros, shape);
    const decoded = expectRoundTrip(zeros, shape);
    expect(decoded.bits.every((b) => b === 0)).toBe(true);
    // channel word + 512 block headers + one shared 2-word table
    expect(encoded.length).toBe(1 + 2 * 512 + 2);

    const one = new BigUint64Array(64 * 64 * 64).fill(0xfedcba9876543210n);
    expect(expectRoundTrip(one, shape).bits.every((b) => b === 0)).toBe(true);
  });

  it("picks the smallest allowed bit width for 1, 2, 3, 5, 16, 17, 256, 257 and 512 distinct labels in a block", () => {
    const counts = [1, 2, 3, 5, 16, 17, 256, 257, 512];
    const expectedBits = [0, 1, 2, 4, 4, 8, 8, 16, 16];
    // One block per count, side by side along x.
    const nx = B * counts.length;
    const labels = new BigUint64Array(nx * B * B);
    for (let z = 0; z < B; z++)
      for (let y = 0; y < B; y++)
        for (let x = 0; x < nx; x++) {
          const block = Math.floor(x / B);
          const local = (x % B) + B * (y + B * z);
          labels[x + nx * (y + B * z)] = BigInt(block) * 1000n + BigInt(local % counts[block]) + (1n << 60n);
        }
    expect(expectRoundTrip(labels, [B, B, nx]).bits).toEqual(expectedBits);
  });

  it("round-trips more than 2^16 distinct labels in a volume, 512 distinct in every block", () => {
    const shape: [number, number, number] = [32, 64, 64]; // 131072 voxels, all distinct
    const base = (1n << 63n) + 12345n;
    const labels = BigUint64Array.from({ length: 32 * 64 * 64 }, (_, i) => base + BigInt(i) * 0x100000001n);
    const { bits } = expectRoundTrip(labels, shape);
    expect(new Set(bits)).toEqual(new Set([16]));
  });

  it("keeps ids above 2^53 exact, up to 2^64 - 1", () => {
    const ids = [2n ** 53n + 1n, 2n ** 53n + 2n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 32n, 2n ** 32n - 1n, 0n, 1n];
    const labels = BigUint64Array.from({ length: 8 * 8 * 16 }, (_, i) => ids[(i * 7) % ids.length]);
    expectRoundTrip(labels, [8, 8, 16]);
  });

  it.each([
    [[1, 1, 1]],
    [[3, 13, 7]],
    [[9, 17, 33]],
    [[8, 8, 9]],
  ] as [[number, number, number]][])(
    "round-trips a %j box whose sizes are not multiples of 8, padding partial blocks with a value of that block",
    (shape) => {
      const n = shape[0] * shape[1] * shape[2];
      const next = rng(n);
      const random = BigUint64Array.from({ length: n }, () => random64(next) % 3n === 0n ? random64(next) : 42n);
      const regions = realLookingLabels(shape, 4, n + 1);
      for (const labels of [random, regions]) {
        const { padding } = expectRoundTrip(labels, shape);
        const sets = blockValueSets(labels, shape);
        for (const { block, value } of padding) expect(sets[block].has(value)).toBe(true);
      }
    },
  );

  it("gives the same words for a BigUint64Array, its (low, high) Uint32Array view and its bytes at any offset", () => {
    const shape: [number, number, number] = [8, 16, 24];
    const labels = realLookingLabels(shape, 6, 11);
    const fromBig = encodeCompressedSegmentation(labels, shape);
    const words = new Uint32Array(labels.buffer);
    expect(encodeCompressedSegmentation(words, shape)).toEqual(fromBig);
    const bytes = Buffer.alloc(labels.byteLength + 3);
    Buffer.from(labels.buffer).copy(bytes, 3);
    expect(encodeCompressedSegmentation(bytes.subarray(3), shape)).toEqual(fromBig);
  });

  it("rejects a box whose lookup tables would start past the format's 24-bit offset", () => {
    // 16384 blocks of 512 distinct labels: 2^24 words of tables after 32768 header words.
    const shape: [number, number, number] = [128, 256, 256];
    const words = new Uint32Array(2 * 128 * 256 * 256);
    for (let i = 0; i < words.length; i += 2) words[i] = i;
    expect(() => encodeCompressedSegmentation(words, shape)).toThrow(/past the format's 24-bit limit \(16777215\); encode smaller boxes/);
  });

  it("rejects labels whose length does not match the shape, naming both", () => {
    expect(() => encodeCompressedSegmentation(new BigUint64Array(10), [2, 2, 2])).toThrow(
      "labels must hold 8 uint64 values (64 bytes) for the given shape; got 10 (80 bytes)",
    );
    expect(() => encodeCompressedSegmentation(new Uint8Array(12), [1, 1, 1])).toThrow(/multiple of 8 bytes.*got 12/);
  });

  it("rejects a shape that is not three positive integers", () => {
    expect(() => encodeCompressedSegmentation(new BigUint64Array(4), [2, 2])).toThrow(
      "shapeZyx must be three positive integers [nz, ny, nx]; got [2, 2]",
    );
    expect(() => encodeCompressedSegmentation(new BigUint64Array(0), [0, 1, 1])).toThrow(/got \[0, 1, 1\]/);
  });
});
