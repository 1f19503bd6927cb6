// Labels compressed on the wire: `wireCompression` ("auto" | "none" | "lz4") on reads and writes
// of label volumes, through real HTTP to local-dvid, and the lz4 receive path under bodies that
// arrive cut off, chunked, slowly or not at all.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { connect, type DvidClient, type Version, type WireCompression } from "../../volume-client/index.js";
import { announceSkips, itLocal, startTestCluster, type TestCluster } from "./helpers/test-cluster.js";
import { startProxy } from "./helpers/proxy.js";
import { startBodyProxy, type BodyMode } from "./helpers/body-proxy.js";
import { expectRejectCode } from "./helpers/expect-error.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";
import { lz4CompressBlock, lz4DecompressBlock } from "../../volume-client/wire/lz4.js";
import { isLoopbackUrl } from "../../volume-client/endpoints.js";

announceSkips("labels-lz4", "wire inspection needs proxies in front of local nodes");

let cluster: TestCluster;
let client: DvidClient;
let repo: Version;
const N = 32;
const BOX: BoxZyx = [[0, N], [0, N], [0, N]];
const VOXELS = N * N * N;

/** Label patterns: what segmentation looks like, and its edge cases. */
type Labels = BigUint64Array<ArrayBuffer>;
const PATTERNS: Record<string, () => Labels> = {
  "all zero": () => new BigUint64Array(VOXELS),
  "one label": () => new BigUint64Array(VOXELS).fill(123456789n),
  runs: () => {
    const a = new BigUint64Array(VOXELS);
    for (let i = 0; i < VOXELS; i++) a[i] = BigInt(1 + Math.floor(i / 37) % 9);
    return a;
  },
  random: () => {
    const a = new BigUint64Array(VOXELS);
    let s = 7;
    const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < VOXELS; i++) a[i] = (BigInt(r()) << 32n) | BigInt(r());
    return a;
  },
  "ids above 2^53": () => {
    const a = new BigUint64Array(VOXELS);
    for (let i = 0; i < VOXELS; i++) a[i] = 2n ** 53n + 1n + BigInt(Math.floor(i / 500)) * 2n ** 60n / 64n;
    return a;
  },
};

beforeAll(async () => {
  if (!cluster) cluster = await startTestCluster({ readers: 1 });
  client = connect(cluster.endpoints, { adminToken: cluster.adminToken });
  repo = await client.createRepo({ alias: `lz4-${Date.now()}` });
  await repo.createVolume("seg", "uint64", { labels: true, blockSizeZyx: [16, 16, 16] });
  await repo.createVolume("plain64", "uint64", { blockSizeZyx: [16, 16, 16] });
  await repo.createVolume("gray", "uint8", { blockSizeZyx: [16, 16, 16] });
});

afterAll(async () => {
  client?.close();
  await cluster?.close();
});

const arr = (a: Labels, shape = [N, N, N]) => ndarray(a, shape) as never;
const same = (a: ArrayLike<bigint>, b: BigUint64Array) => Buffer.compare(Buffer.from((a as BigUint64Array).buffer, (a as BigUint64Array).byteOffset, b.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

describe("the lz4 codec", () => {
  it("decodes overlapping matches (runs of every period from 1 to 40 bytes) exactly, into a new array or in place", () => {
    for (let period = 1; period <= 40; period++) {
      const src = new Uint8Array(5000 + period * 37);
      for (let i = 0; i < src.length; i++) src[i] = i < 300 ? (i * 131) & 255 : (((i % period) * 7 + period) & 255);
      const block = lz4CompressBlock(src);
      expect(block.length).toBeLessThan(src.length / 4);
      expect(Buffer.from(lz4DecompressBlock(block, src.length)).equals(Buffer.from(src))).toBe(true);
      const into = new Uint8Array(src.length + 8).subarray(4, 4 + src.length);
      expect(lz4DecompressBlock(block, src.length, into)).toBe(into);
      expect(Buffer.from(into).equals(Buffer.from(src))).toBe(true);
    }
  });

  it("refuses an `into` array of another size than the decoded one", () => {
    const block = lz4CompressBlock(new Uint8Array(100));
    expect(() => lz4DecompressBlock(block, 100, new Uint8Array(99))).toThrow(/into must be exactly uncompressedSize \(100\) bytes long; got 99/);
  });
});

describe("lz4 round trips of every label pattern", () => {
  for (const [name, make] of Object.entries(PATTERNS)) {
    itLocal(`writes and reads back "${name}" labels exactly, with lz4 and without, in every combination`, async () => {
      const labels = make();
      for (const w of ["lz4", "none"] as const) {
        await repo.volume("seg").write([0, 0, 0], arr(labels), { wireCompression: w, chunkBytes: 16 * 16 * 16 * 8 });
        for (const r of ["lz4", "none", "auto"] as const) {
          const got = await repo.volume("seg").read(BOX, { wireCompression: r, chunkBytes: 16 * 16 * 16 * 8 });
          expect({ w, r, same: same(got.data as BigUint64Array, labels) }).toEqual({ w, r, same: true });
        }
      }
    });
  }

  itLocal("round-trips a non-aligned label box with lz4, patched by the server and by the client", async () => {
    const labels = PATTERNS["ids above 2^53"]();
    const box: BoxZyx = [[3, 30], [5, 29], [7, 31]];
    const shape = box.map(([a, b]) => b - a);
    const part = labels.subarray(0, shape[0] * shape[1] * shape[2]);
    for (const serverExtensions of [true, false]) {
      const c = connect(cluster.endpoints, { serverExtensions, wireCompression: "lz4" });
      try {
        const vol = c.version(repo.ref).volume("seg");
        await vol.write([0, 0, 0], arr(new BigUint64Array(VOXELS)));
        await vol.write([3, 5, 7], arr(part, shape), { nonAlignedWrites: true });
        const got = await vol.read(box);
        expect(same(got.data as BigUint64Array, part)).toBe(true);
        const whole = await vol.read(BOX);
        expect((whole.data as BigUint64Array)[0]).toBe(0n);
      } finally {
        c.close();
      }
    }
  });
});

describe("what goes on the wire", () => {
  async function wireOf(volume: string, mode: WireCompression | undefined) {
    const proxy = await startProxy(cluster.endpoints.writer);
    const c = connect({ writer: proxy.url }, mode === undefined ? {} : { wireCompression: mode });
    try {
      const vol = c.version(repo.ref).volume(volume);
      const info = await vol.info();
      const data = info.dtype === "uint8" ? ndarray(new Uint8Array(VOXELS), [N, N, N]) : arr(PATTERNS.runs());
      await vol.write([0, 0, 0], data as never);
      await vol.read(BOX);
      const raw = proxy.requests.filter((r) => r.url.includes("/raw/"));
      return {
        queries: raw.map((r) => `${r.method} ${r.url.includes("compression=lz4") ? "lz4" : "plain"}`),
        postBytes: raw.filter((r) => r.method === "POST").map((r) => Number(r.headers?.["content-length"])),
      };
    } finally {
      c.close();
      await proxy.close();
    }
  }

  itLocal('"lz4" sends and receives a label volume\'s voxels as lz4, a smaller body than the raw bytes', async () => {
    const seen = await wireOf("seg", "lz4");
    expect(seen.queries).toEqual(["POST lz4", "GET lz4"]);
    expect(seen.postBytes[0]).toBeLessThan(VOXELS * 8 / 10);
  });

  itLocal('"auto" (the default) sends a label volume\'s voxels as plain bytes when every node is on loopback, where the wire costs nothing', async () => {
    const seen = await wireOf("seg", undefined);
    expect(seen.queries).toEqual(["POST plain", "GET plain"]);
    expect(seen.postBytes).toEqual([VOXELS * 8]);
  });

  it("takes 127.0.0.0/8, ::1 and localhost for loopback, and any other host for a wire worth compressing", () => {
    for (const url of ["http://127.0.0.1:8000", "http://127.4.5.6", "http://localhost:1", "http://LOCALHOST", "http://[::1]:9000", "http://a.localhost"]) {
      expect([url, isLoopbackUrl(url)]).toEqual([url, true]);
    }
    for (const url of ["http://10.0.0.1:8000", "https://dvid.example.org", "http://[::2]", "http://127.0.0.1.example.com", "http://34.111.2.3"]) {
      expect([url, isLoopbackUrl(url)]).toEqual([url, false]);
    }
  });

  itLocal('"none" sends a label volume\'s voxels as plain bytes', async () => {
    const seen = await wireOf("seg", "none");
    expect(seen.queries).toEqual(["POST plain", "GET plain"]);
    expect(seen.postBytes).toEqual([VOXELS * 8]);
  });

  itLocal('"auto" sends the voxels of volumes that are not label volumes as plain bytes', async () => {
    expect((await wireOf("plain64", "auto")).queries).toEqual(["POST plain", "GET plain"]);
    expect((await wireOf("gray", "auto")).queries).toEqual(["POST plain", "GET plain"]);
  });

  itLocal('refuses "lz4" for a volume that is not a label volume, before any voxel request', async () => {
    const before = client.requestsSent;
    const err = await expectRejectCode(repo.volume("gray").read(BOX, { wireCompression: "lz4" }), "INVALID_ARGUMENT");
    expect(err.message).toContain('"gray" is a uint8blk');
    const werr = await expectRejectCode(repo.volume("plain64").write([0, 0, 0], arr(new BigUint64Array(VOXELS)), { wireCompression: "lz4" }), "INVALID_ARGUMENT");
    expect(werr.message).toContain("needs a label volume");
    expect(client.requestsSent - before).toBeLessThanOrEqual(2); // at most the volumes' info
  });

  itLocal("refuses an unknown wireCompression value, naming the key and the values it takes", async () => {
    expect(() => connect(cluster.endpoints, { wireCompression: "gzip" as never })).toThrow(/wireCompression must be one of "auto", "none", "lz4"; got "gzip"/);
    await expectRejectCode(repo.volume("seg").read(BOX, { wireCompression: "zstd" as never }), "INVALID_ARGUMENT");
  });
});

describe("the lz4 receive path under misbehaving bodies", () => {
  const labels = PATTERNS.runs();
  beforeAll(async () => {
    await repo.volume("seg").write([0, 0, 0], arr(labels), { wireCompression: "none" });
  });

  for (const [first, then] of [["cut", "forward"], ["reset", "forward"], ["slow", "slow"], ["chunked", "chunked"], ["close-delimited", "close-delimited"]] as [BodyMode, BodyMode][]) {
    itLocal(`reads lz4 labels whose ${first === then ? `body is ${first}` : `first body is ${first === "cut" ? "cut off" : "reset"} half-way`}`, async () => {
      const proxy = await startBodyProxy(cluster.endpoints.writer, (n) => (n === 0 ? first : then));
      const c = connect({ writer: proxy.url }, { retryDelayMs: 1, wireCompression: "lz4" });
      try {
        const got = await c.version(repo.ref).volume("seg").read(BOX);
        expect(same(got.data as BigUint64Array, labels)).toBe(true);
        expect(proxy.rawGets[0]).toBe(first);
      } finally {
        c.close();
        await proxy.close();
      }
    });
  }

  itLocal("aborts an lz4 read whose body stalls with ABORTED", async () => {
    const proxy = await startBodyProxy(cluster.endpoints.writer, () => "stall");
    const c = connect({ writer: proxy.url }, { wireCompression: "lz4" });
    try {
      const ac = new AbortController();
      const reading = c.version(repo.ref).volume("seg").read(BOX, { signal: ac.signal });
      while (proxy.rawGets.length === 0) await new Promise((r) => setTimeout(r, 5));
      ac.abort(new Error("stop"));
      expect(((await expectRejectCode(reading, "ABORTED")).cause as Error).message).toBe("stop");
    } finally {
      c.close();
      await proxy.close();
    }
  });

  itLocal("rejects an lz4 body that does not decode to the box's bytes with RESPONSE_LENGTH", async () => {
    const proxy = await startProxy(cluster.endpoints.writer, (r) => (r.method === "GET" && r.url.includes("/raw/") ? "extend" : "forward"));
    const c = connect({ writer: proxy.url }, { retries: 0, wireCompression: "lz4" });
    try {
      const err = await expectRejectCode(c.version(repo.ref).volume("seg").read(BOX), "RESPONSE_LENGTH");
      expect(err.message).toContain(`does not decode to the ${VOXELS * 8} bytes`);
    } finally {
      c.close();
      await proxy.close();
    }
  });
});
