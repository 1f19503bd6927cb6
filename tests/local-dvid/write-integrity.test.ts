// What a write leaves when something happens to it midway: a commit of its version while its body
// is still arriving, or a body cut short. A write lands before the commit (and every node sees
// it) or is refused with DVID's locked-node error; a cut body writes nothing. Over both stores,
// with a writer and a read-only node on one store, and a node started afterwards.
import { afterAll, describe, expect, it } from "@jest/globals";
import { rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import net from "node:net";
import { writesKey } from "../../local-dvid/meta/version-writes.js";
import { startLocalDvid } from "../../local-dvid/server.js";
import { PROCESS_TOKEN } from "../../local-dvid/store/process-alive.js";
import { FsStore } from "../../local-dvid/store/fs-store.js";
import type { ByteRange, ObjectStore, PutOptions, SliceInfo, StagedObject, StoredObject } from "../../local-dvid/store/object-store.js";
import { agent, commit, newInstance, newRepo, newVersion, rawPath, request, startCluster } from "./server-helpers.js";
import { storeKinds } from "./store-kinds.js";

const tempDirs: string[] = [];
afterAll(() => {
  agent.destroy();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A store that tells when a block is first written (put or staged) and when every block write
 * has settled (staged ones published or discarded): the test's sync points, instead of timing.
 */
class WatchStore implements ObjectStore {
  readonly inner: ObjectStore;
  #outstanding = 0;
  #waiters: (() => void)[] = [];
  firstBlock: Promise<void>;
  #sawBlock!: () => void;

  constructor(inner: ObjectStore) {
    this.inner = inner;
    this.firstBlock = this.watchAgain();
  }
  /** A new firstBlock: the next block written from now on. */
  watchAgain(): Promise<void> {
    this.firstBlock = new Promise((resolve) => (this.#sawBlock = resolve));
    return this.firstBlock;
  }
  /** Resolves once no block write is in flight or staged. */
  async settled(): Promise<void> {
    while (this.#outstanding > 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
  #begin(key: string): void {
    if (key.startsWith("blocks/")) this.#outstanding++;
  }
  #end(key: string): void {
    if (!key.startsWith("blocks/")) return;
    this.#sawBlock();
    if (--this.#outstanding === 0) for (const w of this.#waiters.splice(0)) w();
  }
  get(key: string): Promise<StoredObject | undefined> {
    return this.inner.get(key);
  }
  readInto(key: string, target: Uint8Array, offset: number): Promise<number | undefined> {
    return this.inner.readInto(key, target, offset);
  }
  readSlice(key: string, target: Uint8Array, offset: number, range?: ByteRange): Promise<SliceInfo | undefined> {
    return this.inner.readSlice(key, target, offset, range);
  }
  async put(key: string, data: Uint8Array, options?: PutOptions): Promise<number> {
    this.#begin(key);
    try {
      return await this.inner.put(key, data, options);
    } finally {
      this.#end(key);
    }
  }
  async stage(key: string, data: Uint8Array): Promise<StagedObject> {
    this.#begin(key);
    let staged: StagedObject;
    try {
      staged = await this.inner.stage!(key, data);
    } catch (err) {
      this.#end(key);
      throw err;
    }
    this.#sawBlock();
    let open = true;
    const close = (): void => {
      if (open) this.#end(key);
      open = false;
    };
    return {
      publish: async (options?: PutOptions): Promise<number> => {
        const g = await staged.publish(options);
        close();
        return g;
      },
      discard: async (): Promise<void> => {
        await staged.discard();
        close();
      },
    };
  }
  delete(key: string): Promise<boolean> {
    return this.inner.delete(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  hasPrefix(prefix: string): Promise<boolean> {
    return this.inner.hasPrefix(prefix);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A POST whose body the test sends piece by piece over a raw socket; `reply` is the whole answer. */
function rawPost(url: string, path: string, contentLength: number): { socket: net.Socket; reply: Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Length: ${contentLength}\r\nConnection: close\r\n\r\n`);
  const reply = new Promise<string>((resolve) => {
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("close", () => resolve(text));
    socket.on("error", () => undefined);
  });
  return { socket, reply };
}

/** Every distinct byte value of a box read through `url`, in order of first appearance per z slab of 32. */
async function slabValues(url: string, uuid: string): Promise<number[][]> {
  const r = await request(`${url}${rawPath(uuid, "grayscale", [32, 32, 64], [0, 0, 0])}`);
  expect(r.status).toBe(200);
  const slab = 32 * 32 * 32;
  return [0, 1].map((s) => [...new Set(r.body.subarray(s * slab, (s + 1) * slab))]);
}

describe.each(storeKinds("local-dvid-integrity-", tempDirs))("%s", (_name, makeStore) => {
  it("refuses a POST whose body is still arriving when its version is committed, and every node, also one started afterwards, reads the same", async () => {
    const store = new WatchStore(makeStore());
    const cluster = await startCluster(2, { store, perServer: (i) => ({ readonly: i === 1 }) });
    const [writer, reader] = cluster.urls;
    try {
      const root = await newRepo(writer);
      await newInstance(writer, root, "uint8blk", "grayscale", { BlockSize: "32,32,32" });
      const first = await request(`${writer}${rawPath(root, "grayscale", [32, 32, 32], [0, 0, 0])}`, {
        method: "POST",
        body: Buffer.alloc(32 * 32 * 32, 1),
      });
      expect(first.status).toBe(200);
      store.watchAgain();

      // Two block layers; the first half of the body is sent before the commit, the rest after.
      const path = rawPath(root, "grayscale", [32, 32, 64], [0, 0, 0]);
      const late = rawPost(writer, `${path}`, 32 * 32 * 64);
      late.socket.write(Buffer.alloc(32 * 32 * 32, 7));
      // The first layer has reached the store (put before the fix, staged now): the POST passed
      // its lock check at the start. Only then is the version committed.
      await store.firstBlock;
      await commit(writer, root);
      // The read-only node reads the committed version (and caches its block list), then a child.
      expect(await slabValues(reader, root)).toEqual([[1], [0]]);
      const child = await newVersion(writer, root);
      expect(await slabValues(reader, child)).toEqual([[1], [0]]);
      late.socket.write(Buffer.alloc(32 * 32 * 32, 7)); // the server closes after its answer (Connection: close)
      const answer = await late.reply;
      // Before the fix: 200, with the second layer in the locked version, seen only by new nodes.
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain(`Cannot do POST on endpoint "raw" of locked node ${root}`);

      const later = await startLocalDvid({ store, port: 0 });
      try {
        for (const url of [writer, reader, later.url]) {
          expect(await slabValues(url, root)).toEqual([[1], [0]]);
          expect(await slabValues(url, child)).toEqual([[1], [0]]);
        }
      } finally {
        await later.close();
      }
    } finally {
      await cluster.close();
      await store.close();
    }
  });

  it("refuses raw, blocks and keyvalue writes once a commit of their version has begun, and takes them again once a dead committer's gate is reopened", async () => {
    const store = makeStore();
    const cluster = await startCluster(1, { store });
    const url = cluster.url;
    try {
      const root = await newRepo(url);
      await newInstance(url, root, "uint8blk", "grayscale", { BlockSize: "32,32,32" });
      await newInstance(url, root, "keyvalue", "kv");
      // A commit by a live process has closed the gate and waits for writes in progress.
      await store.put(writesKey(root), Buffer.from(JSON.stringify({ state: "closing", closer: `${PROCESS_TOKEN}/t`, writers: {} })));
      const block = Buffer.alloc(32 * 32 * 32, 5);
      const writes = [
        { path: rawPath(root, "grayscale", [32, 32, 32], [0, 0, 0]), method: "POST", body: block, keyword: "raw" },
        { path: `${rawPath(root, "grayscale", [32, 32, 32], [32, 0, 0])}?nonaligned=true`, method: "POST", body: block, keyword: "raw" },
        { path: `/api/node/${root}/grayscale/blocks/0_0_0/1`, method: "POST", body: block, keyword: "blocks" },
        { path: `/api/node/${root}/kv/key/a`, method: "POST", body: Buffer.from("v"), keyword: "key" },
        { path: `/api/node/${root}/kv/key/a`, method: "DELETE", body: undefined, keyword: "key" },
      ];
      for (const w of writes) {
        const reply = await request(`${url}${w.path}`, { method: w.method, body: w.body });
        expect({ path: w.path, status: reply.status, text: reply.text }).toEqual({
          path: w.path,
          status: 400,
          text: `Cannot do ${w.method} on endpoint "${w.keyword}" of locked node ${root} (${w.path.split("?")[0]}).\n`,
        });
      }
      expect(await store.list("blocks/")).toEqual([]);
      expect(await store.list("kv/")).toEqual([]);
      // The gate is per version: a gate left by a dead committer, on a node the repo shows
      // unlocked, is reopened by the next write.
      await store.put(writesKey(root), Buffer.from(JSON.stringify({ state: "closing", closer: "999999999/t", writers: {} })));
      expect((await request(`${url}/api/node/${root}/kv/key/a`, { method: "POST", body: "v" })).status).toBe(200);
    } finally {
      await cluster.close();
      await store.close();
    }
  });

  it("writes nothing of an aligned 32×32×64 POST whose body is cut after half its bytes, and answers 400", async () => {
    const store = new WatchStore(makeStore());
    const cluster = await startCluster(1, { store });
    const url = cluster.url;
    try {
      const root = await newRepo(url);
      await newInstance(url, root, "uint8blk", "grayscale", { BlockSize: "32,32,32" });
      const post = rawPost(url, rawPath(root, "grayscale", [32, 32, 64], [0, 0, 0]), 32 * 32 * 64);
      // Half the body; once its layer reached the store, the client ends its side: the body ends short.
      post.socket.write(Buffer.alloc(32 * 32 * 32, 9));
      await store.firstBlock;
      post.socket.end();
      const answer = await post.reply;
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      await store.settled();
      expect(await slabValues(url, root)).toEqual([[0], [0]]);
      expect((await store.list("blocks/")).length).toBe(0);
      if (store.inner instanceof FsStore) {
        // No staged temp file is left behind either.
        const files = await readdir(store.inner.rootDir, { recursive: true });
        expect(files.filter((f) => String(f).includes("#tmp."))).toEqual([]);
      }
      // The same POST whole is written.
      const whole = await request(`${url}${rawPath(root, "grayscale", [32, 32, 64], [0, 0, 0])}`, {
        method: "POST",
        body: Buffer.alloc(32 * 32 * 64, 9),
      });
      expect(whole.status).toBe(200);
      expect(await slabValues(url, root)).toEqual([[9], [9]]);
    } finally {
      await cluster.close();
      await store.close();
    }
  });
});


describe("aligned POSTs of many small blocks", () => {
  it("writes a z block layer of 204,800 blocks (more than one call's arguments may spread) and reads it back", async () => {
    const cluster = await startCluster(1);
    try {
      const [url] = cluster.urls;
      const root = await newRepo(url);
      await newInstance(url, root, "uint8blk", "tiny", { BlockSize: "4,4,4" });
      const size: [number, number, number] = [2048, 1600, 4];
      const body = Buffer.alloc(size[0] * size[1] * size[2]);
      for (let i = 0; i < body.length; i++) body[i] = (i * 7 + (i >>> 11)) & 255;
      const post = await request(`${url}${rawPath(root, "tiny", size, [0, 0, 0])}`, { method: "POST", body });
      expect(post.status).toBe(200);
      const back = await request(`${url}${rawPath(root, "tiny", size, [0, 0, 0])}`);
      expect(back.status).toBe(200);
      expect(back.body.equals(body)).toBe(true);
    } finally {
      await cluster.close();
    }
  });
});
