import { describe, expect, it } from "@jest/globals";
import { BufferPool } from "../../local-dvid/voxels/buffer-pool.js";

const MiB = 1 << 20;

describe("BufferPool", () => {
  it("always hands out exactly the size asked for, also when it reuses a larger idle buffer", () => {
    const pool = new BufferPool();
    const big = pool.acquire(4 * MiB);
    big.fill(7);
    pool.release(big);
    const block = pool.acquire(2 * MiB + 5);
    expect(block.length).toBe(2 * MiB + 5);
    expect(block.buffer).toBe(big.buffer); // reused, not a new allocation
    pool.release(block);
    // The whole allocation came back, so a 4 MiB request reuses it again.
    const again = pool.acquire(4 * MiB);
    expect({ length: again.length, reused: again.buffer === big.buffer }).toEqual({ length: 4 * MiB, reused: true });
  });

  it("never gives a large buffer for a request less than half its size, and keeps small buffers by exact size", () => {
    const pool = new BufferPool();
    const big = pool.acquire(8 * MiB);
    pool.release(big);
    expect(pool.acquire(2 * MiB).buffer).not.toBe(big.buffer);
    const small = pool.acquire(1000);
    pool.release(small);
    expect(pool.acquire(999).buffer).not.toBe(small.buffer);
    expect(pool.acquire(1000)).toBe(small);
  });

  it("keeps no more idle bytes than its limit and ignores buffers it did not hand out", () => {
    const pool = new BufferPool(3 * MiB);
    const a = pool.acquire(2 * MiB);
    const b = pool.acquire(2 * MiB);
    pool.release(a);
    pool.release(b); // over the limit: the oldest (a) is dropped
    expect(pool.acquire(2 * MiB).buffer).toBe(b.buffer);
    expect(pool.acquire(2 * MiB).buffer).not.toBe(a.buffer);
    const foreign = Buffer.alloc(3 * MiB).subarray(MiB);
    pool.release(foreign);
    expect(pool.acquire(2 * MiB).buffer).not.toBe(foreign.buffer);
  });
});
