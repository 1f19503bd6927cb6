// `Volume.read(box, { out })`: reading into the caller's array (numpy's `out=`), so that a loop of
// reads reuses one array's memory. Real local-dvid nodes over HTTP.
import { describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { connect } from "../../volume-client/index.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";
import { useTestRepo } from "./helpers/test-cluster.js";
import { startProxy } from "./helpers/proxy.js";
import { expectRejectCode } from "./helpers/expect-error.js";
import { ALL_DTYPES, firstMismatch, patternArray, valueAt, writtenOrZero } from "./helpers/volumes.js";
import { DTYPES } from "../../volume-client/wire/dtype.js";

// Small chunks: one read is many sub-requests, all filling the caller's array.
const suite = useTestRepo("read-out", { chunkBytes: 16 * 1024, concurrency: 4 });

const written: BoxZyx = [[0, 32], [0, 32], [0, 48]];

describe("reading into the caller's array", () => {
  for (const dtype of ALL_DTYPES) {
    it(`fills a ${dtype} ndarray in place and returns that same array, twice over`, async () => {
      const vol = await suite.repo.createVolume(`out-${dtype}`, dtype, { blockSizeZyx: [16, 16, 16] });
      await vol.write([0, 0, 0], patternArray(dtype, written, 3));
      const box: BoxZyx = [[-3, 20], [5, 37], [10, 45]];
      const shape = box.map(([a, b]) => b - a);
      const data = DTYPES[dtype].alloc(shape[0] * shape[1] * shape[2]);
      // Garbage first: every voxel must be overwritten, the never-written ones with 0.
      new Uint8Array(data.buffer).fill(7);
      const out = { data, shape, stride: [shape[1] * shape[2], shape[2], 1], offset: 0 };
      const got = await vol.read(box, { out: out as never });
      expect(got).toBe(out);
      expect(firstMismatch(out.data, box, writtenOrZero(dtype, [written], [3]))).toBeUndefined();
      // The same array again, for another box of the same shape.
      const moved: BoxZyx = [[0, 23], [0, 32], [0, 35]];
      await vol.read(moved, { out: out as never });
      expect(firstMismatch(out.data, moved, (z, y, x) => valueAt(dtype, z, y, x, 3))).toBeUndefined();
    });
  }

  it("fills the window of a larger array that a C-contiguous view with an offset points at, and nothing around it", async () => {
    const vol = await suite.repo.createVolume("out-window", "uint16", { blockSizeZyx: [16, 16, 16] });
    await vol.write([0, 0, 0], patternArray("uint16", written, 5));
    const box: BoxZyx = [[4, 8], [0, 32], [0, 48]];
    const backing = new Uint16Array(10 * 32 * 48).fill(0xbeef);
    // Planes 3..6 of a 10-plane array: C strides, offset 3 planes.
    const view = ndarray(backing, [4, 32, 48], [32 * 48, 48, 1], 3 * 32 * 48);
    await vol.read(box, { out: view });
    expect(firstMismatch(backing.subarray(3 * 32 * 48, 7 * 32 * 48), box, (z, y, x) => valueAt("uint16", z, y, x, 5))).toBeUndefined();
    expect(backing.subarray(0, 3 * 32 * 48).every((v) => v === 0xbeef)).toBe(true);
    expect(backing.subarray(7 * 32 * 48).every((v) => v === 0xbeef)).toBe(true);
  });

  it("accepts { data, shape } and returns an ndarray over the caller's memory", async () => {
    const vol = await suite.repo.createVolume("out-shaped", "uint32", { blockSizeZyx: [16, 16, 16] });
    await vol.write([0, 0, 0], patternArray("uint32", written, 2));
    const data = new Uint32Array(32 * 32 * 48);
    const got = await vol.read(written, { out: { data, shape: [32, 32, 48] } });
    expect(got.data.buffer).toBe(data.buffer);
    expect(firstMismatch(data, written, (z, y, x) => valueAt("uint32", z, y, x, 2))).toBeUndefined();
  });

  it("fills a label volume's array with lz4 on the wire too", async () => {
    const vol = await suite.repo.createVolume("out-labels", "uint64", { labels: true, blockSizeZyx: [16, 16, 16] });
    await vol.write([0, 0, 0], patternArray("uint64", written, 4), { wireCompression: "none" });
    const out = ndarray(new BigUint64Array(32 * 32 * 48), [32, 32, 48]);
    await vol.read(written, { out, wireCompression: "lz4" });
    expect(firstMismatch(out.data, written, (z, y, x) => valueAt("uint64", z, y, x, 4))).toBeUndefined();
  });
});

describe("an out array that cannot be filled is refused before any voxel request", () => {
  it("names the shape it got and the shape the box needs", async () => {
    const vol = await suite.repo.createVolume("out-bad", "uint8", { blockSizeZyx: [16, 16, 16] });
    const proxy = await startProxy(suite.cluster.endpoints.writer);
    const fresh = connect(proxy.url);
    try {
      const handle = fresh.version(suite.repo.ref).volume<"uint8">("out-bad");
      const err = await expectRejectCode(handle.read([[0, 4], [0, 4], [0, 4]], { out: ndarray(new Uint8Array(4 * 4 * 5), [4, 4, 5]) }), "SHAPE_MISMATCH");
      expect(err.message).toContain("Volume.read(): out has shape [4,4,5] but the box needs [4,4,4]");
      const strided = ndarray(new Uint8Array(64), [4, 4, 4]).transpose(2, 1, 0);
      const err2 = await expectRejectCode(handle.read([[0, 4], [0, 4], [0, 4]], { out: strided }), "INVALID_ARGUMENT");
      expect(err2.message).toContain("must be C-order contiguous");
      expect(err2.message).toContain("got stride [1,4,16]");
      await expectRejectCode(handle.read([[0, 4], [0, 4], [0, 4]], { out: new Uint8Array(64) as never }), "SHAPE_MISMATCH");
      expect(proxy.requests).toEqual([]);
      // A dtype mismatch needs the volume's dtype: only its info is asked, no voxels.
      const err3 = await expectRejectCode(handle.read([[0, 4], [0, 4], [0, 4]], { out: ndarray(new Uint16Array(64), [4, 4, 4]) }), "DTYPE_MISMATCH");
      expect(err3.message).toContain("Volume.read(): out must hold uint8 voxels");
      expect(proxy.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`GET /api/node/${suite.repo.ref}/out-bad/info`]);
      expect(vol.name).toBe("out-bad");
    } finally {
      fresh.close();
      await proxy.close();
    }
  });

  it("is not an option of write()", async () => {
    const vol = await suite.repo.createVolume("out-write", "uint8", { blockSizeZyx: [16, 16, 16] });
    const err = await expectRejectCode(
      vol.write([0, 0, 0], ndarray(new Uint8Array(16 ** 3), [16, 16, 16]), { out: ndarray(new Uint8Array(16 ** 3), [16, 16, 16]) } as never),
      "INVALID_ARGUMENT",
    );
    expect(err.message).toContain("out");
  });
});
