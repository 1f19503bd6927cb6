// The limits of one request (local-dvid/limits.ts) and the bad inputs that used to be 5xx: each
// is a 400 in DVID's form naming what was wrong, a refusal comes before the body is read, and a
// refused creation leaves nothing behind.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parseNodeArgs, UsageError } from "../../local-dvid/cli.js";
import { isLocalDvidError } from "../../local-dvid/errors.js";
import { DEFAULT_LIMITS } from "../../local-dvid/limits.js";
import { startLocalDvid, type RunningLocalDvid } from "../../local-dvid/server.js";
import { FsStore } from "../../local-dvid/store/fs-store.js";
import { MAX_KEY_SEGMENT_CHARS } from "../../local-dvid/store/key-limits.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import type { ObjectStore } from "../../local-dvid/store/object-store.js";
import { lz4CompressBlock } from "../../volume-client/wire/lz4.js";
import { faultyStore } from "../helpers/faulty-store.js";
import { agent, newInstance, newRepo, pattern, rawPath, request, snapshotStore } from "./server-helpers.js";

const LIMITS = { maxBodyBytes: 4 << 20, maxResponseBytes: 2 << 20, maxJsonBytes: 4096, maxLabelPoints: 10, maxSliceBytes: 64 * 64 };

let dir: string;
let store: FsStore;
let node: RunningLocalDvid;
/** A node on the same store with the default limits. */
let plain: RunningLocalDvid;
let root: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "limits-test-"));
  store = new FsStore(join(dir, "store"));
  node = await startLocalDvid({ store, port: 0, limits: LIMITS });
  plain = await startLocalDvid({ store, port: 0 });
  root = await newRepo(node.url);
  await newInstance(node.url, root, "labelblk", "seg", { BlockSize: "16,16,16" });
  await newInstance(node.url, root, "uint8blk", "gray", { BlockSize: "16,16,16" });
});

afterAll(async () => {
  await node.close();
  await plain.close();
  await store.close();
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Sends only the headers (a Content-Length of `declared`, no body bytes) and resolves with the
 * answer: a server that waited for the body would never answer, and the test would time out.
 */
function headersOnly(path: string, declared: number, method = "POST"): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${node.url}${path}`, { method, headers: { "content-length": declared }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
        req.destroy();
      });
    });
    req.on("error", reject);
    req.flushHeaders();
  });
}

describe("limits refused before the body is read", () => {
  it("refuses a raw POST whose box is over maxBodyBytes, naming the limit, its value and the flag", async () => {
    const r = await headersOnly(`${rawPath(root, "seg", [128, 128, 64], [0, 0, 0])}`, 128 * 128 * 64 * 8);
    expect(r.status).toBe(400);
    expect(r.text).toContain("maxBodyBytes = 4194304");
    expect(r.text).toContain("--max-body-bytes");
  });

  it("refuses a compressed raw POST with a Content-Length of 4.5 GiB with a 400, not a 500", async () => {
    const path = `${rawPath(root, "seg", [64, 64, 16], [0, 0, 0])}?compression=gzip`;
    const r = await headersOnly(path, 4.5 * 2 ** 30);
    expect(r.status).toBe(400);
    expect(r.text).toContain("gzip-compressed labels of 4831838208 bytes exceeds this server's limit");
    const lz4 = await headersOnly(`${rawPath(root, "seg", [64, 64, 16], [0, 0, 0])}?compression=lz4`, 5 * 2 ** 30);
    expect(lz4.status).toBe(400);
    expect(lz4.text).toContain("lz4-compressed labels of 5368709120 bytes exceeds");
  });

  it("refuses a JSON body over maxJsonBytes before reading it", async () => {
    const r = await headersOnly(`/api/node/${root}/note`, 10_000);
    expect(r.status).toBe(400);
    expect(r.text).toContain("JSON body of 10000 bytes exceeds this server's limit of 4096 bytes");
    expect(r.text).toContain("--max-json-bytes");
  });

  it("refuses a raw GET over maxResponseBytes and a slice over maxSliceBytes, naming each", async () => {
    const big = await request(`${node.url}${rawPath(root, "seg", [128, 128, 32], [0, 0, 0])}`);
    expect(big.status).toBe(400);
    expect(big.text).toContain("maxResponseBytes = 2097152");
    const slice = await request(`${node.url}/api/node/${root}/gray/raw/xy/65_64/0_0_0`);
    expect(slice.status).toBe(400);
    expect(slice.text).toContain("maxSliceBytes = 4096");
    expect(slice.text).toContain("--max-slice-bytes");
    expect((await request(`${node.url}/api/node/${root}/gray/raw/xy/64_64/0_0_0`)).status).toBe(200);
  });

  it("refuses a labels call with more points than maxLabelPoints and answers one within it", async () => {
    const points = Array.from({ length: 11 }, (_, i) => [i, 0, 0]);
    const over = await request(`${node.url}/api/node/${root}/seg/labels`, { body: points });
    expect(over.status).toBe(400);
    expect(over.text).toContain("labels asks for 11 points; at most 10 per call");
    expect(over.text).toContain("--max-label-points");
    const ok = await request(`${node.url}/api/node/${root}/seg/labels`, { body: points.slice(0, 10) });
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual(Array(10).fill(0));
  });
});

describe("limit options and flags", () => {
  it("refuses unknown or bad limits as INVALID_OPTION naming them", async () => {
    const s = new MemoryStore();
    await expect(startLocalDvid({ store: s, limits: { maxBodyByte: 1 } as never })).rejects.toThrow('unknown limits option "maxBodyByte"');
    await expect(startLocalDvid({ store: s, limits: { maxLabelPoints: 0 } })).rejects.toThrow("limits.maxLabelPoints must be an integer from 1");
    await expect(startLocalDvid({ store: s, limits: { maxBodyBytes: 2 ** 33 } })).rejects.toThrow("limits.maxBodyBytes must be an integer from 1 to 4294967296");
  });

  it("reads --max-… flags with K/M/G suffixes and refuses bad values with a usage error", () => {
    const o = parseNodeArgs(["--store", dir, "--max-body-bytes", "512M", "--max-label-points=2000", "--max-slice-bytes", "1G"]);
    expect(o.limits).toEqual({ maxBodyBytes: 512 * 2 ** 20, maxLabelPoints: 2000, maxSliceBytes: 2 ** 30 });
    expect(parseNodeArgs(["--store", dir]).limits).toEqual({});
    expect(() => parseNodeArgs(["--store", dir, "--max-json-bytes", "lots"])).toThrow(UsageError);
    expect(() => parseNodeArgs(["--store", dir, "--max-json-bytes", "0"])).toThrow("--max-json-bytes expects an integer from 1");
  });

  it("has DVID's 3 GiB for bodies and answers by default", () => {
    expect(DEFAULT_LIMITS.maxBodyBytes).toBe(3 * 2 ** 30);
    expect(DEFAULT_LIMITS.maxResponseBytes).toBe(3 * 2 ** 30);
  });
});

describe("compressed bodies", () => {
  it("stops inflating a gzip body at the box's size and answers DVID's length error", async () => {
    const box = [32, 32, 16];
    const bytes = 32 * 32 * 16 * 8;
    const before = await snapshotStore(store);
    const r = await request(`${node.url}${rawPath(root, "seg", box, [0, 0, 0])}?compression=gzip`, {
      method: "POST",
      body: gzipSync(Buffer.alloc(bytes * 40)),
    });
    expect(r.status).toBe(400);
    expect(r.text).toContain(`labels data was ${bytes + 1} bytes, expected ${bytes} bytes`);
    expect(await snapshotStore(store)).toEqual(before);
  });

  it("answers a malformed gzip body and a truncated one with a 400 naming gzip", async () => {
    const path = `${node.url}${rawPath(root, "seg", [16, 16, 16], [0, 0, 0])}?compression=gzip`;
    const bad = await request(path, { method: "POST", body: Buffer.from("not gzip at all") });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("could not decode gzip-compressed labels");
    const whole = gzipSync(pattern(16 ** 3 * 8));
    const cut = await request(path, { method: "POST", body: whole.subarray(0, whole.length >> 1) });
    expect(cut.status).toBe(400);
    expect(cut.text).toContain("could not decode gzip-compressed labels");
  });

  it("round-trips gzip and lz4 label volumes larger than the inline threshold through the worker paths", async () => {
    // 64x64x64 uint64 = 2 MiB; with 4 MiB bodies allowed. lz4 of 16 MiB and more uses a worker thread.
    const big = await startLocalDvid({ store, port: 0, limits: { maxBodyBytes: 64 << 20, maxResponseBytes: 64 << 20 } });
    try {
      const size = [128, 128, 64];
      const data = pattern(128 * 128 * 64 * 8, 7);
      for (const [compression, body] of [["lz4", Buffer.from(lz4CompressBlock(data))], ["gzip", gzipSync(data)]] as const) {
        const path = `${big.url}${rawPath(root, "seg", size, [0, 0, 0])}?compression=${compression}`;
        const put = await request(path, { method: "POST", body });
        expect(put.status).toBe(200);
      }
      const raw = await request(`${big.url}${rawPath(root, "seg", size, [0, 0, 0])}`);
      expect(raw.body.equals(data)).toBe(true);
      const lz4 = await request(`${big.url}${rawPath(root, "seg", size, [0, 0, 0])}?compression=lz4`);
      expect(lz4.status).toBe(200);
      const { lz4DecompressBlock } = await import("../../volume-client/wire/lz4.js");
      expect(Buffer.from(lz4DecompressBlock(lz4.body, data.length)).equals(data)).toBe(true);
    } finally {
      await big.close();
    }
  });
});

describe("caller-chosen UUIDs and store keys", () => {
  it.each([
    ["80 dots", ".".repeat(80)],
    ["60 underscores", "_".repeat(80)],
    ["60 multibyte characters", "€".repeat(60)],
  ])("answers a root UUID of %s with a 400 and leaves it unclaimed", async (_what, uuid) => {
    const before = await snapshotStore(store);
    const r = await request(`${node.url}/api/repos`, { method: "POST", body: { root: uuid } });
    expect(r.status).toBe(400);
    expect(r.text).toContain("'root' is");
    expect(r.text).toContain("as a store name");
    expect(await snapshotStore(store)).toEqual(before);
  });

  it("accepts the longest root UUID that fits, so a retry with a shorter one works", async () => {
    const uuid = ".".repeat(Math.floor((MAX_KEY_SEGMENT_CHARS - 5) / 3));
    const r = await request(`${node.url}/api/repos`, { method: "POST", body: { root: uuid } });
    expect(r.status).toBe(200);
    expect((await request(`${node.url}/api/repo/${encodeURIComponent(uuid)}/info`)).status).toBe(200);
  });

  it("gives a caller-chosen root UUID back when storing its repo fails, so a retry succeeds", async () => {
    const faulty = faultyStore(new MemoryStore());
    const server = await startLocalDvid({ store: faulty.store, port: 0 });
    try {
      faulty.inject({ code: "EIO", ops: ["put"], keyPrefix: "repos/" });
      const failed = await request(`${server.url}/api/repos`, { method: "POST", body: { root: "mine" } });
      expect(failed.status).toBeGreaterThanOrEqual(400);
      expect(await faulty.store.list("uuids/")).toEqual([]);
      faulty.clear();
      const retry = await request(`${server.url}/api/repos`, { method: "POST", body: { root: "mine" } });
      expect({ status: retry.status, text: retry.text }).toEqual({ status: 200, text: '{"root": "mine"}' });
    } finally {
      await server.close();
    }
  });

  it("refuses a tag whose store name would be too long with a 400", async () => {
    const other = await newRepo(node.url);
    const commit = await request(`${node.url}/api/node/${other}/commit`, { method: "POST", body: {} });
    expect(commit.status).toBe(200);
    const r = await request(`${node.url}/api/node/${other}/tag`, { method: "POST", body: { tag: "é".repeat(40) } });
    expect(r.status).toBe(400);
    expect(r.text).toContain("tag is");
  });

  it.each([
    ["FsStore", (): ObjectStore => new FsStore(join(dir, "keys-store"))],
    ["MemoryStore", (): ObjectStore => new MemoryStore()],
  ])("bounds key segments in %s: INVALID_KEY instead of ENAMETOOLONG, and a too-long prefix lists nothing", async (_name, make) => {
    const s = make();
    try {
      const long = `uuids/${"a".repeat(MAX_KEY_SEGMENT_CHARS + 1)}`;
      const fits = `uuids/${"a".repeat(MAX_KEY_SEGMENT_CHARS)}`;
      for (const op of [() => s.put(long, Buffer.from("x")), () => s.get(long), () => s.delete(long)]) {
        const err = await op().then(() => undefined, (e: unknown) => e);
        expect(isLocalDvidError(err, "INVALID_KEY")).toBe(true);
        expect((err as Error).message).toContain(`at most ${MAX_KEY_SEGMENT_CHARS}`);
      }
      await s.put(fits, Buffer.from("x"));
      expect((await s.get(fits))?.data.toString()).toBe("x");
      expect(await s.list(`${long}/`)).toEqual([]);
      expect(await s.hasPrefix(`${"b".repeat(300)}/x`)).toBe(false);
    } finally {
      await s.close();
    }
  });
});

describe("deeply nested JSON", () => {
  const deep = (n: number): string => '{"a":'.repeat(n) + "1" + "}".repeat(n);
  const deepArray = (n: number): string => "[".repeat(n) + "]".repeat(n);
  it.each([
    ["a new repo's root", () => "/api/repos", () => `{"root": ${deepArray(5000)}}`],
    ["an instance setting", () => `/api/repo/${root}/instance`, () => `{"typename":"uint8blk","dataname":"x","BlockSize":${deepArray(5000)}}`],
    ["a node note", () => `/api/node/${root}/note`, () => deep(5000)],
    ["a labels query", () => `/api/node/${root}/seg/labels`, () => deepArray(5000)],
  ])("answers JSON nested 5000 levels in %s with a 400 naming the depth", async (_what, path, body) => {
    const method = path().endsWith("labels") ? "GET" : "POST";
    const r = await request(`${plain.url}${path()}`, { method, body: body() });
    expect(r.status).toBe(400);
    expect(r.text).toContain("nested deeper than 64 levels");
  });
});
