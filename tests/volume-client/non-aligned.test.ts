import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { connect, type DvidClient, type Version } from "../../volume-client/index.js";
import { announceSkips, itLocal, startTestCluster, type TestCluster } from "./helpers/test-cluster.js";
import { startProxy } from "./helpers/proxy.js";
import { expectRejectCode } from "./helpers/expect-error.js";
import { firstMismatch, patternArray, valueAt, writtenOrZero } from "./helpers/volumes.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";

let cluster: TestCluster;
let client: DvidClient; // behaves as against a real DVID: client-side read-patch-write
let repo: Version;

announceSkips("non-aligned", "the nonaligned-raw-post extension is local-dvid's");

beforeAll(async () => {
  cluster = await startTestCluster();
  client = connect(cluster.endpoints, { serverExtensions: false, adminToken: cluster.adminToken, chunkBytes: 8192 });
  repo = await client.createRepo({ alias: `non-aligned-${Date.now()}` });
});

afterAll(async () => {
  client?.close();
  await cluster?.close();
});

describe("non-aligned writes", () => {
  it("rejects a box off the block grid by default, naming the nearest aligned box, before any request", async () => {
    const vol = await repo.createVolume("strict", "uint8", { blockSizeZyx: [16, 16, 16] });
    await vol.info(); // metadata cached: the write below must send nothing
    const before = client.requestsSent;
    const err = await expectRejectCode(vol.write([1, -3, 0], patternArray("uint8", [[1, 9], [-3, 13], [0, 16]], 1)), "NOT_ALIGNED");
    expect(err.alignedBoxZyx).toEqual([[0, 16], [-16, 16], [0, 16]]);
    expect(err.message).toContain("[[0, 16], [-16, 16], [0, 16]]");
    expect(client.requestsSent).toBe(before);
  });

  for (const dtype of ["uint8", "uint64"] as const) {
    it(`patches ${dtype} edge blocks client-side and keeps the neighbouring voxels`, async () => {
      const vol = await repo.createVolume(`patch-${dtype}`, dtype, { blockSizeZyx: [8, 8, 8] });
      const base: BoxZyx = [[-16, 16], [-16, 16], [-16, 16]];
      await vol.write([-16, -16, -16], patternArray(dtype, base, 1) as never);
      const patch: BoxZyx = [[-5, 3], [-9, 10], [2, 13]];
      await vol.write([-5, -9, 2], patternArray(dtype, patch, 2) as never, { nonAlignedWrites: true });
      const back = await vol.read(base);
      expect(firstMismatch(back.data, base, writtenOrZero(dtype, [base, patch], [1, 2]))).toBeUndefined();
    });
  }

  it("reads back only the blocks the box covers in part", async () => {
    const proxy = await startProxy(cluster.endpoints.writer);
    const c = connect({ writer: proxy.url }, { serverExtensions: false, nonAlignedWrites: true });
    try {
      const vol = await c.version(repo.ref).createVolume("partial", "uint8", { blockSizeZyx: [16, 16, 16] });
      const box: BoxZyx = [[1, 63], [0, 64], [0, 64]];
      await vol.write([1, 0, 0], patternArray("uint8", box, 7));
      const readVoxels = proxy.requests
        .filter((r) => r.method === "GET" && r.url.includes("/raw/"))
        .map((r) => r.url.split("/raw/0_1_2/")[1].split("/")[0].split("_").map(Number))
        .reduce((sum, [nx, ny, nz]) => sum + nx * ny * nz, 0);
      expect(readVoxels).toBe(2 * 16 * 64 * 64); // the first and last z-layer of blocks only
      const back = await vol.read([[0, 64], [0, 64], [0, 64]]);
      expect(firstMismatch(back.data, [[0, 64], [0, 64], [0, 64]], writtenOrZero("uint8", [box], [7]))).toBeUndefined();
    } finally {
      c.close();
      await proxy.close();
    }
  });

  it("never loses voxels when two writers of one process patch the same blocks at once", async () => {
    const vol = await repo.createVolume("shared", "uint16", { blockSizeZyx: [16, 16, 16] });
    const other = connect(cluster.endpoints, { serverExtensions: false, nonAlignedWrites: true });
    try {
      // Writer A owns x in [0, 7), writer B x in [7, 16): every plane shares blocks with the other.
      const writes: Promise<void>[] = [];
      for (let z = 0; z < 16; z++) {
        writes.push(vol.write([z, 0, 0], patternArray("uint16", [[z, z + 1], [0, 16], [0, 7]], 3), { nonAlignedWrites: true }));
        writes.push(other.version(repo.ref).volume<"uint16">("shared").write([z, 0, 7], patternArray("uint16", [[z, z + 1], [0, 16], [7, 16]], 4)));
      }
      await Promise.all(writes);
      const box: BoxZyx = [[0, 16], [0, 16], [0, 16]];
      const back = await vol.read(box);
      expect(firstMismatch(back.data, box, (z, y, x) => valueAt("uint16", z, y, x, x < 7 ? 3 : 4))).toBeUndefined();
    } finally {
      other.close();
    }
  });

  itLocal("uses local-dvid's nonaligned-raw-post extension when advertised, with no read of the edge blocks", async () => {
    const proxy = await startProxy(cluster.endpoints.writer);
    const ext = connect({ writer: proxy.url }, { nonAlignedWrites: true });
    try {
      expect((await ext.extensions()).has("nonaligned-raw-post")).toBe(true);
      const vol = await ext.version(repo.ref).createVolume("server-patch", "float32", { blockSizeZyx: [8, 8, 8] });
      const base: BoxZyx = [[0, 16], [0, 16], [0, 16]];
      await vol.write([0, 0, 0], patternArray("float32", base, 5) as never);
      const patch: BoxZyx = [[3, 11], [1, 2], [5, 16]];
      const rawGetsBefore = proxy.requests.filter((r) => r.method === "GET" && r.url.includes("/raw/")).length;
      await vol.write([3, 1, 5], ndarray(patternArray("float32", patch, 6).data as unknown as Float32Array, [8, 1, 11]));
      expect(proxy.requests.filter((r) => r.method === "GET" && r.url.includes("/raw/")).length).toBe(rawGetsBefore);
      expect(proxy.count("nonaligned=true")).toBeGreaterThan(0);
      const back = await vol.read(base);
      expect(firstMismatch(back.data, base, writtenOrZero("float32", [base, patch], [5, 6]))).toBeUndefined();
    } finally {
      ext.close();
      await proxy.close();
    }
  });
});
