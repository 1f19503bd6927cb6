// The lz4 label path's reused scratch arrays (volume-client/scratch.ts): sub-boxes that are not
// one contiguous range of the output (or of the written array) are decoded, gathered and
// compressed through buffers reused across sub-requests and calls, and nothing stale leaks.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { connect, type DvidClient, type Version } from "../../volume-client/index.js";
import { ScratchPool } from "../../volume-client/scratch.js";
import { startTestCluster, type TestCluster } from "./helpers/test-cluster.js";

describe("ScratchPool", () => {
  it("hands out exactly the size asked, reuses a given-back buffer that fits, never one twice at a time", () => {
    const pool = new ScratchPool();
    const a = pool.take(1000);
    expect(a.length).toBe(1000);
    pool.give(a);
    const b = pool.take(900);
    expect(b.length).toBe(900);
    expect(b.buffer).toBe(a.buffer);
    const c = pool.take(900);
    expect(c.buffer).not.toBe(b.buffer);
    pool.give(b);
    // Too large to waste on a small request (more than twice its size): a new one.
    expect(pool.take(100).buffer).not.toBe(a.buffer);
    pool.clear();
    expect(pool.take(900).buffer).not.toBe(a.buffer);
  });

  it("keeps at most 96 MiB of idle buffers, dropping the longest idle first", () => {
    const pool = new ScratchPool();
    const MiB = 1 << 20;
    const bufs = Array.from({ length: 5 }, () => pool.take(32 * MiB));
    for (const b of bufs) pool.give(b);
    expect(pool.idleBytes).toBe(96 * MiB);
    // The first given back was dropped; the last three are reused.
    const again = [pool.take(32 * MiB), pool.take(32 * MiB), pool.take(32 * MiB)].map((b) => b.buffer);
    expect(again).not.toContain(bufs[0].buffer);
    expect(again).not.toContain(bufs[1].buffer);
    expect(new Set(again)).toEqual(new Set(bufs.slice(2).map((b) => b.buffer)));
    expect(pool.idleBytes).toBe(0);
    pool.give(pool.take(97 * MiB));
    expect(pool.idleBytes).toBe(0);
  });
});

let cluster: TestCluster;
let client: DvidClient;
let repo: Version;
const N = 48;

beforeAll(async () => {
  cluster = await startTestCluster({ readers: 0 });
  client = connect(cluster.endpoints, { adminToken: cluster.adminToken });
  repo = await client.createRepo({ alias: `lz4-scratch-${Date.now()}` });
  await repo.createVolume("seg", "uint64", { labels: true, blockSizeZyx: [16, 16, 16] });
}, 60_000);

afterAll(async () => {
  client?.close();
  await cluster?.close();
});

function labels(seed: number): BigUint64Array<ArrayBuffer> {
  const a = new BigUint64Array(N * N * N);
  for (let i = 0; i < a.length; i++) a[i] = (1n << 60n) + BigInt(seed * 1000 + Math.floor(i / (5 + seed)) % 97);
  return a;
}

describe("lz4 transfers of sub-boxes that are not contiguous in the array", () => {
  it("round-trips labels with chunks of rows, of planes and whole, in turn on one client, matching uncompressed reads", async () => {
    const vol = client.version(repo.ref).volume("seg");
    const box: [number, number][] = [[0, N], [0, N], [0, N]];
    const block = 16 * 16 * 16 * 8;
    // One block (rows of a plane), one row of blocks (planes), a layer (contiguous), and back.
    for (const [seed, chunkBytes] of [[1, block], [2, 3 * block], [3, 9 * block], [4, block], [5, 2 * block]] as const) {
      const data = labels(seed);
      await vol.write([0, 0, 0], ndarray(data, [N, N, N]) as never, { wireCompression: "lz4", chunkBytes });
      const plain = await vol.read(box as never, { wireCompression: "none" });
      expect(Buffer.compare(Buffer.from((plain.data as BigUint64Array).buffer), Buffer.from(data.buffer))).toBe(0);
      const packed = await vol.read(box as never, { wireCompression: "lz4", chunkBytes });
      expect([seed, Buffer.compare(Buffer.from((packed.data as BigUint64Array).buffer), Buffer.from(data.buffer))]).toEqual([seed, 0]);
    }
  }, 60_000);
});
