import { describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { connect } from "../../volume-client/index.js";
import { useTestRepo } from "./helpers/test-cluster.js";
import { startProxy } from "./helpers/proxy.js";
import { ALL_DTYPES, firstMismatch, pattern, patternArray, valueAt, writtenOrZero } from "./helpers/volumes.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";

// Small chunks so that even these small volumes take many sub-requests over all nodes.
const suite = useTestRepo("round-trip", { chunkBytes: 16 * 1024, concurrency: 4 });

describe("round trips", () => {
  for (const dtype of ALL_DTYPES) {
    it(`writes an aligned ${dtype} box at a negative offset and reads back the same voxels, aligned or not`, async () => {
      const vol = await suite.repo.createVolume(`rt-${dtype}`, dtype, { blockSizeZyx: [16, 16, 16] });
      const written: BoxZyx = [[-16, 16], [-32, 16], [16, 64]];
      await vol.write([-16, -32, 16], patternArray(dtype, written, 1));
      const whole = await vol.read(written);
      expect(whole.shape).toEqual([32, 48, 48]);
      expect(whole.data.constructor).toBe(pattern(dtype, [[0, 1], [0, 1], [0, 1]], 1).constructor);
      expect(firstMismatch(whole.data, written, (z, y, x) => valueAt(dtype, z, y, x, 1))).toBeUndefined();
      // A box that straddles the written region's edges and block boundaries: zeros outside.
      const odd: BoxZyx = [[-20, 3], [-1, 20], [10, 17]];
      const part = await vol.read(odd);
      expect(part.shape).toEqual([23, 21, 7]);
      expect(firstMismatch(part.data, odd, writtenOrZero(dtype, [written], [1]))).toBeUndefined();
      const info = await vol.info();
      expect(info.dtype).toBe(dtype);
      expect(info.blockSizeZyx).toEqual([16, 16, 16]);
      expect(info.extentsZyx).toEqual(written);
    });
  }

  it("stores uint64 labels in a labelblk and reads them back as BigUint64Array", async () => {
    const vol = await suite.repo.createVolume("labels", "uint64", { labels: true, blockSizeZyx: [8, 8, 8] });
    const box: BoxZyx = [[0, 8], [8, 24], [-8, 16]];
    const data = new BigUint64Array(pattern("uint64", box, 9) as BigUint64Array);
    data[0] = 2n ** 64n - 1n; // the largest label survives the round trip
    await vol.write([0, 8, -8], ndarray(data, [8, 16, 24]));
    const back = await vol.read(box);
    expect(back.data).toBeInstanceOf(BigUint64Array);
    expect(back.data[0]).toBe(2n ** 64n - 1n);
    expect(firstMismatch(back.data, box, (z, y, x) => (z === 0 && y === 8 && x === -8 ? 2n ** 64n - 1n : valueAt("uint64", z, y, x, 9)))).toBeUndefined();
    expect((await vol.info()).typeName).toBe("labelblk");
  });

  it("creates a volume with its voxel size and units and reports them in ZYX", async () => {
    const vol = await suite.repo.createVolume("physical", "uint8", { blockSizeZyx: [16, 32, 64], voxelSizeZyx: [40, 8, 4], voxelUnits: ["nanometers", "micrometers", "micrometers"] });
    const info = await vol.info();
    expect(info).toMatchObject({ typeName: "uint8blk", blockSizeZyx: [16, 32, 64], voxelSizeZyx: [40, 8, 4], voxelUnitsZyx: ["nanometers", "micrometers", "micrometers"], versioned: true });
    expect(info.createdIn).toBe(suite.repo.ref);
  });

  it("reads never-written voxels as zeros", async () => {
    const vol = await suite.repo.createVolume("empty", "uint16");
    const box: BoxZyx = [[-5, 5], [100, 140], [7, 9]];
    const res = await vol.read(box);
    expect(res.shape).toEqual([10, 40, 2]);
    expect(res.data.every((v) => v === 0)).toBe(true);
    expect((await vol.info()).extentsZyx).toBeUndefined();
  });

  it("writes from non-contiguous views (transposed, reversed, strided sub-views) without changing them", async () => {
    const vol = await suite.repo.createVolume("views", "uint32", { blockSizeZyx: [8, 8, 8] });
    const box: BoxZyx = [[0, 8], [0, 16], [0, 24]];
    const want = pattern("uint32", box, 3) as Uint32Array;
    // Data stored x-major, seen as [z][y][x] through transpose.
    const xMajor = new Uint32Array(want.length);
    for (let z = 0; z < 8; z++) for (let y = 0; y < 16; y++) for (let x = 0; x < 24; x++) xMajor[(x * 16 + y) * 8 + z] = want[(z * 16 + y) * 24 + x];
    const keep = Uint32Array.from(xMajor);
    await vol.write([0, 0, 0], ndarray(xMajor, [24, 16, 8]).transpose(2, 1, 0));
    expect(xMajor).toEqual(keep);
    expect(firstMismatch((await vol.read(box)).data, box, (z, y, x) => valueAt("uint32", z, y, x, 3))).toBeUndefined();

    // A reversed view: write it at [8, 0, 0] and read back the mirror image.
    const src = pattern("uint32", box, 4) as Uint32Array;
    const srcCopy = Uint32Array.from(src);
    await vol.write([8, 0, 0], ndarray(src, [8, 16, 24]).step(-1, -1, -1));
    expect(src).toEqual(srcCopy);
    const back = await vol.read([[8, 16], [0, 16], [0, 24]]);
    expect(firstMismatch(back.data, [[8, 16], [0, 16], [0, 24]], (z, y, x) => valueAt("uint32", 15 - z, 15 - y, 23 - x, 4))).toBeUndefined();

    // Every other voxel of a larger array (stride 2 along x).
    const wide = ndarray(pattern("uint32", [[0, 8], [0, 8], [0, 16]], 5) as Uint32Array, [8, 8, 16]);
    await vol.write([0, 16, 0], wide.step(1, 1, 2));
    const strided = await vol.read([[0, 8], [16, 24], [0, 8]]);
    expect(firstMismatch(strided.data, [[0, 8], [16, 24], [0, 8]], (z, y, x) => valueAt("uint32", z, y - 16, 2 * x, 5))).toBeUndefined();
  });

  it("accepts a typed array with a shape as well as an ndarray", async () => {
    const vol = await suite.repo.createVolume("shaped", "float32", { blockSizeZyx: [4, 4, 4] });
    const box: BoxZyx = [[4, 8], [0, 8], [-4, 4]];
    await vol.write([4, 0, -4], { data: pattern("float32", box, 6) as Float32Array, shape: [4, 8, 8] });
    expect(firstMismatch((await vol.read(box)).data, box, (z, y, x) => valueAt("float32", z, y, x, 6))).toBeUndefined();
  });

  it("sends sub-boxes that span whole rows as one body per request, with its Content-Length, and stores them exactly", async () => {
    // 4 MiB sub-requests of a [64, 256, 256] uint32 array: each is one 64-row slab of every z
    // plane, sent as 64 ranges of the caller's array (no gathered copy).
    const proxy = await startProxy(suite.cluster.endpoints.writer);
    const c = connect({ writer: proxy.url }, { chunkBytes: 4 * 1024 * 1024, adminToken: suite.cluster.adminToken });
    try {
      const vol = await c.version(suite.repo.ref).createVolume("slabs", "uint32", { blockSizeZyx: [64, 64, 64] });
      const box: BoxZyx = [[0, 64], [0, 256], [-64, 192]];
      const array = patternArray("uint32", box, 4);
      const before = Buffer.from((array.data as Uint32Array).buffer.slice(0));
      await vol.write([0, 0, -64], array);
      const posts = proxy.requests.filter((r) => r.method === "POST" && r.url.includes("/raw/"));
      expect(posts.map((r) => [r.headers?.["content-length"], r.headers?.["transfer-encoding"]])).toEqual(
        Array.from({ length: 4 }, () => [String(4 * 1024 * 1024), undefined]),
      );
      expect(Buffer.from((array.data as Uint32Array).buffer).equals(before)).toBe(true); // the caller's array is untouched
      const back = await suite.client.version(suite.repo.ref).volume("slabs").read(box);
      expect(firstMismatch(back.data, box, (z, y, x) => valueAt("uint32", z, y, x, 4))).toBeUndefined();
    } finally {
      c.close();
      await proxy.close();
    }
  });

  it("reads a large box split over many sub-requests into one contiguous array", async () => {
    const vol = await suite.repo.createVolume("large", "uint8", { blockSizeZyx: [32, 32, 32] });
    const box: BoxZyx = [[0, 64], [0, 128], [0, 256]];
    await vol.write([0, 0, 0], patternArray("uint8", box, 8));
    const before = suite.client.requestsSent;
    const res = await vol.read([[5, 60], [3, 125], [1, 250]], { chunkBytes: 32 * 1024 });
    expect(suite.client.requestsSent - before).toBeGreaterThan(20);
    expect(firstMismatch(res.data, [[5, 60], [3, 125], [1, 250]], (z, y, x) => valueAt("uint8", z, y, x, 8))).toBeUndefined();
  });

  it("opens an existing volume by name through another client and sees its dtype and extents", async () => {
    const other = connect(suite.cluster.endpoints);
    try {
      const vol = await other.version(suite.repo.ref).openVolume("large");
      const info = await vol.info();
      expect(info).toMatchObject({ dtype: "uint8", typeName: "uint8blk", blockSizeZyx: [32, 32, 32], extentsZyx: [[0, 64], [0, 128], [0, 256]] });
    } finally {
      other.close();
    }
  });
});
