// neuroglancer's compressed_segmentation format for uint64 labels, one channel, 8x8x8 blocks: what
// DVID's `raw/…?compression=google|googlegzip` returns (its compressGoogle) and what neuroglancer's
// dvid:// data source decodes (neuroglancer-dvid.md). The format, from neuroglancer's
// src/sliceview/compressed_segmentation/README.md:
//   word 0: offset of the channel's data (1 for one channel); the offsets below count 32-bit
//   words from the start of that channel's data.
//   per block, in x-fastest grid order: a 64-bit header = lookupTableOffset (24 bits),
//   encodedBits (8 bits: 0, 1, 2, 4, 8, 16 or 32), encodedValuesOffset (32 bits);
//   a lookup table of the block's distinct values (uint64 little-endian each);
//   the indices into it, `encodedBits` each, packed from the low bit of little-endian words, voxel
//   (x, y, z) of the block at bit `encodedBits * (x + 8 * (y + 8 * z))`.
// Unlike DVID (which rejects sizes that are not multiples of 8), any size is accepted: partial
// blocks at the upper bound are padded with index 0, i.e. a value that occurs in that block, as the
// format allows. Identical small lookup tables (empty and single-label blocks above all) are
// shared between blocks, as neuroglancer's own encoder does; all tables come before all encoded
// values so that the 24-bit table offsets reach as far as possible.
//
// The inner loops work on (low, high) uint32 pairs of the little-endian uint64s: no BigInt.

const BLOCK = 8;
const BLOCK_VOXELS = BLOCK * BLOCK * BLOCK;
/** lookupTableOffset is a 24-bit field. */
const MAX_TABLE_OFFSET = 0xffffff;
/** Tables of at most this many values are shared between blocks that have the same one. */
const SHARED_TABLE_MAX_VALUES = 8;
/** Open-addressing hash of one block's distinct values: a power of two over twice the maximum. */
const HASH_SLOTS = 1024;

/** uint64 labels, z slowest and x fastest, as DVID lays out a 3-D box (dvid-api.md §1.4). */
export type Uint64Labels = BigUint64Array | Uint32Array | Uint8Array;

/** Growable Uint32Array. */
class WordBuffer {
  words: Uint32Array;
  length = 0;
  constructor(capacity: number) {
    this.words = new Uint32Array(Math.max(16, capacity));
  }
  /** Makes room for `n` more words and returns the index of the first. */
  reserve(n: number): number {
    const at = this.length;
    if (at + n > this.words.length) {
      const grown = new Uint32Array(Math.max(at + n, this.words.length * 2));
      grown.set(this.words.subarray(0, at));
      this.words = grown;
    }
    this.length = at + n;
    return at;
  }
}

function labelWords(labels: Uint64Labels, voxels: number): Uint32Array {
  let words: Uint32Array;
  if (labels instanceof Uint32Array) {
    words = labels;
  } else if (labels instanceof BigUint64Array) {
    words = new Uint32Array(labels.buffer, labels.byteOffset, labels.length * 2);
  } else if (labels instanceof Uint8Array) {
    if (labels.length % 8 !== 0) {
      throw new RangeError(`uint64 labels as bytes must be a multiple of 8 bytes long; got ${labels.length}`);
    }
    if (labels.byteOffset % 4 === 0) {
      words = new Uint32Array(labels.buffer, labels.byteOffset, labels.length / 4);
    } else {
      const aligned = new Uint8Array(labels.length); // (Buffer#slice would share, not copy)
      aligned.set(labels);
      words = new Uint32Array(aligned.buffer);
    }
  } else {
    throw new TypeError("labels must be a BigUint64Array, a Uint32Array of (low, high) pairs or a Uint8Array of bytes");
  }
  if (words.length !== voxels * 2) {
    throw new RangeError(
      `labels must hold ${voxels} uint64 values (${voxels * 8} bytes) for the given shape; got ${words.length / 2} (${words.length * 4} bytes)`,
    );
  }
  return words;
}

function checkShape(shapeZyx: readonly number[]): [number, number, number] {
  if (shapeZyx.length !== 3 || !shapeZyx.every((n) => Number.isSafeInteger(n) && n > 0)) {
    throw new RangeError(`shapeZyx must be three positive integers [nz, ny, nx]; got [${shapeZyx.join(", ")}]`);
  }
  return [shapeZyx[0], shapeZyx[1], shapeZyx[2]];
}

/** Bits per index for `n` distinct values: 0, then the next of 1, 2, 4, 8, 16 (n <= 512 here). */
function encodedBitsFor(n: number): number {
  if (n <= 1) return 0;
  const bits = 32 - Math.clz32(n - 1); // ceil(log2(n))
  return bits <= 2 ? bits : bits <= 4 ? 4 : bits <= 8 ? 8 : 16;
}

/**
 * Encodes a box of uint64 labels in neuroglancer's compressed_segmentation format (one channel,
 * 8x8x8 blocks), as DVID's `compression=google` returns it: word 0 is 1, the channel's offset.
 * `labels` holds `nz*ny*nx` values, x fastest: a BigUint64Array, a Uint32Array of little-endian
 * (low, high) word pairs over the same bytes, or the raw little-endian bytes.
 */
export function encodeCompressedSegmentation(labels: Uint64Labels, shapeZyx: readonly number[]): Uint32Array {
  const [nz, ny, nx] = checkShape(shapeZyx);
  const src = labelWords(labels, nx * ny * nz);
  const gx = Math.ceil(nx / BLOCK);
  const gy = Math.ceil(ny / BLOCK);
  const gz = Math.ceil(nz / BLOCK);
  const blocks = gx * gy * gz;
  const headerWords = 2 * blocks;

  // Headers are filled with offsets relative to the start of their own area and fixed up at the end.
  const tableAt = new Uint32Array(blocks);
  const valuesAt = new Uint32Array(blocks);
  const bitsOf = new Uint8Array(blocks);
  const tables = new WordBuffer(blocks * 4);
  const values = new WordBuffer(blocks * 16);
  const sharedTables = new Map<string, number>();

  // Per-block scratch: the distinct values in first-seen order, each voxel's index, the hash.
  const uniqueLo = new Uint32Array(BLOCK_VOXELS);
  const uniqueHi = new Uint32Array(BLOCK_VOXELS);
  const indices = new Uint16Array(BLOCK_VOXELS);
  const slotIndex = new Int32Array(HASH_SLOTS).fill(-1);
  const usedSlots = new Int32Array(BLOCK_VOXELS);

  const planeWords = 2 * nx * ny;
  const rowWords = 2 * nx;
  let block = 0;
  for (let bz = 0; bz < gz; bz++) {
    const z0 = bz * BLOCK;
    const dz = Math.min(BLOCK, nz - z0);
    for (let by = 0; by < gy; by++) {
      const y0 = by * BLOCK;
      const dy = Math.min(BLOCK, ny - y0);
      for (let bx = 0; bx < gx; bx++, block++) {
        const x0 = bx * BLOCK;
        const dx = Math.min(BLOCK, nx - x0);
        if (dx < BLOCK || dy < BLOCK || dz < BLOCK) indices.fill(0); // padding: index 0
        let count = 0;
        let lastLo = 0;
        let lastHi = 0;
        let lastIndex = -1;
        for (let z = 0; z < dz; z++) {
          for (let y = 0; y < dy; y++) {
            let s = (z0 + z) * planeWords + (y0 + y) * rowWords + 2 * x0;
            let i = BLOCK * (y + BLOCK * z);
            for (let x = 0; x < dx; x++, s += 2, i++) {
              const lo = src[s];
              const hi = src[s + 1];
              if (lo === lastLo && hi === lastHi && lastIndex >= 0) {
                indices[i] = lastIndex;
                continue;
              }
              let h = lo ^ Math.imul(hi, 0x9e3779b1);
              h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
              let slot = (h ^ (h >>> 13)) & (HASH_SLOTS - 1);
              let index: number;
              for (;;) {
                index = slotIndex[slot];
                if (index < 0) {
                  index = count++;
                  slotIndex[slot] = index;
                  usedSlots[index] = slot;
                  uniqueLo[index] = lo;
                  uniqueHi[index] = hi;
                  break;
                }
                if (uniqueLo[index] === lo && uniqueHi[index] === hi) break;
                slot = (slot + 1) & (HASH_SLOTS - 1);
              }
              indices[i] = index;
              lastLo = lo;
              lastHi = hi;
              lastIndex = index;
            }
          }
        }
        for (let k = 0; k < count; k++) slotIndex[usedSlots[k]] = -1;

        // Lookup table, shared with an earlier block when small and identical.
        let key: string | undefined;
        let table: number | undefined;
        if (count <= SHARED_TABLE_MAX_VALUES) {
          key = "";
          for (let k = 0; k < count; k++) key += `${uniqueLo[k]},${uniqueHi[k]};`;
          table = sharedTables.get(key);
        }
        if (table === undefined) {
          table = tables.reserve(2 * count);
          const t = tables.words;
          for (let k = 0; k < count; k++) {
            t[table + 2 * k] = uniqueLo[k];
            t[table + 2 * k + 1] = uniqueHi[k];
          }
          if (key !== undefined) sharedTables.set(key, table);
        }
        tableAt[block] = table;
        if (headerWords + table > MAX_TABLE_OFFSET) {
          throw new RangeError(
            `box of ${nx}x${ny}x${nz} labels is too large for one compressed_segmentation chunk: a lookup table would start at word ${headerWords + table}, past the format's 24-bit limit (${MAX_TABLE_OFFSET}); encode smaller boxes`,
          );
        }

        // Encoded values: 32 / bits indices per word, never straddling a word.
        const bits = encodedBitsFor(count);
        bitsOf[block] = bits;
        if (bits > 0) {
          const wordsNeeded = (BLOCK_VOXELS * bits) / 32;
          const at = values.reserve(wordsNeeded);
          const v = values.words;
          for (let w = 0, i = 0; w < wordsNeeded; w++) {
            let word = 0;
            for (let shift = 0; shift < 32; shift += bits, i++) word |= indices[i] << shift;
            v[at + w] = word;
          }
          valuesAt[block] = at;
        } else {
          valuesAt[block] = 0;
        }
      }
    }
  }

  const tablesStart = headerWords;
  const valuesStart = headerWords + tables.length;
  if (valuesStart + values.length > 0xffffffff) {
    throw new RangeError(`box of ${nx}x${ny}x${nz} labels is too large for one compressed_segmentation chunk`);
  }

  const out = new Uint32Array(1 + valuesStart + values.length);
  out[0] = 1; // one channel, its data right after this word
  const channel = out.subarray(1);
  for (let b = 0; b < blocks; b++) {
    channel[2 * b] = (tablesStart + tableAt[b]) | (bitsOf[b] << 24);
    channel[2 * b + 1] = bitsOf[b] === 0 ? valuesStart : valuesStart + valuesAt[b];
  }
  channel.set(tables.words.subarray(0, tables.length), tablesStart);
  channel.set(values.words.subarray(0, values.length), valuesStart);
  return out;
}
