// Test helpers for the local-dvid server suites: real servers on port 0 over a shared store, and
// a plain node:http client (it can send a body with GET, which DVID's `labels` needs and fetch
// refuses).
import http, { type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, expect } from "@jest/globals";
import { startLocalDvid, type RunningLocalDvid, type StartOptions } from "../../local-dvid/server.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import type { ByteRange, ObjectStore, PutOptions, SliceInfo, StoredObject } from "../../local-dvid/store/object-store.js";

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

export function request(
  url: string,
  options: { method?: string; body?: Uint8Array | string | object; headers?: Record<string, string | number> } = {},
): Promise<Reply> {
  const { method = "GET" } = options;
  let body: Buffer | undefined;
  if (options.body instanceof Uint8Array) body = Buffer.from(options.body.buffer, options.body.byteOffset, options.body.byteLength);
  else if (typeof options.body === "string") body = Buffer.from(options.body, "utf8");
  else if (options.body !== undefined) body = Buffer.from(JSON.stringify(options.body), "utf8");
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...(options.headers ?? {}) };
    if (body !== undefined && headers["content-length"] === undefined && headers["transfer-encoding"] === undefined) {
      headers["content-length"] = body.length;
    }
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      let ended = false;
      res.on("data", (c: Buffer) => chunks.push(c));
      // A body cut short (the server destroyed the connection after the headers) is an error,
      // never a hang.
      res.on("close", () => {
        if (!ended) reject(new Error(`${method} ${url}: the response was cut after ${Buffer.concat(chunks).length} bytes`));
      });
      res.on("end", () => {
        ended = true;
        const buf = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: buf,
          text: buf.toString("utf8"),
          json: () => JSON.parse(buf.toString("utf8")),
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export interface Cluster {
  store: ObjectStore;
  servers: RunningLocalDvid[];
  urls: string[];
  url: string;
  close(): Promise<void>;
}

export type ClusterOptions = Partial<StartOptions> & { store?: ObjectStore; perServer?: (i: number) => Partial<StartOptions> };

/** `n` servers sharing one store (a MemoryStore unless given). */
export async function startCluster(n = 1, options: ClusterOptions = {}): Promise<Cluster> {
  const { perServer, ...rest } = options;
  const store = options.store ?? new MemoryStore();
  const servers = await Promise.all(
    Array.from({ length: n }, (_, i) => startLocalDvid({ ...rest, ...(perServer?.(i) ?? {}), store })),
  );
  return {
    store,
    servers,
    urls: servers.map((s) => s.url),
    url: servers[0].url,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}

/**
 * `n` servers on one store for the whole test file: started before its first test, stopped
 * (with the shared keep-alive agent) after its last. Its fields can be read in tests and hooks.
 */
export function useCluster(n = 1, options: ClusterOptions = {}): Cluster {
  let started: Cluster | undefined;
  beforeAll(async () => {
    started = await startCluster(n, options);
  });
  afterAll(async () => {
    await started?.close();
    agent.destroy();
  });
  const get = (): Cluster => {
    if (!started) throw new Error("the test file's cluster is not started yet; read it inside tests and hooks");
    return started;
  };
  return {
    get store() {
      return get().store;
    },
    get servers() {
      return get().servers;
    },
    get urls() {
      return get().urls;
    },
    get url() {
      return get().url;
    },
    close: () => get().close(),
  };
}

export async function newRepo(url: string, body: object = {}, query = ""): Promise<string> {
  const r = await request(`${url}/api/repos${query}`, { method: "POST", body });
  expect(r.status).toBe(200);
  return r.json<{ root: string }>().root;
}

export async function newInstance(url: string, uuid: string, typename: string, dataname: string, extra: object = {}): Promise<void> {
  const r = await request(`${url}/api/repo/${uuid}/instance`, { method: "POST", body: { typename, dataname, ...extra } });
  if (r.status !== 200) throw new Error(`instance creation failed: ${r.status} ${r.text}`);
}

export async function commit(url: string, uuid: string, note = "committed"): Promise<void> {
  const r = await request(`${url}/api/node/${uuid}/commit`, { method: "POST", body: { note } });
  if (r.status !== 200) throw new Error(`commit failed: ${r.status} ${r.text}`);
}

export async function newVersion(url: string, uuid: string): Promise<string> {
  const r = await request(`${url}/api/node/${uuid}/newversion`, { method: "POST" });
  if (r.status !== 200) throw new Error(`newversion failed: ${r.status} ${r.text}`);
  return r.json<{ child: string }>().child;
}

export async function branch(url: string, uuid: string, name: string): Promise<string> {
  const r = await request(`${url}/api/node/${uuid}/branch`, { method: "POST", body: { branch: name } });
  if (r.status !== 200) throw new Error(`branch failed: ${r.status} ${r.text}`);
  return r.json<{ child: string }>().child;
}

export function rawPath(uuid: string, name: string, size: readonly number[], offset: readonly number[]): string {
  return `/api/node/${uuid}/${name}/raw/0_1_2/${size.join("_")}/${offset.join("_")}`;
}

/** Asserts DVID's client-error shape: status, text/plain, `<message> (<path>).\n`. */
export function expectDvidError(reply: Reply, status: number, message: RegExp | string, path?: string): void {
  expect({ status: reply.status, text: reply.text }).toEqual({ status, text: expect.any(String) });
  expect(reply.headers["content-type"]).toBe("text/plain; charset=utf-8");
  expect(reply.text.endsWith("\n")).toBe(true);
  if (typeof message === "string") expect(reply.text).toContain(message);
  else expect(reply.text).toMatch(message);
  if (path !== undefined) expect(reply.text.endsWith(` (${path}).\n`)).toBe(true);
}

/** Every key and its bytes, to show a rejected request changed nothing. */
export async function snapshotStore(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of await store.list("")) {
    const obj = await store.get(key);
    if (obj) out.set(key, obj.data.toString("base64"));
  }
  return out;
}

/** Deterministic test voxels. */
export function pattern(bytes: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** One store call as CountingStore saw it. */
export interface StoreCall {
  readonly op: "get" | "readInto" | "readSlice" | "put" | "delete" | "list" | "hasPrefix";
  /** The key, or the prefix of list and hasPrefix. */
  readonly key: string;
  /** A read of a key that does not exist. */
  readonly miss?: boolean;
}

/** A MemoryStore that logs every call, so a test can count what a request cost the store. */
export class CountingStore implements ObjectStore {
  readonly inner = new MemoryStore();
  calls: StoreCall[] = [];

  reset(): void {
    this.calls = [];
  }

  /** Calls per kind: block reads (whole or ranged) count as readInto, lists only those of blocks. */
  get counts(): { get: number; readInto: number; readIntoMiss: number; put: number; list: number; hasPrefix: number } {
    const n = (f: (c: StoreCall) => boolean): number => this.calls.filter(f).length;
    const read = (c: StoreCall): boolean => c.op === "readInto" || c.op === "readSlice";
    return {
      get: n((c) => c.op === "get"),
      readInto: n(read),
      readIntoMiss: n((c) => read(c) && c.miss === true),
      put: n((c) => c.op === "put"),
      list: n((c) => c.op === "list" && c.key.startsWith("blocks/")),
      hasPrefix: n((c) => c.op === "hasPrefix"),
    };
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const obj = await this.inner.get(key);
    this.calls.push({ op: "get", key, miss: obj === undefined });
    return obj;
  }
  async readInto(key: string, target: Uint8Array, offset: number): Promise<number | undefined> {
    const n = await this.inner.readInto(key, target, offset);
    this.calls.push({ op: "readInto", key, miss: n === undefined });
    return n;
  }
  async readSlice(key: string, target: Uint8Array, offset: number, range?: ByteRange): Promise<SliceInfo | undefined> {
    const info = await this.inner.readSlice(key, target, offset, range);
    this.calls.push({ op: "readSlice", key, miss: info === undefined });
    return info;
  }
  put(key: string, data: Uint8Array, options?: PutOptions): Promise<number> {
    this.calls.push({ op: "put", key });
    return this.inner.put(key, data, options);
  }
  delete(key: string): Promise<boolean> {
    this.calls.push({ op: "delete", key });
    return this.inner.delete(key);
  }
  list(prefix: string): Promise<string[]> {
    this.calls.push({ op: "list", key: prefix });
    return this.inner.list(prefix);
  }
  hasPrefix(prefix: string): Promise<boolean> {
    this.calls.push({ op: "hasPrefix", key: prefix });
    return this.inner.hasPrefix(prefix);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
