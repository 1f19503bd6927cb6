import { afterAll, beforeAll, describe, expect } from "@jest/globals";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import { startLocalDvid } from "../../local-dvid/server.js";
import { connect, type DvidClient, type Progress, type Version } from "../../volume-client/index.js";
import { announceSkips, itLocal, startTestCluster, type TestCluster } from "./helpers/test-cluster.js";
import { startProxy, type TestProxy } from "./helpers/proxy.js";
import { expectRejectCode } from "./helpers/expect-error.js";
import { firstMismatch, patternArray, valueAt } from "./helpers/volumes.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";

announceSkips("resilience", "fault injection needs local nodes and proxies");

let cluster: TestCluster;
let client: DvidClient;
let repo: Version;
const BOX: BoxZyx = [[0, 64], [0, 64], [0, 64]];
const isRawGet = (r: { method: string; url: string }) => r.method === "GET" && r.url.includes("/raw/");

beforeAll(async () => {
  if (!cluster) cluster = await startTestCluster();
  client = connect(cluster.endpoints, { adminToken: cluster.adminToken });
  repo = await client.createRepo({ alias: `resilience-${Date.now()}` });
  const vol = await repo.createVolume("gray", "uint8", { blockSizeZyx: [16, 16, 16] });
  await vol.write([0, 0, 0], patternArray("uint8", BOX, 1));
});

afterAll(async () => {
  client?.close();
  await cluster?.close();
});

async function withClient<T>(endpoints: { writer: string; readers?: string[] }, options: Parameters<typeof connect>[1], fn: (c: DvidClient) => Promise<T>): Promise<T> {
  const c = connect(endpoints, options);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const correct = (data: Uint8Array, box: BoxZyx = BOX) => firstMismatch(data, box, (z, y, x) => valueAt("uint8", z, y, x, 1));

describe("retries and failover", () => {
  itLocal("retries a sub-request that got 503 until it succeeds", async () => {
    let failures = 3;
    const proxy = await startProxy(cluster.endpoints.writer, (r) => (isRawGet(r) && failures-- > 0 ? { status: 503, body: "DVID server is unavailable." } : "forward"));
    try {
      const res = await withClient({ writer: proxy.url }, { retryDelayMs: 5 }, (c) => c.version(repo.ref).volume("gray").read(BOX));
      expect(correct(res.data as Uint8Array)).toBeUndefined();
      expect(proxy.requests.filter(isRawGet)).toHaveLength(4);
    } finally {
      await proxy.close();
    }
  });

  itLocal("gives up with UNAVAILABLE after the configured retries, naming the request", async () => {
    const proxy = await startProxy(cluster.endpoints.writer, (r) => (isRawGet(r) ? { status: 503, body: "busy" } : "forward"));
    try {
      const err = await expectRejectCode(
        withClient({ writer: proxy.url }, { retries: 2, retryDelayMs: 1 }, (c) => c.version(repo.ref).volume("gray").read(BOX)),
        "UNAVAILABLE",
      );
      expect(err.status).toBe(503);
      expect(err.dvidMessage).toBe("busy");
      expect(err.path).toContain("/raw/0_1_2/");
      expect(proxy.requests.filter(isRawGet)).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  });

  itLocal("repeats a repo creation refused with 503 and creates exactly one repo", async () => {
    let failures = 2;
    const proxy = await startProxy(cluster.endpoints.writer, (r) => (r.method === "POST" && failures-- > 0 ? { status: 503, body: "unavailable" } : "forward"));
    try {
      const alias = `retried-${Date.now()}`;
      await withClient({ writer: proxy.url }, { retryDelayMs: 1 }, (c) => c.createRepo({ alias }));
      expect((await client.listRepos()).filter((r) => r.alias === alias)).toHaveLength(1);
      expect(proxy.count("/api/repos")).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  itLocal("retries on the writer when a reader answers 400 for a UUID it does not know (stale metadata)", async () => {
    const staleStore = new MemoryStore(); // a reader that never saw this repo
    const stale = await startLocalDvid({ store: staleStore, port: 0, host: "127.0.0.1", readonly: true });
    const proxy = await startProxy(stale.url);
    try {
      const res = await withClient({ writer: cluster.endpoints.writer, readers: [proxy.url] }, { chunkBytes: 16 * 1024 }, (c) =>
        c.version(repo.ref).volume("gray").read(BOX),
      );
      expect(correct(res.data as Uint8Array)).toBeUndefined();
      expect(proxy.requests.filter(isRawGet).length).toBeGreaterThan(0);
    } finally {
      await proxy.close();
      await stale.close();
      await staleStore.close();
    }
  });

  itLocal("fails over from a reader whose port refuses connections", async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    const res = await withClient({ writer: cluster.endpoints.writer, readers: [deadUrl, ...cluster.endpoints.readers] }, { chunkBytes: 16 * 1024, retryDelayMs: 1 }, (c) =>
      c.version(repo.ref).volume("gray").read(BOX),
    );
    expect(correct(res.data as Uint8Array)).toBeUndefined();
  });

  itLocal("completes a read while a reader is stopped in the middle of it", async () => {
    const own = await startTestCluster({ readers: 2 });
    try {
      const setup = connect(own.endpoints);
      const r = await setup.createRepo({ alias: "mid-read" });
      const vol = await r.createVolume("gray", "uint8", { blockSizeZyx: [16, 16, 16] });
      await vol.write([0, 0, 0], patternArray("uint8", BOX, 1));
      setup.close();
      let stopped: Promise<void> | undefined;
      let attempts = 0;
      const res = await withClient(own.endpoints, { chunkBytes: 4096, concurrency: 3, retryDelayMs: 1 }, async (c) => {
        const out = await c.version(r.ref).volume("gray").read(BOX, {
          onProgress: (p) => {
            if (!stopped && p.blocksDone >= 8) stopped = own.stopReader(0);
          },
        });
        attempts = c.requestsSent;
        return out;
      });
      await stopped;
      expect(stopped).toBeDefined();
      expect(correct(res.data as Uint8Array)).toBeUndefined();
      // One info request and 64 one-block sub-requests; any more were failovers from the stopped node.
      expect(attempts).toBeGreaterThan(65);
    } finally {
      await own.close();
    }
  });
});

describe("response checks", () => {
  for (const action of ["truncate", "extend"] as const) {
    itLocal(`rejects a voxel response that is one byte ${action === "truncate" ? "short" : "long"} with RESPONSE_LENGTH`, async () => {
      const proxy: TestProxy = await startProxy(cluster.endpoints.writer, (r) => (isRawGet(r) ? action : "forward"));
      try {
        const err = await expectRejectCode(
          withClient({ writer: proxy.url }, { retries: 1, retryDelayMs: 1 }, (c) => c.version(repo.ref).volume("gray").read([[0, 16], [0, 16], [0, 16]])),
          "RESPONSE_LENGTH",
        );
        expect(err.message).toContain(`${16 * 16 * 16} bytes`);
      } finally {
        await proxy.close();
      }
    });
  }
});

describe("abort and progress", () => {
  itLocal("reports progress after every sub-request, ending at the totals", async () => {
    const seen: Progress[] = [];
    const res = await client.version(repo.ref).volume("gray").read([[0, 64], [0, 64], [8, 64]], { chunkBytes: 16 * 64 * 56, onProgress: (p) => seen.push(p) });
    expect(correct(res.data as Uint8Array, [[0, 64], [0, 64], [8, 64]])).toBeUndefined();
    expect(seen).toHaveLength(4);
    for (let i = 1; i < seen.length; i++) expect(seen[i].bytesDone).toBeGreaterThan(seen[i - 1].bytesDone);
    expect(seen.at(-1)).toEqual({ bytesDone: 64 * 64 * 56, bytesTotal: 64 * 64 * 56, blocksDone: 64, blocksTotal: 64 });

    const writes: Progress[] = [];
    const vol = await repo.createVolume("progress", "uint16", { blockSizeZyx: [16, 16, 16] });
    await vol.write([0, 0, 0], patternArray("uint16", [[0, 32], [0, 32], [0, 32]], 2), { chunkBytes: 16 * 16 * 16 * 2, onProgress: (p) => writes.push(p) });
    expect(writes).toHaveLength(8);
    expect(writes.at(-1)).toEqual({ bytesDone: 32 * 32 * 32 * 2, bytesTotal: 32 * 32 * 32 * 2, blocksDone: 8, blocksTotal: 8 });
  });

  itLocal("aborts a read in flight: rejects with ABORTED and sends nothing afterwards", async () => {
    const proxy = await startProxy(cluster.endpoints.writer);
    try {
      const ac = new AbortController();
      const c = connect({ writer: proxy.url }, { chunkBytes: 4096, concurrency: 2 });
      try {
        const err = await expectRejectCode(
          c.version(repo.ref).volume("gray").read(BOX, {
            signal: ac.signal,
            onProgress: (p) => {
              if (p.blocksDone >= 2) ac.abort(new Error("enough"));
            },
          }),
          "ABORTED",
        );
        expect((err.cause as Error).message).toBe("enough");
        const sent = proxy.requests.filter(isRawGet).length;
        expect(sent).toBeLessThan(64);
        await new Promise((r) => setTimeout(r, 50));
        expect(proxy.requests.filter(isRawGet).length).toBe(sent);
      } finally {
        c.close();
      }
    } finally {
      await proxy.close();
    }
  });

  itLocal("rejects at once with ABORTED when the signal has already fired, sending no request", async () => {
    const before = client.requestsSent;
    await expectRejectCode(client.version(repo.ref).volume("gray").read(BOX, { signal: AbortSignal.abort() }), "ABORTED");
    await expectRejectCode(client.version(repo.ref).volume("gray").write([0, 0, 0], patternArray("uint8", BOX, 1), { signal: AbortSignal.abort() }), "ABORTED");
    expect(client.requestsSent).toBe(before);
  });
});
