// Large lz4 label bodies, decoded into the server's pooled buffers on the event loop (8 MiB) and
// in local-dvid's worker threads (16 MiB and up, workers/lz4-pool.ts INLINE_BELOW): what was
// written reads back, a malformed body is refused without disturbing the next writes, and a
// buffer reused from an earlier request carries nothing over.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { lz4CompressBlock, lz4DecompressBlock } from "../../volume-client/wire/lz4.js";
import { expectDvidError, newInstance, newRepo, rawPath, request, useCluster } from "./server-helpers.js";

const c = useCluster(1);
let repo: string;

beforeAll(async () => {
  repo = await newRepo(c.url);
  await newInstance(c.url, repo, "labelblk", "big", { BlockSize: "32,32,32" });
});

/** Segmentation-like uint64 labels: boxes of `cell` voxels, ids depending on `seed`. */
function labels(SIZE: number[], seed: number, cell: number): Buffer {
  const a = new BigUint64Array(SIZE[0] * SIZE[1] * SIZE[2]);
  let i = 0;
  for (let z = 0; z < SIZE[2]; z++)
    for (let y = 0; y < SIZE[1]; y++)
      for (let x = 0; x < SIZE[0]; x++) a[i++] = BigInt(seed) * 1_000_000n + BigInt(((z / cell) | 0) * 10_000 + ((y / cell) | 0) * 100 + ((x / cell) | 0));
  return Buffer.from(a.buffer);
}


describe("large lz4 label bodies (worker threads, pooled buffers)", () => {
  it.each([
    ["8 MiB, on the event loop", [128, 128, 64]],
    ["16 MiB, in a worker thread", [256, 128, 64]],
  ])("stores what each of several lz4 POSTs of %s carried, refusing a malformed one in between, and serves it back as lz4", async (_name, SIZE) => {
    const BYTES = SIZE[0] * SIZE[1] * SIZE[2] * 8;
    const path = () => rawPath(repo, "big", SIZE, [0, 0, 0]);
    for (const [seed, cell] of [[1, 5], [2, 16], [3, 1]] as const) {
      const data = labels(SIZE, seed, cell);
      const post = await request(`${c.url}${path()}?compression=lz4`, { method: "POST", body: Buffer.from(lz4CompressBlock(data)) });
      expect(post.status).toBe(200);

      // A block cut short, of a body large enough to go to a thread: refused, nothing written.
      const good = lz4CompressBlock(labels(SIZE, seed + 10, 3));
      const bad = await request(`${c.url}${path()}?compression=lz4`, { method: "POST", body: Buffer.from(good.subarray(0, good.length - 100)) });
      expectDvidError(bad, 400, "could not decode lz4-compressed labels");

      const plain = await request(`${c.url}${path()}`);
      expect(plain.status).toBe(200);
      expect(Buffer.compare(plain.body, data)).toBe(0);
      const packed = await request(`${c.url}${path()}?compression=lz4`);
      expect(packed.status).toBe(200);
      expect(Buffer.compare(Buffer.from(lz4DecompressBlock(packed.body, BYTES)), data)).toBe(0);
    }
  }, 120_000);
});
