// Buffers reused across requests. Memory touched for the first time costs about 0.33 GB/s here
// (page faults) against about 13 GB/s for memory already touched (ARCHITECTURE.md, measured
// facts): a fresh 128 MiB body buffer, or sixteen fresh block buffers, per request would cost
// more than moving the bytes.

const GRANULE = 1 << 20;
const MAX_SMALL_PER_SIZE = 64;

export class BufferPool {
  readonly #large: Buffer[] = [];
  readonly #small = new Map<number, Buffer[]>();
  readonly #maxIdleBytes: number;
  #largeBytes = 0;

  /** @param maxIdleBytes large-buffer bytes kept for reuse at most (default 1 GiB). */
  constructor(maxIdleBytes = 1 << 30) {
    this.#maxIdleBytes = maxIdleBytes;
  }

  /**
   * A buffer of exactly `size` bytes with undefined contents: callers write every byte they use,
   * or zero it. From 1 MiB up it may be a view of a larger idle buffer; `release` takes the view
   * back. (Exactly `size`, always: a caller that stores or sends the buffer whole must never
   * store the bytes of a larger buffer.)
   */
  acquire(size: number): Buffer {
    if (size < GRANULE) return this.#small.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
    let best = -1;
    for (let i = 0; i < this.#large.length; i++) {
      const len = this.#large[i].length;
      // The smallest idle buffer that fits and wastes at most half of itself.
      if (len >= size && len <= size * 2 && (best < 0 || len < this.#large[best].length)) best = i;
    }
    if (best >= 0) {
      const [buf] = this.#large.splice(best, 1);
      this.#largeBytes -= buf.length;
      return buf.subarray(0, size);
    }
    return Buffer.allocUnsafeSlow(Math.ceil(size / GRANULE) * GRANULE).subarray(0, size);
  }

  /** Gives back a buffer from `acquire`; the caller must not touch it afterwards (nor still be sending it). */
  release(buf: Buffer): void {
    if (buf.length < GRANULE) {
      if (buf.byteOffset !== 0 || buf.buffer.byteLength !== buf.length) return; // not one of ours
      let list = this.#small.get(buf.length);
      if (!list) this.#small.set(buf.length, (list = []));
      if (list.length < MAX_SMALL_PER_SIZE) list.push(buf);
      return;
    }
    // Large buffers are views from offset 0 of a whole allocation: keep the whole allocation.
    if (buf.byteOffset !== 0 || buf.buffer.byteLength % GRANULE !== 0) return; // not one of ours
    const whole = Buffer.from(buf.buffer, 0, buf.buffer.byteLength);
    if (whole.length > this.#maxIdleBytes) return;
    this.#large.push(whole);
    this.#largeBytes += whole.length;
    while (this.#largeBytes > this.#maxIdleBytes) {
      const dropped = this.#large.shift();
      if (!dropped) break;
      this.#largeBytes -= dropped.length;
    }
  }

  clear(): void {
    this.#large.length = 0;
    this.#largeBytes = 0;
    this.#small.clear();
  }
}
