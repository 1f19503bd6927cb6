// Moving voxel bytes between C-order buffers of different boxes without temporary copies:
// a sub-request's bytes go straight into their place in the one output buffer. Runs are
// coalesced (whole planes or the whole box when the x-rows or y-planes line up), because one
// `set()` per row costs far more than the copy itself on thin rows.
import type { BoxZyx } from "./wire/geometry.js";

/** Byte offset of voxel (z, y, x) in a C-order buffer covering `outer`. */
function offsetIn(outer: BoxZyx, z: number, y: number, x: number, bpv: number): number {
  const ny = outer[1][1] - outer[1][0];
  const nx = outer[2][1] - outer[2][0];
  return (((z - outer[0][0]) * ny + (y - outer[1][0])) * nx + (x - outer[2][0])) * bpv;
}

/**
 * Copies the voxels of `region` into `dst` (C order over `dstBox`) from `src` (C order over
 * `srcBox`); destination first, as in ndarray-ops and local-dvid's copy-box. `region` must lie
 * inside both boxes.
 */
export function copyRegion(
  dst: Uint8Array,
  dstBox: BoxZyx,
  src: Uint8Array,
  srcBox: BoxZyx,
  region: BoxZyx,
  bytesPerVoxel: number,
): void {
  const [[z0, z1], [y0, y1], [x0, x1]] = region;
  const rnx = x1 - x0;
  const rny = y1 - y0;
  const fullX = rnx === srcBox[2][1] - srcBox[2][0] && rnx === dstBox[2][1] - dstBox[2][0];
  const fullY = fullX && rny === srcBox[1][1] - srcBox[1][0] && rny === dstBox[1][1] - dstBox[1][0];
  if (fullY) {
    const n = (z1 - z0) * rny * rnx * bytesPerVoxel;
    const s = offsetIn(srcBox, z0, y0, x0, bytesPerVoxel);
    dst.set(src.subarray(s, s + n), offsetIn(dstBox, z0, y0, x0, bytesPerVoxel));
    return;
  }
  if (fullX) {
    const n = rny * rnx * bytesPerVoxel;
    for (let z = z0; z < z1; z++) {
      const s = offsetIn(srcBox, z, y0, x0, bytesPerVoxel);
      dst.set(src.subarray(s, s + n), offsetIn(dstBox, z, y0, x0, bytesPerVoxel));
    }
    return;
  }
  const n = rnx * bytesPerVoxel;
  for (let z = z0; z < z1; z++) {
    for (let y = y0; y < y1; y++) {
      const s = offsetIn(srcBox, z, y, x0, bytesPerVoxel);
      dst.set(src.subarray(s, s + n), offsetIn(dstBox, z, y, x0, bytesPerVoxel));
    }
  }
}

/**
 * Receives the bytes of `inner` (C order, as a response streams them) in pieces of any size
 * and writes each piece straight to its place in `dest`, a C-order buffer over `outer`.
 * When `inner` spans whole x-rows and y-planes of `outer` this is one contiguous range.
 */
export class ScatterSink {
  readonly expectedBytes: number;
  readonly #dest: Uint8Array;
  readonly #outer: BoxZyx;
  readonly #inner: BoxZyx;
  readonly #bpv: number;
  readonly #runBytes: number;
  readonly #mode: "whole" | "planes" | "rows";
  #received = 0;

  constructor(dest: Uint8Array, outer: BoxZyx, inner: BoxZyx, bytesPerVoxel: number) {
    this.#dest = dest;
    this.#outer = outer;
    this.#inner = inner;
    this.#bpv = bytesPerVoxel;
    const inx = inner[2][1] - inner[2][0];
    const iny = inner[1][1] - inner[1][0];
    const inz = inner[0][1] - inner[0][0];
    this.expectedBytes = inz * iny * inx * bytesPerVoxel;
    const fullX = inx === outer[2][1] - outer[2][0];
    const fullY = fullX && iny === outer[1][1] - outer[1][0];
    this.#mode = fullY ? "whole" : fullX ? "planes" : "rows";
    this.#runBytes =
      this.#mode === "whole" ? this.expectedBytes : this.#mode === "planes" ? iny * inx * bytesPerVoxel : inx * bytesPerVoxel;
  }

  /** Bytes received so far. */
  get received(): number {
    return this.#received;
  }

  /** True when the whole inner box sits in one contiguous range of the destination. */
  get contiguous(): boolean {
    return this.#mode === "whole";
  }

  /**
   * Places `piece` after the bytes received so far. Returns false, copying nothing, when the
   * piece would run past the end of the inner box (a response longer than the shape).
   */
  push(piece: Uint8Array): boolean {
    if (this.#received + piece.length > this.expectedBytes) return false;
    let at = 0;
    while (at < piece.length) {
      const run = Math.floor(this.#received / this.#runBytes);
      const within = this.#received - run * this.#runBytes;
      const n = Math.min(this.#runBytes - within, piece.length - at);
      this.#dest.set(piece.subarray(at, at + n), this.#runStart(run) + within);
      at += n;
      this.#received += n;
    }
    return true;
  }

  /**
   * The destination bytes where the next received bytes go, up to the end of the current run
   * and at most `max` long (a socket may read straight into it; then call `advance`). Empty when
   * everything has been received.
   */
  window(max: number): Uint8Array {
    if (this.#received >= this.expectedBytes) return this.#dest.subarray(0, 0);
    const run = Math.floor(this.#received / this.#runBytes);
    const within = this.#received - run * this.#runBytes;
    const start = this.#runStart(run) + within;
    return this.#dest.subarray(start, start + Math.min(this.#runBytes - within, max));
  }

  /** Counts `n` bytes written into the last `window()` as received. */
  advance(n: number): void {
    this.#received += n;
  }

  /** Forgets what was received, for a retried request (which overwrites the same bytes). */
  reset(): void {
    this.#received = 0;
  }

  #runStart(run: number): number {
    const inner = this.#inner;
    if (this.#mode === "whole") return offsetIn(this.#outer, inner[0][0], inner[1][0], inner[2][0], this.#bpv);
    if (this.#mode === "planes") return offsetIn(this.#outer, inner[0][0] + run, inner[1][0], inner[2][0], this.#bpv);
    const iny = inner[1][1] - inner[1][0];
    const z = Math.floor(run / iny);
    return offsetIn(this.#outer, inner[0][0] + z, inner[1][0] + (run - z * iny), inner[2][0], this.#bpv);
  }
}

/** The bytes of a typed array, as a Uint8Array over the same memory (no copy). */
export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
