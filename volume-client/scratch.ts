// Scratch buffers reused across sub-requests of the lz4 label path: the decoded bytes of a
// sub-box that is not one contiguous range of the output, the gathered bytes of a write and its
// compressed block. Memory touched for the first time costs about 0.3 GB/s on the machines
// measured (page faults), far more than the codec itself: a fresh 8 MiB array per sub-request
// would make the transfer cost more than the bytes saved on the wire.

/**
 * Idle bytes kept per pool at most: the default 4 sub-requests in flight of 8 MiB, each with its
 * gathered bytes and its compressed block, fit. A buffer larger than this is never kept.
 */
const MAX_IDLE_BYTES = 96 * 1024 * 1024;

export class ScratchPool {
  readonly #idle: Uint8Array[] = [];
  #idleBytes = 0;

  /**
   * A buffer of exactly `size` bytes with undefined contents, a view of an idle one when one fits
   * (wasting at most half of it). Give it back with `give` once nothing reads it any more.
   */
  take(size: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.#idle.length; i++) {
      const len = this.#idle[i].length;
      if (len >= size && len <= size * 2 && (best < 0 || len < this.#idle[best].length)) best = i;
    }
    if (best >= 0) {
      const [buf] = this.#idle.splice(best, 1);
      this.#idleBytes -= buf.length;
      return buf.subarray(0, size);
    }
    return new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size);
  }

  /** Returns a buffer from `take` (undefined is ignored). */
  give(buf: Uint8Array | undefined): void {
    if (buf === undefined || buf.byteOffset !== 0 || buf.buffer.byteLength > MAX_IDLE_BYTES) return;
    const whole = new Uint8Array(buf.buffer);
    this.#idle.push(whole);
    this.#idleBytes += whole.length;
    // Over the cap: the longest-idle buffers go to the garbage collector.
    while (this.#idleBytes > MAX_IDLE_BYTES) this.#idleBytes -= this.#idle.shift()!.length;
  }

  /** Drops every idle buffer (the client is closing). */
  clear(): void {
    this.#idle.length = 0;
    this.#idleBytes = 0;
  }

  /** Bytes of the idle buffers (for tests and diagnostics). */
  get idleBytes(): number {
    return this.#idleBytes;
  }
}
