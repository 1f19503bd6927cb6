// The receive path of voxel bodies (http-receive.ts): bodies that arrive cut off, reset, in
// small pieces, chunked, close-delimited or stalled, and its keep-alive connections.
import { afterAll, beforeAll, describe, expect } from "@jest/globals";
import { connect, type DvidClient, type Version } from "../../volume-client/index.js";
import { announceSkips, itLocal, startTestCluster, type TestCluster } from "./helpers/test-cluster.js";
import { startBodyProxy, type BodyMode, type BodyProxy } from "./helpers/body-proxy.js";
import { expectRejectCode } from "./helpers/expect-error.js";
import { firstMismatch, patternArray, valueAt } from "./helpers/volumes.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";
import type { Dtype } from "../../volume-client/wire/dtype.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import { startLocalDvid } from "../../local-dvid/server.js";

announceSkips("receive-path", "misbehaving responses need a proxy in front of local nodes");

let cluster: TestCluster;
let client: DvidClient;
let repo: Version;
const BOX: BoxZyx = [[0, 64], [0, 64], [0, 64]];
/** Narrower than the volume in x: its bytes land row by row (no direct window). */
const ROWS: BoxZyx = [[0, 64], [0, 64], [8, 64]];

beforeAll(async () => {
  if (!cluster) cluster = await startTestCluster({ readers: 0 });
  client = connect(cluster.endpoints, { adminToken: cluster.adminToken });
  repo = await client.createRepo({ alias: `receive-${Date.now()}` });
  for (const dtype of ["uint8", "uint64"] as const) {
    const vol = await repo.createVolume(dtype, dtype, { blockSizeZyx: [16, 16, 16] });
    await vol.write([0, 0, 0], patternArray(dtype, BOX, 5));
  }
});

afterAll(async () => {
  client?.close();
  await cluster?.close();
});

async function readVia(proxy: BodyProxy, dtype: Dtype, box: BoxZyx, options: Parameters<typeof connect>[1] = {}) {
  const c = connect({ writer: proxy.url }, { retryDelayMs: 1, ...options });
  try {
    return await c.version(repo.ref).volume(dtype).read(box);
  } finally {
    c.close();
  }
}

const mismatch = (dtype: Dtype, data: ArrayLike<number | bigint>, box: BoxZyx) =>
  firstMismatch(data as never, box, (z, y, x) => valueAt(dtype, z, y, x, 5));

describe("bodies that arrive in every legal shape", () => {
  for (const mode of ["slow", "chunked", "close-delimited"] as const) {
    for (const dtype of ["uint8", "uint64"] as const) {
      itLocal(`reads ${dtype} voxels whose body is ${mode}, into whole and row-by-row boxes`, async () => {
        const proxy = await startBodyProxy(cluster.endpoints.writer, () => mode);
        try {
          for (const box of [BOX, ROWS]) {
            const res = await readVia(proxy, dtype, box);
            expect(mismatch(dtype, res.data, box)).toBeUndefined();
          }
          expect(proxy.rawGets).toEqual([mode, mode]);
        } finally {
          await proxy.close();
        }
      });
    }
  }
});

describe("bodies that fail", () => {
  for (const mode of ["cut", "reset"] as const) {
    itLocal(`repeats a read whose body was ${mode === "cut" ? "cut off by a close" : "ended by a TCP reset"} half-way and returns the right voxels`, async () => {
      const proxy = await startBodyProxy(cluster.endpoints.writer, (n) => (n === 0 ? mode : "forward"));
      try {
        const res = await readVia(proxy, "uint64", BOX);
        expect(mismatch("uint64", res.data, BOX)).toBeUndefined();
        expect(proxy.rawGets).toEqual([mode, "forward"]);
      } finally {
        await proxy.close();
      }
    });
  }

  itLocal("fails with RESPONSE_LENGTH naming the bytes received when every attempt is cut short", async () => {
    const proxy = await startBodyProxy(cluster.endpoints.writer, () => "cut");
    try {
      const err = await expectRejectCode(readVia(proxy, "uint8", BOX, { retries: 2 }), "RESPONSE_LENGTH");
      expect(err.message).toContain(`ended after ${(64 * 64 * 64) / 2} bytes`);
      expect(proxy.rawGets).toEqual(["cut", "cut", "cut"]);
    } finally {
      await proxy.close();
    }
  });

  itLocal("fails over to a fresh attempt when a body stalls longer than idleTimeoutMs", async () => {
    const proxy = await startBodyProxy(cluster.endpoints.writer, (n) => (n === 0 ? "stall" : "forward"));
    try {
      const res = await readVia(proxy, "uint8", BOX, { idleTimeoutMs: 300 });
      expect(mismatch("uint8", res.data, BOX)).toBeUndefined();
      expect(proxy.rawGets).toEqual(["stall", "forward"]);
    } finally {
      await proxy.close();
    }
  });

  itLocal("aborts a read whose body stalls mid-way with ABORTED and the signal's reason", async () => {
    const proxy = await startBodyProxy(cluster.endpoints.writer, () => "stall");
    const c = connect({ writer: proxy.url }, { idleTimeoutMs: 600_000 });
    try {
      const ac = new AbortController();
      const reading = c.version(repo.ref).volume("uint8").read(BOX, { signal: ac.signal });
      while (proxy.rawGets.length === 0) await new Promise((r) => setTimeout(r, 5));
      ac.abort(new Error("user gave up"));
      const err = await expectRejectCode(reading, "ABORTED");
      expect((err.cause as Error).message).toBe("user gave up");
      expect(proxy.rawGets).toEqual(["stall"]);
    } finally {
      c.close();
      await proxy.close();
    }
  });
});

describe("keep-alive connections", () => {
  itLocal("reuses one connection for consecutive reads", async () => {
    const proxy = await startBodyProxy(cluster.endpoints.writer, () => "forward");
    const c = connect({ writer: proxy.url });
    try {
      const vol = c.version(repo.ref).volume("uint8");
      await vol.info();
      const before = proxy.connections;
      for (let i = 0; i < 3; i++) expect(mismatch("uint8", (await vol.read(BOX)).data, BOX)).toBeUndefined();
      expect(proxy.connections - before).toBe(1);
    } finally {
      c.close();
      await proxy.close();
    }
  });

  itLocal("reads on after the server closed its idle keep-alive connections", async () => {
    const proxy = await startBodyProxy(cluster.endpoints.writer, () => "forward");
    const c = connect({ writer: proxy.url }, { retries: 0 });
    try {
      const vol = c.version(repo.ref).volume("uint8");
      expect(mismatch("uint8", (await vol.read(BOX)).data, BOX)).toBeUndefined();
      proxy.closeIdle();
      expect(mismatch("uint8", (await vol.read(BOX)).data, BOX)).toBeUndefined();
      expect(proxy.rawGets).toHaveLength(2);
    } finally {
      c.close();
      await proxy.close();
    }
  });

  itLocal("reads from a node addressed by an IPv6 literal ([::1])", async () => {
    const store = new MemoryStore();
    let node;
    try {
      node = await startLocalDvid({ store, port: 0, host: "::1" });
    } catch (err) {
      console.log(`[receive-path] no IPv6 loopback here (${(err as Error).message}); skipping the [::1] read`);
      await store.close();
      return;
    }
    const c = connect(node.url);
    try {
      expect(node.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      const vol = await (await c.createRepo({})).createVolume("g", "uint8", { blockSizeZyx: [16, 16, 16] });
      await vol.write([0, 0, 0], patternArray("uint8", BOX, 5));
      expect(mismatch("uint8", (await vol.read(BOX)).data, BOX)).toBeUndefined();
    } finally {
      c.close();
      await node.close();
      await store.close();
    }
  });
});
