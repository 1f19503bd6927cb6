// Raw LZ4 *block* format (no frame, no size header), as DVID's label `compression=lz4` uses on
// `raw` GET and POST (dvid-api.md §4.3): the body is one LZ4 block of the whole array and the
// receiver must know the uncompressed size from the URL. Pure and dependency-free so that the
// server (local-dvid) and the client can share it.
//
// Format (lz4/doc/lz4_Block_format.md): a sequence is a token byte (high nibble = literal
// length, low nibble = match length - 4; 15 means "more length bytes follow, each adding up to
// 255"), the literals, a 2-byte little-endian offset (1..65535) and the extra match-length bytes.
// The last sequence has literals only. Decoders other than this one require the end-of-block
// rules: the last 5 bytes are literals and no match starts in the last 12 bytes.

const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;
const HASH_LOG = 16;
const SKIP_TRIGGER = 6;

/** The largest size `lz4CompressBlock` can produce for `inputLength` bytes. */
export function lz4CompressBound(inputLength: number): number {
  return inputLength + Math.floor(inputLength / 255) + 16;
}

/**
 * Copies `n` bytes of `src` from `from` to `dst` at `at`. Short runs byte by byte: a `subarray()`
 * per sequence (a new object, a Buffer's even costlier) cost more than the copy itself.
 */
function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n < 64) {
    for (let i = 0; i < n; i++) dst[at + i] = src[from + i];
  } else {
    dst.set(src.subarray(from, from + n), at);
  }
}

function hash(v: number): number {
  return Math.imul(v, 2654435761) >>> (32 - HASH_LOG);
}

/** Positions + 1 by hash (0: empty), shared by every call (the codec is synchronous). */
const table = new Int32Array(1 << HASH_LOG);

/** A DataView over `a`'s bytes: one unaligned 32-bit load instead of four byte loads. */
function viewOf(a: Uint8Array): DataView {
  return new DataView(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Compresses `src` into a raw LZ4 block (greedy single-probe matcher, like LZ4's fast mode).
 * The block is written to a new array, or to `into` when given (at least
 * `lz4CompressBound(src.length)` long; the result is then a view of its start).
 */
export function lz4CompressBlock(src: Uint8Array, into?: Uint8Array): Uint8Array {
  const n = src.length;
  const bound = lz4CompressBound(n);
  if (into !== undefined && into.length < bound) {
    throw new RangeError(`into must hold at least lz4CompressBound(${n}) = ${bound} bytes; got ${into.length}`);
  }
  const out = into ?? new Uint8Array(bound);
  let op = 0;
  let anchor = 0;

  if (n >= MF_LIMIT + 1) {
    table.fill(0);
    const sv = viewOf(src);
    const matchLimit = n - LAST_LITERALS; // a match may not extend past here
    const lastMatchStart = n - MF_LIMIT; // nor start at or after here
    let ip = 0;
    let searchCount = 1 << SKIP_TRIGGER;
    while (ip < lastMatchStart) {
      const seq = sv.getInt32(ip, true);
      const h = hash(seq);
      const candidate = table[h] - 1;
      table[h] = ip + 1;
      if (candidate < 0 || ip - candidate > MAX_OFFSET || sv.getInt32(candidate, true) !== seq) {
        // Incompressible stretches are skipped faster the longer they last (LZ4's acceleration).
        ip += searchCount++ >> SKIP_TRIGGER;
        continue;
      }
      searchCount = 1 << SKIP_TRIGGER;
      // Extend the match backwards over pending literals, then forwards: eight, then four
      // bytes at a time (unaligned loads), then the rest byte by byte.
      let start = ip;
      let ref = candidate;
      while (start > anchor && ref > 0 && src[start - 1] === src[ref - 1]) {
        start--;
        ref--;
      }
      let end = ip + MIN_MATCH;
      let refEnd = candidate + MIN_MATCH;
      while (
        end + 8 <= matchLimit &&
        sv.getInt32(end, true) === sv.getInt32(refEnd, true) &&
        sv.getInt32(end + 4, true) === sv.getInt32(refEnd + 4, true)
      ) {
        end += 8;
        refEnd += 8;
      }
      if (end + 4 <= matchLimit && sv.getInt32(end, true) === sv.getInt32(refEnd, true)) {
        end += 4;
        refEnd += 4;
      }
      while (end < matchLimit && src[end] === src[refEnd]) {
        end++;
        refEnd++;
      }

      // The sequence: token, literals, offset, match length.
      const literalLength = start - anchor;
      const tokenPos = op++;
      let token: number;
      if (literalLength >= 15) {
        token = 15 << 4;
        let len = literalLength - 15;
        for (; len >= 255; len -= 255) out[op++] = 255;
        out[op++] = len;
      } else {
        token = literalLength << 4;
      }
      copyBytes(out, op, src, anchor, literalLength);
      op += literalLength;
      const offset = start - ref;
      out[op++] = offset & 0xff;
      out[op++] = offset >>> 8;
      const ml = end - start - MIN_MATCH;
      if (ml >= 15) {
        token |= 15;
        let len = ml - 15;
        for (; len >= 255; len -= 255) out[op++] = 255;
        out[op++] = len;
      } else {
        token |= ml;
      }
      out[tokenPos] = token;

      anchor = end;
      ip = end;
      // Prime the table with a position inside the match so that runs keep matching.
      if (ip - 2 < lastMatchStart) table[hash(sv.getInt32(ip - 2, true))] = ip - 2 + 1;
    }
  }
  // Last literals.
  const literalLength = n - anchor;
  if (literalLength >= 15) {
    out[op++] = 15 << 4;
    let len = literalLength - 15;
    for (; len >= 255; len -= 255) out[op++] = 255;
    out[op++] = len;
  } else {
    out[op++] = literalLength << 4;
  }
  copyBytes(out, op, src, anchor, literalLength);
  op += literalLength;
  return out.subarray(0, op);
}

/**
 * Decompresses a raw LZ4 block whose decoded size must be exactly `uncompressedSize` bytes.
 * Throws a RangeError naming what was wrong when the block is malformed, truncated or decodes to
 * another size; never reads or writes out of bounds. With `into` (exactly `uncompressedSize`
 * long) the bytes are decoded there instead of into a new array (then a malformed block may have
 * written part of `into`).
 */
export function lz4DecompressBlock(src: Uint8Array, uncompressedSize: number, into?: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(uncompressedSize) || uncompressedSize < 0) {
    throw new RangeError(`uncompressedSize must be a non-negative integer; got ${uncompressedSize}`);
  }
  if (into !== undefined && into.length !== uncompressedSize) {
    throw new RangeError(`into must be exactly uncompressedSize (${uncompressedSize}) bytes long; got ${into.length}`);
  }
  const out = into ?? new Uint8Array(uncompressedSize);
  const n = src.length;
  let ip = 0;
  let op = 0;
  const malformed = (what: string): RangeError =>
    new RangeError(`malformed LZ4 block at input byte ${ip} of ${n}: ${what}`);

  if (n === 0) {
    if (uncompressedSize === 0) return out;
    throw malformed("empty input");
  }
  for (;;) {
    if (ip >= n) throw malformed("truncated before a token");
    const token = src[ip++];
    let literalLength = token >>> 4;
    if (literalLength === 15) {
      let b: number;
      do {
        if (ip >= n) throw malformed("truncated literal length");
        b = src[ip++];
        literalLength += b;
      } while (b === 255);
    }
    if (literalLength > n - ip) throw malformed(`literal run of ${literalLength} bytes passes the end of the input`);
    if (literalLength > uncompressedSize - op) {
      throw malformed(`decodes to more than the expected ${uncompressedSize} bytes`);
    }
    copyBytes(out, op, src, ip, literalLength);
    ip += literalLength;
    op += literalLength;
    if (ip === n) break; // the last sequence has literals only
    if (n - ip < 2) throw malformed("truncated match offset");
    const offset = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw malformed(`match offset ${offset} points before the output start`);
    let matchLength = (token & 15) + MIN_MATCH;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (ip >= n) throw malformed("truncated match length");
        b = src[ip++];
        matchLength += b;
      } while (b === 255);
    }
    if (matchLength > uncompressedSize - op) {
      throw malformed(`decodes to more than the expected ${uncompressedSize} bytes`);
    }
    if (offset >= matchLength) {
      const from = op - offset;
      out.copyWithin(op, from, from + matchLength);
      op += matchLength;
    } else {
      // Overlapping copy (a run): the output repeats with period `offset`, so copying whole
      // periods, doubling each time, gives the bytes a byte-by-byte copy would.
      const end = op + matchLength;
      let dist = offset;
      while (op < end) {
        const len = Math.min(dist, end - op);
        out.copyWithin(op, op - dist, op - dist + len);
        op += len;
        dist += dist;
      }
    }
  }
  if (op !== uncompressedSize) {
    throw new RangeError(`LZ4 block decodes to ${op} bytes; expected ${uncompressedSize}`);
  }
  return out;
}
