// Hostile and malformed input against one local-dvid node on a filesystem store: over 10,000
// requests with fuzzed paths, sizes, offsets, UUIDs, JSON, keys and names (path traversal too),
// bodies short, long, declared huge, slow or compressed, and many connections at once. Checks:
// no 5xx (beyond the known ones listed below, each named), no crash, no file outside the store
// touched, the store byte-identical after every batch in which every request was refused, and
// the heartbeat answered between batches. The seed is printed; FUZZ_SEED=<n> replays a run.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { FsStore, startLocalDvid, type RunningLocalDvid } from "../../local-dvid/index.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const BATCHES = Number(process.env.FUZZ_BATCHES ?? 46);
const PER_BATCH = 230; // 46 × 230 = 10,580 fuzzed requests (a few hundred the client cannot even send), plus raw sockets and a storm
const CONCURRENCY = 12;

/**
 * 5xx answers known today, each a bug in another helper's area: { why, match(request) }. A 5xx
 * that matches none fails the test. Empty: every 5xx is a failure.
 */
const KNOWN_5XX: { why: string; match: (r: FuzzRequest) => boolean }[] = [];

// ---------------------------------------------------------------------------------------------
// A seeded generator (mulberry32)

let state = SEED >>> 0;
function rand(): number {
  let t = (state = (state + 0x6d2b79f5) >>> 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const chance = (p: number): boolean => rand() < p;

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

// ---------------------------------------------------------------------------------------------
// Pieces

const TRAVERSAL = [
  "..",
  "../..",
  "..%2f..%2fsibling",
  "%2e%2e",
  "%2e%2e%2f%2e%2e%2fsibling%2fsecret.txt",
  "..\\..\\sibling",
  "....//....//sibling",
  "%252e%252e%252f",
  "/etc/passwd",
  "%2fetc%2fpasswd",
  "sibling%00.json",
  "a%00b",
  ".",
  "#owners",
  "x#lock",
  "repos#",
  "~",
  "%",
  "%zz",
  "%c0%ae%c0%ae",
];

function weirdString(): string {
  switch (int(0, 9)) {
    case 0:
      return pick(TRAVERSAL);
    case 1:
      return "a".repeat(pick([1, 60, 200, 256, 400, 401, 1000, 5000]));
    case 2:
      return encodeURIComponent("é漢字🙂".repeat(int(1, 40)));
    case 3:
      return encodeURIComponent(String.fromCharCode(...Array.from({ length: int(1, 20) }, () => int(0, 0x7f))));
    case 4:
      return pick(["", "-", "_", "..", "...", ":", "::", ":master", "~1", "master~99", "%20", "+"]);
    case 5:
      return createHash("md5").update(String(rand())).digest("hex").slice(0, int(1, 40));
    case 6:
      return pick(["grayscale", "labels", "kv", "raw", "info", "key", "keys", "api", "node", "repo"]);
    case 7:
      return `${"._".repeat(int(20, 40))}`;
    case 8:
      return encodeURIComponent("ü".repeat(int(30, 90)));
    default:
      return String(int(-10, 10) * 10 ** int(0, 12));
  }
}

function weirdNumber(): string {
  return pick([
    "0",
    "-1",
    "1",
    "31",
    "32",
    "33",
    "64",
    "-2147483649",
    "2147483647",
    "2147483648",
    "4294967296",
    "9007199254740993",
    "1e3",
    "0x10",
    "1.5",
    "NaN",
    "Infinity",
    "",
    "+1",
    "٣",
    "00000000000000000000032",
    String(int(0, 100000)),
    String(int(-100, 100)),
  ]);
}

const triple = (): string => (chance(0.8) ? [weirdNumber(), weirdNumber(), weirdNumber()] : Array.from({ length: int(0, 5) }, weirdNumber)).join("_");

function weirdJson(): string {
  switch (int(0, 11)) {
    case 0:
      return "{";
    case 1:
      return "[".repeat(int(100, 20000)) + "]".repeat(int(0, 100));
    case 2: {
      const depth = int(100, 8000);
      const key = pick(["a", "log", "note", "typename", "root"]);
      return `{"${key}":`.repeat(depth) + "1" + "}".repeat(chance(0.8) ? depth : int(0, depth));
    }
    case 3: {
      // Caller-chosen root UUIDs become file names: long runs of dots, underscores or
      // multibyte characters.
      const root = chance(0.5) ? weirdString() : pick([".", "_", "ü", "漢", "🙂", "-", "a"]).repeat(int(1, 120));
      return JSON.stringify({ alias: weirdString(), description: weirdString(), root: chance(0.8) ? root : undefined });
    }
    case 4:
      return JSON.stringify({ typename: pick(["uint8blk", "labelblk", "keyvalue", "nosuch", "", 7]), dataname: weirdString(), BlockSize: triple().replace(/_/g, ","), versioned: pick(["true", "maybe", 1, null]) });
    case 5:
      return JSON.stringify({ note: weirdString(), log: chance(0.5) ? [weirdString(), 7, null] : weirdString() });
    case 6:
      return JSON.stringify(Array.from({ length: int(0, 2000) }, () => [int(-5, 5000), int(-5, 5000), int(-5, 5000)]));
    case 7:
      return "\u0000\u0001\u0002garbage";
    case 8:
      return JSON.stringify({ branch: weirdString(), uuid: weirdString(), note: 12 });
    case 9:
      return `{"x": ${"9".repeat(int(10, 400))}}`;
    case 10:
      return JSON.stringify({ __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } });
    default:
      return "";
  }
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Ids {
  uuid: string;
  locked: string;
}

/**
 * Requests that must all be refused: nothing that can create a repo, an instance, a version or a
 * log entry, and every mutation aimed at the locked version.
 */
function hostileRequest(ids: Ids): FuzzRequest {
  for (;;) {
    const r = fuzzRequest({ uuid: ids.locked, locked: ids.locked });
    if (r.path.includes(ids.uuid.slice(0, 4)) && !r.path.includes(ids.locked)) continue;
    if (["repo-create", "instance-create", "node-op", "repo-op"].includes(r.kind)) continue;
    if (r.kind === "headers" && r.method !== "GET") continue; // its paths are on the open version
    // A branch reference (`:master`, `~N`) may name the open leaf; a fuzzed prefix may too.
    if (/:|~|%3a|%7e/i.test(r.path) || r.path.includes(ids.uuid.slice(0, 4))) continue;
    return r;
  }
}

function fuzzRequest(ids: Ids): FuzzRequest {
  const uuid = (): string => (chance(0.6) ? pick([ids.uuid, ids.locked, ids.uuid.slice(0, 6), `${ids.uuid.slice(0, 4)}:master`]) : weirdString());
  const instance = (): string => (chance(0.7) ? pick(["grayscale", "labels", "kv"]) : weirdString());
  switch (int(0, 13)) {
    case 0: // paths of any shape
      return { kind: "path", method: pick(["GET", "HEAD", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"]), path: `/${Array.from({ length: int(0, 8) }, weirdString).join(pick(["/", "//", "/./"]))}` };
    case 1: // api paths with weird segments
      return { kind: "api-path", method: pick(["GET", "POST", "DELETE"]), path: `/api/${pick(["node", "repo", "repos", "server", "help", "load"])}/${uuid()}/${instance()}/${weirdString()}` };
    case 2: // raw geometry
      return {
        kind: "raw-geometry",
        method: pick(["GET", "GET", "POST"]),
        path: `/api/node/${uuid()}/${instance()}/${pick(["raw", "isotropic"])}/${pick(["0_1_2", "0_1", "0_1_2_3", "2_1_0", "xy", "xz", "yz", weirdString()])}/${triple()}/${triple()}${pick(["", "?nonaligned=true", "?compression=gzip", "?compression=lz4", "?compression=" + weirdString(), "?throttle=true", "?roi=" + weirdString()])}`,
        body: Buffer.alloc(int(0, 4096), int(0, 255)),
      };
    case 3: // aligned POST with a short or long body
      return {
        kind: "raw-body-length",
        method: "POST",
        path: `/api/node/${ids.uuid}/grayscale/raw/0_1_2/32_32_32/${pick(["0_0_0", "32_0_0", "0_32_64"])}${pick(["", "?nonaligned=true"])}`,
        body: Buffer.alloc(pick([0, 1, 32767, 32769, 65536, int(0, 40000)]), 3),
      };
    case 4: // compressed bodies that are not what they claim
      return {
        kind: "raw-compressed",
        method: "POST",
        path: `/api/node/${ids.uuid}/labels/raw/0_1_2/32_32_32/0_0_0?compression=${pick(["gzip", "lz4", "snappy", "jpeg"])}`,
        body: pick([Buffer.alloc(int(0, 300), int(0, 255)), gzipSync(Buffer.alloc(int(1, 5) * 100000)), gzipSync(Buffer.alloc(8 * 32 ** 3 + 8)), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])]),
      };
    case 5: // slices and labels
      return {
        kind: "slice-label",
        method: pick(["GET", "POST"]),
        path: `/api/node/${uuid()}/${pick(["grayscale", "labels"])}/${pick(["raw/xy", "raw/xz", "raw/yz", "label", "labels", "isotropic/xy"])}/${triple()}/${triple()}${pick(["", "/png", "/jpg", "/" + weirdString()])}`,
        body: weirdJson(),
      };
    case 6: // keyvalue keys with traversal
      return {
        kind: "kv-key",
        method: pick(["GET", "HEAD", "POST", "DELETE"]),
        path: `/api/node/${uuid()}/${pick(["kv", "kv", weirdString()])}/${pick(["key", "keys", "keyrange"])}/${weirdString()}${chance(0.3) ? `/${weirdString()}` : ""}`,
        body: chance(0.5) ? weirdString() : Buffer.alloc(int(0, 2000)),
      };
    case 7: // repos with weird roots, aliases and JSON
      return { kind: "repo-create", method: "POST", path: pick(["/api/repos", "/api/repos?admintoken=" + weirdString(), "/api/repos/" + weirdString()]), body: weirdJson() };
    case 8: // instance creation
      return { kind: "instance-create", method: "POST", path: `/api/repo/${uuid()}/instance`, body: weirdJson() };
    case 9: // version operations
      return { kind: "node-op", method: "POST", path: `/api/node/${uuid()}/${pick(["commit", "newversion", "branch", "log", "note", "tag", "status", "resolve", weirdString()])}`, body: weirdJson() };
    case 10: // repo operations
      return { kind: "repo-op", method: pick(["GET", "POST"]), path: `/api/repo/${uuid()}/${pick(["info", "log", "merge", "branch-versions/" + weirdString(), "resolve", weirdString()])}`, body: weirdJson() };
    case 11: // header abuse
      return {
        kind: "headers",
        method: pick(["GET", "POST"]),
        path: pick([`/api/node/${ids.uuid}/grayscale/raw/0_1_2/8_8_8/0_0_0`, "/api/heartbeat", `/api/node/${ids.uuid}/kv/key/a`, "/api/repos/info"]),
        headers: pick<Record<string, string>>([
          { "Content-Encoding": "gzip" },
          { "Content-Type": "application/json; charset=" + weirdString() },
          { Range: "bytes=" + weirdNumber() + "-" + weirdNumber() },
          { "Transfer-Encoding": "chunked" },
          { Expect: "100-continue" },
          { Host: weirdString() || "x" },
          { Origin: "http://evil.example" },
          { "Accept-Encoding": "gzip, br, lz4" },
        ]),
        body: chance(0.5) ? Buffer.alloc(int(0, 600), 1) : undefined,
      };
    case 12: // block endpoints
      return {
        kind: "blocks",
        method: pick(["GET", "POST"]),
        path: `/api/node/${uuid()}/${pick(["grayscale", "labels"])}/${pick(["blocks", "subvolblocks", "specificblocks"])}/${triple()}/${triple()}${pick(["", "?compression=" + pick(["uncompressed", "jpeg", "lz4", "gzip", "lz4-stored", weirdString()]), "?blocks=" + Array.from({ length: int(0, 30) }, weirdNumber).join(",")])}`,
        body: Buffer.alloc(int(0, 500), 2),
      };
    default: // server endpoints with queries
      return { kind: "server", method: pick(["GET", "POST", "HEAD"]), path: `/api/${pick(["server/info", "server/note", "server/types", "server/compiled-types", "help", "load", "heartbeat", "repos/info"])}?${weirdString()}=${weirdString()}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Sending

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
/** The last request sent on each socket, to name what came before a connection the server cut. */
const lastOnSocket = new WeakMap<object, string>();

interface Outcome {
  status: number; // 0: no answer (connection error or timeout)
  text: string;
  error?: string;
}

function send(base: URL, r: FuzzRequest, timeoutMs = 30_000): Promise<Outcome> {
  const bodyMethod = ["POST", "PUT", "PATCH"].includes(r.method);
  const withBody = bodyMethod || chance(0.1);
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: Outcome): void => {
      if (!done) {
        done = true;
        resolve(o);
      }
    };
    let req: http.ClientRequest;
    try {
      req = http.request(
        // A GET, HEAD or DELETE with a body goes on a connection of its own: Node's HTTP server
        // (not local-dvid: a bare http.createServer does the same) closes a keep-alive
        // connection after answering such a request whose body it did not read, still saying
        // "keep-alive", so the next request on that pooled socket would see "socket hang up".
        { host: base.hostname, port: base.port, method: r.method, path: r.path, headers: r.headers, agent: withBody && !bodyMethod ? false : agent, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            if (size < 4096) chunks.push(c);
            size += c.length;
          });
          res.on("end", () => finish({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8").slice(0, 400) }));
          res.on("error", (err) => finish({ status: res.statusCode ?? 0, text: "", error: err.message }));
        },
      );
    } catch (err) {
      // The client refuses to build the request (an invalid path or header): nothing was sent.
      finish({ status: -1, text: "", error: (err as Error).message });
      return;
    }
    req.on("timeout", () => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    let previous: string | undefined;
    req.on("socket", (socket) => {
      previous = lastOnSocket.get(socket);
      lastOnSocket.set(socket, `${r.method} ${r.path.slice(0, 200)} (${r.kind}, headers ${JSON.stringify(r.headers ?? {})}, body ${r.body?.length ?? 0})`);
    });
    req.on("error", (err) =>
      finish({ status: 0, text: "", error: `${err.message}${req.reusedSocket ? `, on a keep-alive socket reused after: ${previous}` : ""}` }),
    );
    req.end(withBody ? r.body : undefined);
  });
}

/** Raw socket: `head` then `body` (optionally in slow pieces), resolves with the status line or "closed"/"silent". */
function rawSocket(port: number, head: string, body: Buffer, options: { pieces?: number; pauseMs?: number; closeAfterMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(answer ? answer.split("\r\n")[0]! : "silent");
    }, options.closeAfterMs ?? 5000);
    socket.on("data", (d) => {
      answer += d.toString("latin1");
      if (answer.includes("\r\n\r\n")) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer.split("\r\n")[0]!);
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer ? answer.split("\r\n")[0]! : "closed");
    });
    socket.write(head);
    const pieces = options.pieces ?? 1;
    const size = Math.ceil(body.length / pieces);
    let i = 0;
    const next = (): void => {
      if (i >= pieces || socket.destroyed) return;
      socket.write(body.subarray(i * size, (i + 1) * size));
      i++;
      setTimeout(next, options.pauseMs ?? 0);
    };
    next();
  });
}

// ---------------------------------------------------------------------------------------------
// Store and surroundings

/** sha256 of every object file under `dir` (owner, lock and temp files left out). */
async function digest(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (e.name === "#owners" || e.name.endsWith("#lock") || e.name.includes("#tmp.")) continue;
      const path = join(d, e.name);
      hash.update(path.slice(dir.length) + "\n");
      if (e.isDirectory()) await walk(path);
      else hash.update(await readFile(path));
    }
  };
  await walk(dir);
  return hash.digest("hex");
}

/** Every path under `dir` except those under `skip`, with its size. */
async function listing(dir: string, skip: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (path === skip) continue;
      out.push(path);
      if (e.isDirectory()) await walk(path);
    }
  };
  await walk(dir);
  return out.sort();
}

// ---------------------------------------------------------------------------------------------

let dir: string;
let storeDir: string;
let store: FsStore;
let node: RunningLocalDvid;
let base: URL;
let ids: Ids;

beforeAll(async () => {
  process.stdout.write(`fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED})\n`);
  dir = await createTempDir("fuzz");
  storeDir = join(dir, "store");
  mkdirSync(join(dir, "sibling"));
  writeFileSync(join(dir, "sibling", "secret.txt"), "do not touch");
  writeFileSync(join(dir, "sibling.json"), "{}");
  store = new FsStore(storeDir);
  node = await startLocalDvid({ store, port: 0 });
  base = new URL(node.url);
  const post = (path: string, body: string | Buffer): Promise<Outcome> => send(base, { kind: "setup", method: "POST", path, body });
  const repo = await post("/api/repos", JSON.stringify({ alias: "fuzz" }));
  const locked = JSON.parse(repo.text).root as string;
  for (const [type, name] of [["uint8blk", "grayscale"], ["labelblk", "labels"], ["keyvalue", "kv"]]) {
    expect((await post(`/api/repo/${locked}/instance`, JSON.stringify({ typename: type, dataname: name, BlockSize: "32,32,32" }))).status).toBe(200);
  }
  expect((await post(`/api/node/${locked}/grayscale/raw/0_1_2/64_32_32/0_0_0`, Buffer.alloc(64 * 32 * 32, 9))).status).toBe(200);
  expect((await post(`/api/node/${locked}/kv/key/a`, "A")).status).toBe(200);
  expect((await post(`/api/node/${locked}/commit`, JSON.stringify({ note: "locked" }))).status).toBe(200);
  const child = await post(`/api/node/${locked}/newversion`, "{}");
  ids = { locked, uuid: JSON.parse(child.text).child as string };
});

afterAll(async () => {
  agent.destroy();
  await node?.close();
  await store?.close();
  await removeTempDir(dir);
});

describe(`fuzzing one node (seed ${SEED})`, () => {
  it("answers over 10,000 hostile requests without a 5xx or a crash, touches nothing outside its store, and changes nothing when it refuses", async () => {
    const outside = async (): Promise<string[]> => {
      const files = await listing(dir, storeDir);
      return Promise.all(files.map(async (f) => `${f} ${f.endsWith(".txt") || f.endsWith(".json") ? await readFile(f, "utf8") : "dir"}`));
    };
    const outsideBefore = await outside();
    const unexpected5xx: string[] = [];
    const known5xx = new Map<string, number>();
    const unanswered: string[] = [];
    const storeChanged: string[] = [];
    const acceptedHostile: string[] = [];
    const kinds = new Map<string, number>();
    let requests = 0;
    let refusedBatches = 0;

    for (let b = 0; b < BATCHES; b++) {
      // Odd batches hold only requests that must be refused: the store must not change at all.
      const hostile = b % 2 === 1;
      const batch = Array.from({ length: PER_BATCH }, () => (hostile ? hostileRequest(ids) : fuzzRequest(ids)));
      const before = hostile ? await digest(storeDir) : "";
      const outcomes: Outcome[] = new Array(batch.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batch.length) {
            const i = next++;
            outcomes[i] = await send(base, batch[i]!);
          }
        }),
      );
      let accepted = false;
      batch.forEach((r, i) => {
        const o = outcomes[i]!;
        if (o.status === -1) return; // not sendable
        requests++;
        kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
        const what = `${r.method} ${r.path.slice(0, 300)} (${r.kind}, body ${r.body?.length ?? 0}) → ${o.status} ${o.text.slice(0, 200)}${o.error ?? ""}`;
        const mutation = !["GET", "HEAD", "OPTIONS"].includes(r.method);
        if (mutation && o.status >= 200 && o.status < 300) {
          accepted = true;
          if (hostile) acceptedHostile.push(what);
        }
        if (o.status === 0) unanswered.push(what);
        else if (o.status >= 500) {
          const known = KNOWN_5XX.find((k) => k.match(r));
          if (known) known5xx.set(known.why, (known5xx.get(known.why) ?? 0) + 1);
          else unexpected5xx.push(what);
        }
      });
      if (hostile && !accepted) {
        refusedBatches++;
        const after = await digest(storeDir);
        if (after !== before) storeChanged.push(`batch ${b}: every write refused, yet the store changed`);
      }
      // The heartbeat answers between batches.
      const beat = await send(base, { kind: "heartbeat", method: "GET", path: "/api/heartbeat" });
      expect([b, beat.status]).toEqual([b, 200]);
    }

    // Raw-socket cases: declared huge bodies, short bodies, slow bodies, garbage.
    const port = Number(base.port);
    const head = (path: string, length: number | string, extra = ""): string => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${length}\r\n${extra}\r\n`;
    const raw = `/api/node/${ids.uuid}/grayscale/raw/0_1_2/32_32_32/0_0_0`;
    const beforeRaw = await digest(storeDir);
    const rawCases: [string, Promise<string>][] = [
      ["huge declared length", rawSocket(port, head(raw, 5 * 2 ** 30), Buffer.alloc(1000))],
      ["huge declared length, gzip", rawSocket(port, head(`${raw.replace("grayscale", "labels")}?compression=gzip`, 4.5 * 2 ** 30), gzipSync(Buffer.alloc(1000)))],
      ["huge declared length, lz4", rawSocket(port, head(`${raw.replace("grayscale", "labels")}?compression=lz4`, 2 ** 40), Buffer.alloc(100))],
      ["huge declared JSON", rawSocket(port, head("/api/repos", 2 ** 34), Buffer.from("{"))],
      ["huge declared key value", rawSocket(port, head(`/api/node/${ids.uuid}/kv/key/big`, 2 ** 33), Buffer.alloc(10))],
      ["short body then close", rawSocket(port, head(raw, 32 ** 3), Buffer.alloc(100), { closeAfterMs: 300 })],
      ["slow body then close", rawSocket(port, head(raw, 32 ** 3), Buffer.alloc(3000), { pieces: 6, pauseMs: 100, closeAfterMs: 1500 })],
      ["negative length", rawSocket(port, head(raw, -1), Buffer.alloc(10))],
      ["two lengths", rawSocket(port, head(raw, 10, "Content-Length: 20\r\n"), Buffer.alloc(10))],
      ["garbage request line", rawSocket(port, "\u0000\u0001 GARBAGE\r\n\r\n", Buffer.alloc(0))],
      ["bad chunked body", rawSocket(port, `POST ${raw} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`, Buffer.from("zz\r\nabc\r\n0\r\n\r\n"))],
    ];
    const rawOutcomes: string[] = [];
    for (const [what, p] of rawCases) {
      const line = await p;
      rawOutcomes.push(`${what}: ${line}`);
      requests++;
      if (/ 5\d\d /.test(line)) unexpected5xx.push(`raw socket, ${what} → ${line}`);
    }
    expect(await digest(storeDir)).toBe(beforeRaw); // none of them may write anything

    // Many connections at once: 400 sockets, half of them abandoned midway.
    const storm = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        i % 2 === 0
          ? send(base, { kind: "storm", method: "GET", path: "/api/heartbeat" }, 60_000).then((o) => o.status)
          : rawSocket(port, `GET /api/heartbeat HTTP/1.1\r\nHost: x\r\n`, Buffer.alloc(0), { closeAfterMs: 200 }).then(() => 200),
      ),
    );
    requests += storm.length;
    expect(storm.filter((s) => s !== 200)).toEqual([]);
    expect((await send(base, { kind: "heartbeat", method: "GET", path: "/api/heartbeat" })).status).toBe(200);

    process.stdout.write(
      `fuzz: seed ${SEED}: ${requests} requests (${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")}); ${refusedBatches} of ${BATCHES} batches of writes that must be refused (store compared before and after); raw sockets: ${rawOutcomes.join("; ")}${
        known5xx.size ? `; known 5xx: ${[...known5xx].map(([w, n]) => `${n}× ${w}`).join("; ")}` : ""
      }\n`,
    );
    expect(unexpected5xx.slice(0, 20)).toEqual([]);
    expect(unanswered.slice(0, 20)).toEqual([]);
    expect(acceptedHostile.slice(0, 20)).toEqual([]);
    expect(storeChanged).toEqual([]);
    expect(refusedBatches).toBe(Math.floor(BATCHES / 2));
    if (process.env.FUZZ_BATCHES === undefined) expect(requests).toBeGreaterThanOrEqual(10_000);
    expect(await outside()).toEqual(outsideBefore);
    // The data written before the fuzz reads back unchanged.
    const back = await send(base, { kind: "check", method: "GET", path: `/api/node/${ids.locked}/kv/key/a` });
    expect([back.status, back.text]).toEqual([200, "A"]);
  }, 240_000);
});
