// The raw LZ4 block codec (volume-client/wire/lz4.ts) that labels travel in: round trips of every
// label pattern and every length boundary of the block format, the end-of-block rules other
// decoders require, blocks made by the reference `lz4` tool, and malformed blocks.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { lz4CompressBlock, lz4CompressBound, lz4DecompressBlock } from "../../volume-client/wire/lz4.js";
import { namedInputs, randomBytes } from "./helpers/lz4-inputs.js";

const INPUTS = namedInputs();
const REFERENCE = JSON.parse(readFileSync(new URL("./fixtures/lz4-reference.json", import.meta.url), "utf8")) as {
  blocks: Record<string, { length: number; level1: string; level12: string }>;
};

const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

interface Sequence {
  literals: number;
  /** 0 for the last sequence (literals only). */
  matchLength: number;
  offset: number;
  /** Output position where the match starts. */
  at: number;
}

/** The sequences of a block, parsed independently of the codec under test. */
function sequencesOf(block: Uint8Array): Sequence[] {
  const out: Sequence[] = [];
  let ip = 0;
  let op = 0;
  while (ip < block.length) {
    const token = block[ip++];
    let literals = token >> 4;
    if (literals === 15) for (let b = 255; b === 255; literals += b) b = block[ip++];
    ip += literals;
    op += literals;
    if (ip >= block.length) {
      out.push({ literals, matchLength: 0, offset: 0, at: op });
      break;
    }
    const offset = block[ip] | (block[ip + 1] << 8);
    ip += 2;
    let matchLength = (token & 15) + 4;
    if ((token & 15) === 15) for (let b = 255; b === 255; matchLength += b) b = block[ip++];
    out.push({ literals, matchLength, offset, at: op });
    op += matchLength;
  }
  return out;
}

const cases: [string, Uint8Array][] = [
  ...Object.entries(INPUTS),
  ...Array.from({ length: 14 }, (_, n): [string, Uint8Array] => [`${n} random bytes`, randomBytes(n, n + 1)]),
  ...Array.from({ length: 14 }, (_, n): [string, Uint8Array] => [`${n} equal bytes`, new Uint8Array(n).fill(9)]),
];

describe("the raw LZ4 block codec", () => {
  it.each(cases)("round-trips %s, within lz4CompressBound, into new arrays and into given ones", (_name, data) => {
    const block = lz4CompressBlock(data);
    expect(block.length).toBeLessThanOrEqual(lz4CompressBound(data.length));
    expect(same(lz4DecompressBlock(block, data.length), data)).toBe(true);

    // Into reused arrays full of stale bytes: the same block, decoded in place.
    const scratch = new Uint8Array(lz4CompressBound(data.length) + 7).fill(0xa5);
    const again = lz4CompressBlock(data, scratch);
    expect(again.buffer).toBe(scratch.buffer);
    expect(same(again, block)).toBe(true);
    const into = new Uint8Array(data.length + 3).fill(0x5a).subarray(1, 1 + data.length);
    expect(lz4DecompressBlock(block, data.length, into)).toBe(into);
    expect(same(into, data)).toBe(true);
  });

  it.each(cases)("ends the block of %s as the format requires: last 5 bytes literals, no match in the last 12", (_name, data) => {
    const seqs = sequencesOf(lz4CompressBlock(data));
    const last = seqs[seqs.length - 1];
    expect(last.matchLength).toBe(0);
    if (data.length >= 5) expect(last.literals).toBeGreaterThanOrEqual(5);
    for (const s of seqs.slice(0, -1)) {
      expect(s.at).toBeLessThan(data.length - 12);
      expect(s.at + s.matchLength).toBeLessThanOrEqual(data.length - 5);
      expect(s.offset).toBeGreaterThanOrEqual(1);
      expect(s.offset).toBeLessThanOrEqual(s.at);
    }
  });

  it("compresses each input the same after compressing others (no state leaks between calls)", () => {
    const alone = Object.values(INPUTS).map((d) => lz4CompressBlock(d));
    const shuffled = Object.values(INPUTS).reverse().map((d) => lz4CompressBlock(d)).reverse();
    alone.forEach((b, i) => expect(same(b, shuffled[i])).toBe(true));
  });

  it("uses matches at every offset from 1 to 16 and long match and literal lengths", () => {
    for (let p = 1; p <= 16; p++) {
      const offsets = new Set(sequencesOf(lz4CompressBlock(INPUTS[`matches at offset ${p}`])).map((s) => s.offset));
      expect(offsets.has(p)).toBe(true);
    }
    const seqs = sequencesOf(lz4CompressBlock(INPUTS["literal and match lengths at the 15/19/255 boundaries"]));
    expect(Math.max(...seqs.map((s) => s.matchLength))).toBeGreaterThanOrEqual(15 + 255 + 4);
    expect(Math.max(...seqs.map((s) => s.literals))).toBeGreaterThanOrEqual(15 + 255);
  });

  it.each(Object.keys(REFERENCE.blocks))("decodes the blocks the reference lz4 tool made of %s (fast and high compression)", (name) => {
    const ref = REFERENCE.blocks[name];
    const data = INPUTS[name];
    expect(data.length).toBe(ref.length);
    for (const level of [ref.level1, ref.level12]) {
      expect(same(lz4DecompressBlock(Buffer.from(level, "base64"), data.length), data)).toBe(true);
    }
  });

  const haveTool = spawnSync("lz4", ["--version"]).status === 0;
  (haveTool ? it : it.skip)("makes blocks the reference lz4 tool decodes (legacy frame around each block)", () => {
    for (const [name, data] of Object.entries(INPUTS)) {
      const block = lz4CompressBlock(data);
      // Legacy frame: magic 0x184C2102, then each block after its 4-byte little-endian size.
      const frame = Buffer.alloc(8 + block.length);
      frame.writeUInt32LE(0x184c2102, 0);
      frame.writeUInt32LE(block.length, 4);
      frame.set(block, 8);
      const decoded = execFileSync("lz4", ["-d", "-c"], { input: frame, maxBuffer: 1 << 26 });
      expect([name, same(decoded, data)]).toEqual([name, true]);
    }
  });

  it.each([
    ["a literal run past the end of the input", Uint8Array.of(0x50, 1, 2), 5, /literal run of 5 bytes passes the end/],
    ["a literal length cut off", Uint8Array.of(0xf0, 255), 300, /truncated literal length/],
    ["a match offset cut off", Uint8Array.of(0x10, 1, 1), 10, /truncated match offset/],
    ["a match length cut off", Uint8Array.of(0x1f, 1, 1, 0), 40, /truncated match length/],
    ["a zero offset", Uint8Array.of(0x10, 1, 0, 0, 0x50, 1, 2, 3, 4, 5), 10, /offset 0 points before/],
    ["an offset before the output start", Uint8Array.of(0x20, 1, 2, 3, 0, 0x50, 1, 2, 3, 4, 5), 11, /offset 3 points before/],
    ["a match longer than the expected size", Uint8Array.of(0x1f, 1, 1, 0, 200, 0x00), 20, /more than the expected 20 bytes/],
    ["literals longer than the expected size", Uint8Array.of(0x50, 1, 2, 3, 4, 5), 4, /more than the expected 4 bytes/],
    ["a block that decodes short", Uint8Array.of(0x50, 1, 2, 3, 4, 5), 6, /decodes to 5 bytes; expected 6/],
    ["no token at all", new Uint8Array(0), 1, /empty input/],
    ["a block that stops after a match (no last literals)", Uint8Array.of(0x10, 1, 1, 0), 5, /truncated before a token/],
  ])("rejects %s with a RangeError naming it", (_name, block, size, message) => {
    expect(() => lz4DecompressBlock(block, size)).toThrow(RangeError);
    expect(() => lz4DecompressBlock(block, size)).toThrow(message);
  });

  it("refuses an output array too small for the compress bound and a negative size", () => {
    expect(() => lz4CompressBlock(new Uint8Array(100), new Uint8Array(100))).toThrow(/at least lz4CompressBound\(100\) = 116 bytes; got 100/);
    expect(() => lz4DecompressBlock(new Uint8Array(1), -1)).toThrow(/non-negative integer; got -1/);
  });
});
