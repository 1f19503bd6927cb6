import { describe, expect, it } from "@jest/globals";
import { lz4CompressBlock, lz4CompressBound, lz4DecompressBlock } from "../../volume-client/wire/lz4.js";
import { pattern } from "./server-helpers.js";

const TEXT = "abcabcabcabcabcabcabcabcabcabcabcabc-xyz-xyz-xyz-xyz-xyz-xyz-the end.";
// The block the reference `lz4` command line tool (lz4 1.9) produced for TEXT.
const REFERENCE_BLOCK = [63, 97, 98, 99, 3, 0, 14, 79, 45, 120, 121, 122, 4, 0, 2, 128, 116, 104, 101, 32, 101, 110, 100, 46];

function labels(n: number): Uint8Array {
  const a = new BigUint64Array(n);
  for (let i = 0; i < n; i++) a[i] = BigInt(Math.floor(i / 1000) * 7919 + 1);
  return new Uint8Array(a.buffer);
}

describe("raw LZ4 block codec", () => {
  it("decodes a block made by the reference lz4 implementation", () => {
    const out = lz4DecompressBlock(Uint8Array.from(REFERENCE_BLOCK), TEXT.length);
    expect(Buffer.from(out).toString("latin1")).toBe(TEXT);
  });

  it.each([
    ["empty", new Uint8Array(0)],
    ["one byte", Uint8Array.of(7)],
    ["shorter than the minimum match window", new Uint8Array(12).fill(1)],
    ["all zeros", new Uint8Array(1 << 20)],
    ["incompressible", new Uint8Array(pattern(100_003, 9))],
    ["runs of uint64 labels", labels(32 * 32 * 32)],
  ])("round-trips %s and stays within the compress bound", (_name, data) => {
    const block = lz4CompressBlock(data);
    expect(block.length).toBeLessThanOrEqual(lz4CompressBound(data.length));
    expect(Buffer.compare(Buffer.from(lz4DecompressBlock(block, data.length)), Buffer.from(data))).toBe(0);
  });

  it("compresses label volumes well", () => {
    const data = labels(64 * 64 * 64);
    expect(lz4CompressBlock(data).length).toBeLessThan(data.length / 50);
  });

  it("ends blocks with a literal-only sequence of at least five bytes and no match in the last twelve", () => {
    const data = new Uint8Array(4096).fill(3);
    const block = lz4CompressBlock(data);
    let ip = 0;
    let op = 0;
    let lastLiterals = -1;
    let lastMatchStart = -1;
    while (ip < block.length) {
      const token = block[ip++];
      let lit = token >> 4;
      if (lit === 15) for (let b = 255; b === 255; lit += b) b = block[ip++];
      ip += lit;
      op += lit;
      if (ip === block.length) {
        lastLiterals = lit;
        break;
      }
      ip += 2;
      let ml = (token & 15) + 4;
      if ((token & 15) === 15) for (let b = 255; b === 255; ml += b) b = block[ip++];
      lastMatchStart = op;
      op += ml;
    }
    expect(op).toBe(data.length);
    expect(lastLiterals).toBeGreaterThanOrEqual(5);
    expect(lastMatchStart).toBeLessThan(data.length - 12);
  });

  it.each([
    ["a truncated block", Uint8Array.from(REFERENCE_BLOCK.slice(0, 10)), TEXT.length],
    ["a wrong expected size", Uint8Array.from(REFERENCE_BLOCK), TEXT.length + 1],
    ["a smaller expected size", Uint8Array.from(REFERENCE_BLOCK), TEXT.length - 1],
    ["a zero match offset", Uint8Array.of(0x10, 65, 0, 0, 0x50, 1, 2, 3, 4, 5), 20],
    ["an offset before the output start", Uint8Array.of(0x10, 65, 9, 0), 10],
    ["empty input for a non-empty output", new Uint8Array(0), 4],
  ])("rejects %s with a RangeError", (_name, block, size) => {
    expect(() => lz4DecompressBlock(block, size)).toThrow(RangeError);
  });
});
