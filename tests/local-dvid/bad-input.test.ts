// Malformed requests of every kind get DVID's 4xx (text/plain, `<message> (<path>).\n` for 400s),
// never a 500 or a crash, and leave the store exactly as it was.
import { beforeAll, describe, expect, it } from "@jest/globals";
import http from "node:http";
import { commit, newInstance, newRepo, rawPath, request, snapshotStore, useCluster } from "./server-helpers.js";

const c = useCluster(1);
let root: string;
let locked: string;
beforeAll(async () => {
  locked = await newRepo(c.url);
  await newInstance(c.url, locked, "uint8blk", "gray", { BlockSize: "8,8,8" });
  await commit(c.url, locked);
  root = await newRepo(c.url);
  await newInstance(c.url, root, "uint8blk", "gray", { BlockSize: "8,8,8" });
  await newInstance(c.url, root, "labelblk", "seg", { BlockSize: "8,8,8" });
  await newInstance(c.url, root, "keyvalue", "kv");
  await request(`${c.url}${rawPath(root, "gray", [8, 8, 8], [0, 0, 0])}`, { method: "POST", body: Buffer.alloc(512, 1) });
});

interface Case {
  name: string;
  method?: string;
  path: () => string;
  /** A function when it needs values that exist only once the suite set up. */
  body?: Buffer | string | object | (() => object);
  headers?: Record<string, string | number>;
  status: number;
  message: string;
}

const R = (): string => root;
const cases: Case[] = [
  // UUIDs and names
  { name: "unknown UUID", path: () => `/api/node/0000/gray/info`, status: 400, message: "could not find UUID with partial match to 0000" },
  { name: "two colons", path: () => `/api/node/${R()}:a:b/gray/info`, status: 400, message: "bad UUID specification" },
  { name: "unknown branch", path: () => `/api/node/${R()}:nope/gray/info`, status: 400, message: 'branch "nope" not found' },
  { name: "unknown instance", path: () => `/api/node/${R()}/nothere/info`, status: 400, message: "invalid data instance name" },
  { name: "bad percent escape", path: () => `/api/node/${R()}/gray/raw/%zz`, status: 400, message: "invalid URL escape" },
  // raw geometry
  { name: "raw without size", path: () => `/api/node/${R()}/gray/raw/0_1_2`, status: 400, message: "must be followed by shape/size/offset" },
  { name: "bad shape", path: () => `/api/node/${R()}/gray/raw/3d/8_8_8/0_0_0`, status: 400, message: "Unknown data shape specification (3d)" },
  { name: "float size", path: () => `/api/node/${R()}/gray/raw/0_1_2/8.5_8_8/0_0_0`, status: 400, message: "invalid syntax" },
  { name: "4-d size", path: () => `/api/node/${R()}/gray/raw/0_1_2/8_8_8_8/0_0_0`, status: 400, message: "Size must be 3 (not 4) dimensions" },
  { name: "empty size", path: () => `/api/node/${R()}/gray/raw/0_1_2//0_0_0`, status: 400, message: "invalid syntax" },
  { name: "zero size", path: () => `/api/node/${R()}/gray/raw/0_1_2/8_0_8/0_0_0`, status: 400, message: "Illegal geometry requested" },
  { name: "int32 overflow", path: () => `/api/node/${R()}/gray/raw/0_1_2/8_8_8/2147483647_0_0`, status: 400, message: "Illegal geometry requested" },
  { name: "huge GET", path: () => `/api/node/${R()}/seg/raw/0_1_2/1024_1024_1024/0_0_0`, status: 400, message: "exceeds this DVID server's set limit (3221225472)" },
  { name: "2-d size of 3", path: () => `/api/node/${R()}/gray/raw/xy/8_8_8/0_0_0`, status: 400, message: "Size must be 2" },
  { name: "jpeg slice", path: () => `/api/node/${R()}/gray/raw/xy/8_8/0_0_0/jpg:80`, status: 400, message: "png only" },
  { name: "roi mask", path: () => `${rawPath(R(), "gray", [8, 8, 8], [0, 0, 0])}?roi=mask`, status: 400, message: "roi masking is not supported" },
  { name: "unknown label compression", path: () => `${rawPath(R(), "seg", [8, 8, 8], [0, 0, 0])}?compression=snappy`, status: 400, message: "compression=snappy" },
  { name: "label without point", path: () => `/api/node/${R()}/seg/label`, status: 400, message: "label requires a voxel coordinate" },
  { name: "label 2-d point", path: () => `/api/node/${R()}/seg/label/1_2`, status: 400, message: "Expected 3d coordinate" },
  // raw POST bodies
  { name: "short body", method: "POST", path: () => rawPath(R(), "gray", [8, 8, 8], [8, 0, 0]), body: Buffer.alloc(511), status: 400, message: "voxels data was 511 bytes, expected 512 bytes" },
  { name: "empty body", method: "POST", path: () => rawPath(R(), "gray", [8, 8, 8], [8, 0, 0]), body: Buffer.alloc(0), status: 400, message: "voxels data was 0 bytes" },
  { name: "non-aligned", method: "POST", path: () => rawPath(R(), "gray", [8, 8, 8], [4, 0, 0]), body: Buffer.alloc(512), status: 400, message: "non-block aligned geometry" },
  { name: "huge POST", method: "POST", path: () => rawPath(R(), "gray", [2048, 2048, 1024], [0, 0, 0]), body: Buffer.alloc(8), status: 400, message: "exceeds this DVID server's set limit" },
  { name: "2-d POST", method: "POST", path: () => `/api/node/${R()}/gray/raw/xy/8_8/0_0_0`, body: Buffer.alloc(64), status: 400, message: "DVID does not permit 2d mutations" },
  { name: "bad lz4 body", method: "POST", path: () => `${rawPath(R(), "seg", [8, 8, 8], [0, 0, 0])}?compression=lz4`, body: Buffer.from([0xff, 0xff, 0xff]), status: 400, message: "lz4" },
  { name: "write to locked", method: "POST", path: () => rawPath(locked, "gray", [8, 8, 8], [0, 0, 0]), body: Buffer.alloc(512), status: 400, message: "of locked node" },
  { name: "patch to locked", method: "POST", path: () => `${rawPath(locked, "gray", [1, 1, 1], [0, 0, 0])}?nonaligned=true`, body: Buffer.alloc(1), status: 400, message: "of locked node" },
  // JSON bodies
  { name: "repos: not an object", method: "POST", path: () => `/api/repos`, body: "[1]", status: 400, message: "Error decoding POSTed JSON config for new repo" },
  { name: "repos: root too long", method: "POST", path: () => `/api/repos`, body: { root: "x".repeat(200) }, status: 400, message: "'root' must be 1 to 80 characters" },
  { name: "instance: empty body", method: "POST", path: () => `/api/repo/${R()}/instance`, body: "", status: 400, message: "Error decoding POSTed JSON config for 'new': EOF" },
  { name: "instance: number typename", method: "POST", path: () => `/api/repo/${R()}/instance`, body: { typename: 8, dataname: "x" }, status: 400, message: "valid 'typename'" },
  { name: "instance: huge block", method: "POST", path: () => `/api/repo/${R()}/instance`, body: { typename: "uint64blk", dataname: "x", BlockSize: "1024,1024,1024" }, status: 400, message: "BlockSize must be" },
  { name: "instance: bad background", method: "POST", path: () => `/api/repo/${R()}/instance`, body: { typename: "uint8blk", dataname: "x", Background: "300" }, status: 400, message: "value out of range" },
  { name: "instance: bad tags", method: "POST", path: () => `/api/repo/${R()}/instance`, body: { typename: "uint8blk", dataname: "x", Tags: "novalue" }, status: 400, message: "Tags must be" },
  { name: "commit: note not a string", method: "POST", path: () => `/api/node/${R()}/commit`, body: { note: 1 }, status: 400, message: "Malformed JSON request in body" },
  { name: "commit: broken JSON", method: "POST", path: () => `/api/node/${R()}/commit`, body: "{", status: 400, message: "Malformed JSON request in body" },
  { name: "commit: log not strings", method: "POST", path: () => `/api/node/${R()}/commit`, body: { log: [1, 2] }, status: 400, message: "Malformed JSON request in body" },
  { name: "newversion: unlocked", method: "POST", path: () => `/api/node/${R()}/newversion`, status: 400, message: "can't branch an unlocked node" },
  { name: "branch: array body", method: "POST", path: () => `/api/node/${R()}/branch`, body: [1], status: 400, message: "Malformed JSON request in body" },
  { name: "tag: missing", method: "POST", path: () => `/api/node/${locked}/tag`, body: {}, status: 400, message: "tag must be" },
  { name: "node log: not a list", method: "POST", path: () => `/api/node/${R()}/log`, body: { log: "x" }, status: 400, message: "Malformed JSON request in body" },
  { name: "repo log: empty", method: "POST", path: () => `/api/repo/${R()}/log`, body: "", status: 400, message: "Could not find 'log' value" },
  { name: "merge: empty body", method: "POST", path: () => `/api/repo/${R()}/merge`, body: "", status: 400, message: "unexpected end of JSON input" },
  { name: "merge: parents not strings", method: "POST", path: () => `/api/repo/${R()}/merge`, body: { parents: [1, 2] }, status: 400, message: "Malformed JSON request in body" },
  { name: "merge: unlocked parents", method: "POST", path: () => `/api/repo/${R()}/merge`, body: () => ({ mergeType: "conflict-free", parents: [R(), locked] }), status: 400, message: "one repo" },
  { name: "extents: not points", method: "POST", path: () => `/api/node/${R()}/gray/extents`, body: { MinPoint: [0, 0], MaxPoint: [1, 1, 1] }, status: 400, message: "extents must be JSON" },
  { name: "resolution: strings", method: "POST", path: () => `/api/node/${R()}/gray/resolution`, body: ["a", "b", "c"], status: 400, message: "resolution must be" },
  { name: "labels: not points", method: "GET", path: () => `/api/node/${R()}/seg/labels`, body: { a: 1 }, status: 400, message: "labels expects" },
  { name: "labels: empty body", method: "GET", path: () => `/api/node/${R()}/seg/labels`, status: 400, message: "unexpected end of JSON input" },
  { name: "JSON over 16 MiB", method: "POST", path: () => `/api/node/${R()}/note`, body: Buffer.alloc(17 * 1024 * 1024, 32), status: 400, message: "exceeds this server's limit" },
  // keyvalue
  { name: "key: missing name", method: "GET", path: () => `/api/node/${R()}/kv/key`, status: 400, message: "requires a key name" },
  { name: "keyrange: one key", path: () => `/api/node/${R()}/kv/keyrange/a`, status: 400, message: "keyrange requires two keys" },
  { name: "kv: PUT", method: "PUT", path: () => `/api/node/${R()}/kv/key/a`, body: "x", status: 400, message: "can only handle" },
  // routes
  { name: "unrouted", path: () => `/api/repo/${R()}/info/extra`, status: 404, message: "404 page not found" },
  { name: "node action with more segments (an instance route)", path: () => `/api/node/${R()}/commit/extra`, status: 400, message: "invalid data instance name" },
  { name: "missing key is a 404", path: () => `/api/node/${R()}/kv/key/none`, status: 404, message: 'Key "none" not found' },
];

/** The path as DVID prints it in error texts: decoded, without the query (as sent when undecodable). */
function shownPath(path: string): string {
  const p = path.split("?")[0];
  try {
    return decodeURIComponent(p);
  } catch {
    return path;
  }
}

describe("malformed requests", () => {
  it.each(cases)("answers $name with $status and changes nothing", async (tc) => {
    const before = await snapshotStore(c.store);
    const path = tc.path();
    const body = typeof tc.body === "function" ? tc.body() : tc.body;
    const r = await request(`${c.url}${path}`, { method: tc.method ?? "GET", body, headers: tc.headers });
    expect({ status: r.status, text: r.text }).toEqual({ status: tc.status, text: expect.stringContaining(tc.message) });
    expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(r.text.endsWith("\n")).toBe(true);
    if (tc.status === 400) expect(r.text.endsWith(` (${shownPath(path)}).\n`)).toBe(true);
    expect(await snapshotStore(c.store)).toEqual(before);
  });
});

describe("connections after an early rejection", () => {
  it("keeps a keep-alive connection usable after rejecting a large body before reading it", async () => {
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const send = (path: string, body?: Buffer): Promise<{ status: number; socket: unknown }> =>
        new Promise((resolve, reject) => {
          const req = http.request(`${c.url}${path}`, { method: body ? "POST" : "GET", agent: keepAlive }, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0, socket: req.socket }));
          });
          req.on("error", reject);
          req.end(body);
        });
      const rejected = await send(rawPath(root, "gray", [8, 8, 8], [4, 0, 0]), Buffer.alloc(8 * 1024 * 1024));
      expect(rejected.status).toBe(400);
      const started = Date.now();
      const next = await send(`/api/heartbeat`);
      expect(next.status).toBe(200);
      expect(next.socket).toBe(rejected.socket);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      keepAlive.destroy();
    }
  });

  it("answers a request declaring a multi-gigabyte body with 400 without waiting for it", async () => {
    const result = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${c.url}${rawPath(root, "gray", [8, 8, 8], [0, 0, 0])}`, {
        method: "POST",
        headers: { "content-length": 5 * 2 ** 30 },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.write(Buffer.alloc(1024));
    });
    expect(result.status).toBe(400);
    expect(result.text).toContain("voxels data was 5368709120 bytes, expected 512 bytes");
  });

  it("keeps serving, with whole blocks only, after a client disconnects in the middle of a POST body", async () => {
    const path = rawPath(root, "gray", [8, 8, 64], [64, 0, 0]);
    await new Promise<void>((resolve) => {
      const req = http.request(`${c.url}${path}`, { method: "POST", headers: { "content-length": 8 * 8 * 64 } });
      req.on("error", () => resolve());
      // Three and a half blocks of 7s, then the connection drops.
      req.write(Buffer.alloc(8 * 8 * 28, 7), () => setTimeout(() => req.destroy(), 50));
    });
    expect((await request(`${c.url}/api/heartbeat`)).text).toBe("OK");
    const body = (await request(`${c.url}${path}`)).body;
    for (let b = 0; b < 8; b++) {
      const block = body.subarray(b * 512, (b + 1) * 512);
      expect(block.every((v) => v === block[0])).toBe(true);
      expect([0, 7]).toContain(block[0]);
    }
  });
});
