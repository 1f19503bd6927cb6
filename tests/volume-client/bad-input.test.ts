import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { connect, isVolumeClientError, type DvidClient, type Version, type Volume } from "../../volume-client/index.js";
import { startTestCluster, type TestCluster } from "./helpers/test-cluster.js";
import { startProxy } from "./helpers/proxy.js";
import { expectRejectCode } from "./helpers/expect-error.js";
import { firstMismatch, patternArray, valueAt } from "./helpers/volumes.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";

let cluster: TestCluster;
let client: DvidClient;
let repo: Version;
let vol: Volume<"uint16">;
const BOX: BoxZyx = [[0, 16], [0, 16], [0, 16]];

beforeAll(async () => {
  cluster = await startTestCluster();
  client = connect(cluster.endpoints, { adminToken: cluster.adminToken });
  repo = await client.createRepo({ alias: `bad-input-${Date.now()}` });
  vol = await repo.createVolume("gray", "uint16", { blockSizeZyx: [16, 16, 16] });
  await vol.write([0, 0, 0], patternArray("uint16", BOX, 1));
  await vol.info(); // block size and dtype now cached: rejections below must send nothing
});

afterAll(async () => {
  client?.close();
  await cluster?.close();
});

/** Runs `work`, expects `code`, and checks that no request went out and the voxels are unchanged. */
async function rejectsWithoutRequest(work: () => Promise<unknown>, code: Parameters<typeof expectRejectCode>[1]) {
  const before = client.requestsSent;
  const err = await expectRejectCode(work, code);
  expect(client.requestsSent).toBe(before);
  return err;
}

describe("bad input is rejected before any request", () => {
  it("rejects empty, negative and non-integer boxes with INVALID_ARGUMENT", async () => {
    const bad: unknown[] = [
      [[0, 0], [0, 4], [0, 4]],
      [[0, 4], [5, 2], [0, 4]],
      [[0, 4], [0, 4.5], [0, 4]],
      [[0, 4], [0, 4]],
      [[0, 2 ** 31], [0, 1], [0, 1]],
      "0:4",
    ];
    for (const box of bad) {
      const err = await rejectsWithoutRequest(() => vol.read(box as BoxZyx), "INVALID_ARGUMENT");
      expect(err.message).toContain("Volume.read(): box");
    }
  });

  it("rejects unknown and ill-typed options with INVALID_ARGUMENT naming the option", async () => {
    const e1 = await rejectsWithoutRequest(() => vol.read(BOX, { chunkSize: 5 } as never), "INVALID_ARGUMENT");
    expect(e1.message).toContain('unknown option "chunkSize"');
    const e2 = await rejectsWithoutRequest(() => vol.read(BOX, { concurrency: 0 }), "INVALID_ARGUMENT");
    expect(e2.message).toContain("concurrency must be an integer between 1 and 64; got 0");
    expect(() => connect(cluster.endpoints, { chunkBytes: -1 })).toThrow(/chunkBytes/);
    expect(() => connect("not a url")).toThrow(/writer must be an http\(s\) URL/);
    expect(() => connect({ writer: cluster.endpoints.writer, reader: [] } as never)).toThrow(/unknown endpoint key "reader"/);
  });

  it("rejects an array of another dtype with DTYPE_MISMATCH", async () => {
    const err = await rejectsWithoutRequest(() => vol.write([0, 0, 0], ndarray(new Uint8Array(16 ** 3), [16, 16, 16]) as never), "DTYPE_MISMATCH");
    expect(err.message).toContain("uint16");
    expect(err.message).toContain("uint8");
  });

  it("rejects wrong shapes with SHAPE_MISMATCH", async () => {
    await rejectsWithoutRequest(() => vol.write([0, 0, 0], ndarray(new Uint16Array(256), [16, 16]) as never), "SHAPE_MISMATCH");
    await rejectsWithoutRequest(() => vol.write([0, 0, 0], { data: new Uint16Array(100), shape: [16, 16, 16] }), "SHAPE_MISMATCH");
    await rejectsWithoutRequest(() => vol.write([0, 0, 0], new Uint16Array(4096) as never), "SHAPE_MISMATCH");
  });

  it("rejects a bad offset or an empty array with INVALID_ARGUMENT", async () => {
    await rejectsWithoutRequest(() => vol.write([0, 0] as never, patternArray("uint16", BOX, 2)), "INVALID_ARGUMENT");
    await rejectsWithoutRequest(() => vol.write([0, 0, 0], ndarray(new Uint16Array(0), [0, 16, 16])), "INVALID_ARGUMENT");
  });

  it("rejects a misaligned write with NOT_ALIGNED", async () => {
    await rejectsWithoutRequest(() => vol.write([8, 0, 0], patternArray("uint16", [[8, 24], [0, 16], [0, 16]], 3)), "NOT_ALIGNED");
  });

  it("rejects bad names, references and keys with INVALID_ARGUMENT", () => {
    const calls: (() => unknown)[] = [
      () => client.version("a/b"),
      () => client.version("ab:x:y"),
      () => repo.volume("has space"),
      () => repo.volume("log"),
      () => repo.keyValue(""),
    ];
    for (const call of calls) {
      let caught: unknown;
      try {
        call();
      } catch (err) {
        caught = err;
      }
      expect(isVolumeClientError(caught, "INVALID_ARGUMENT")).toBe(true);
    }
  });

  it("rejects a key-value key holding '/' (DVID would silently cut it)", async () => {
    const kv = repo.keyValue("files");
    await rejectsWithoutRequest(() => kv.put("a/b", "x"), "INVALID_ARGUMENT");
  });

  it("rejects invalid creation settings before any request", async () => {
    await rejectsWithoutRequest(() => repo.createVolume("v1", "int8" as never), "INVALID_ARGUMENT");
    await rejectsWithoutRequest(() => repo.createVolume("v2", "uint8", { blockSizeZyx: [0, 16, 16] }), "INVALID_ARGUMENT");
    await rejectsWithoutRequest(() => repo.createVolume("v3", "uint16", { labels: true }), "INVALID_ARGUMENT");
    await rejectsWithoutRequest(() => repo.createVolume("v4", "uint16", { compression: "zstd" }), "INVALID_ARGUMENT");
    await rejectsWithoutRequest(() => repo.branch("master"), "INVALID_ARGUMENT");
  });

  it("left the stored voxels unchanged through all of the above", async () => {
    const back = await vol.read([[0, 32], [0, 16], [0, 16]]);
    expect(firstMismatch(back.data, [[0, 32], [0, 16], [0, 16]], (z, y, x) => (z < 16 ? valueAt("uint16", z, y, x, 1) : 0))).toBeUndefined();
  });
});

describe("shape and dtype errors on a fresh handle", () => {
  it("rejects a bare typed array, a wrong shape, a box out of int32 and a non-typed array before sending any request", async () => {
    const proxy = await startProxy(cluster.endpoints.writer);
    const fresh = connect(proxy.url);
    try {
      const gray = fresh.version(repo.ref).volume("gray");
      await expectRejectCode(gray.write([0, 0, 0], new Uint16Array(4096) as never), "SHAPE_MISMATCH");
      await expectRejectCode(gray.write([0, 0, 0], ndarray(new Uint16Array(256), [16, 16]) as never), "SHAPE_MISMATCH");
      await expectRejectCode(gray.write([0, 0, 0], { data: new Uint16Array(100), shape: [16, 16, 16] }), "SHAPE_MISMATCH");
      await expectRejectCode(gray.write([2 ** 31 - 8, 0, 0], patternArray("uint16", BOX, 2)), "INVALID_ARGUMENT");
      await expectRejectCode(gray.write([0, 0, 0], ndarray([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]) as never), "DTYPE_MISMATCH");
      // A branch reference, which needs resolving, resolves nothing for a bad array.
      const onBranch = fresh.version(`${repo.ref.slice(0, 8)}:master`).volume("gray");
      await expectRejectCode(onBranch.write([0, 0, 0], new Uint16Array(4096) as never), "SHAPE_MISMATCH");
      // With the dtype given when opening, the element type is checked up front as well.
      const typed = fresh.version(repo.ref).volume("gray", { dtype: "uint16" });
      const err = await expectRejectCode(typed.write([0, 0, 0], patternArray("uint8", BOX, 2) as never), "DTYPE_MISMATCH");
      expect(err.message).toContain("uint16");
      expect(proxy.requests).toEqual([]);
      expect(fresh.requestsSent).toBe(0);
    } finally {
      fresh.close();
      await proxy.close();
    }
  });

  it("checks the array's element type against the volume's dtype with one info request, and writes nothing", async () => {
    const proxy = await startProxy(cluster.endpoints.writer);
    const fresh = connect(proxy.url);
    try {
      await expectRejectCode(fresh.version(repo.ref).volume("gray").write([0, 0, 0], patternArray("uint8", BOX, 2) as never), "DTYPE_MISMATCH");
      expect(proxy.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`GET /api/node/${repo.ref}/gray/info`]);
    } finally {
      fresh.close();
      await proxy.close();
    }
  });
});

describe("server-side errors", () => {
  it("reports an unknown instance as HTTP_ERROR with method, path, status and DVID's message", async () => {
    const err = await expectRejectCode(repo.volume("nosuch").read(BOX), "HTTP_ERROR");
    expect(err.method).toBe("GET");
    expect(err.path).toBe(`/api/node/${repo.ref}/nosuch/info`);
    expect(err.status).toBe(400);
    expect(err.dvidMessage).toMatch(/nosuch/);
    expect(err.message).toContain("answered 400");
  });

  it("refuses to open a volume with an expected dtype it does not have", async () => {
    await expectRejectCode(repo.openVolume("gray", { dtype: "float32" }), "DTYPE_MISMATCH");
  });

  it("reports a duplicate instance name as HTTP_ERROR 400", async () => {
    const err = await expectRejectCode(repo.createVolume("gray", "uint8"), "HTTP_ERROR");
    expect(err.status).toBe(400);
  });
});
