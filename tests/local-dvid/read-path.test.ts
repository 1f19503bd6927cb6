// The fast path of small reads (a one-block GET): FsStore reads small objects, and blocks a caller
// waits for alone, on the calling thread; a node checks its parsed repo by the repo object's
// generation instead of reading it again; a one-block read asks the store nothing about an
// unlocked version besides the block itself; a box of whole block rows is read straight into its
// answer, which is sent in one write after the read. Each must give the same answers as before,
// across processes too. Counted and compared, never timed.
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalDvid, type RunningLocalDvid } from "../../local-dvid/server.js";
import { FsStore } from "../../local-dvid/store/fs-store.js";
import { expectCode } from "../helpers/expect-local-error.js";
import { faultyStore } from "../helpers/faulty-store.js";
import { helperScript, killChild, spawnTsx, type TsxChild } from "../helpers/child-process.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";
import { CountingStore, agent, commit, expectDvidError, newInstance, newRepo, newVersion, pattern, rawPath, request, startCluster } from "./server-helpers.js";

const CLI = fileURLToPath(new URL("../../local-dvid/cli.ts", import.meta.url));
const dirs: string[] = [];
const children: TsxChild[] = [];
const stores: FsStore[] = [];
const nodes: RunningLocalDvid[] = [];

afterEach(async () => {
  await Promise.all(children.splice(0).map(killChild));
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  agent.destroy();
  await Promise.all(dirs.map(removeTempDir));
});

async function fsStore(): Promise<FsStore> {
  const dir = await createTempDir("read-path");
  dirs.push(dir);
  const store = new FsStore(dir);
  stores.push(store);
  return store;
}

describe("FsStore reads", () => {
  // Sizes around the limits of reads on the calling thread (64 KiB; 4 MiB when alone).
  const SIZES = [0, 10, 64 * 1024 - 24, 64 * 1024, 64 * 1024 + 1, 256 * 1024, 2 * 1024 * 1024 + 5, 4 * 1024 * 1024 + 1, 5 * 1024 * 1024];

  it("give the same bytes, size and generation with ReadOptions.alone as without, for whole objects and slices of every size", async () => {
    const store = await fsStore();
    for (const [i, size] of SIZES.entries()) {
      const data = pattern(size, i + 1);
      const generation = await store.put(`obj/${i}`, data);
      const got = await store.get(`obj/${i}`);
      expect(got?.generation).toBe(generation);
      expect(Buffer.compare(got!.data, data)).toBe(0);
      const ranges = [undefined, { start: 0, length: size }, { start: Math.min(1, size), length: Math.max(0, size - 1) }, { start: size >> 1, length: size >> 2 }];
      for (const range of ranges) {
        const want = range ? data.subarray(range.start, range.start + range.length) : data;
        for (const alone of [false, true]) {
          const target = Buffer.alloc(want.length + 7, 0xee);
          expect(await store.readSlice(`obj/${i}`, target, 3, range, { alone })).toEqual({ size, generation });
          expect(Buffer.compare(target.subarray(3, 3 + want.length), want)).toBe(0);
          expect([...target.subarray(0, 3), ...target.subarray(3 + want.length)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
        }
      }
      expect(await store.readSlice(`missing/${i}`, Buffer.alloc(size), 0, undefined, { alone: true })).toBeUndefined();
    }
  });

  it("let the event loop run during a long run of small reads one after another (reads on the calling thread have a budget per turn)", async () => {
    const store = await fsStore();
    for (let i = 0; i < 20; i++) await store.put(`small/${i}`, pattern(16, i));
    let turns = 0;
    let stop = false;
    const tick = (): void => {
      turns++;
      if (!stop) setImmediate(tick);
    };
    setImmediate(tick);
    const target = Buffer.alloc(16);
    for (let i = 0; i < 4000; i++) {
      expect(await store.readSlice(`small/${i % 20}`, target, 0)).toBeDefined();
      expect(await store.get(`small/${i % 20}`)).toBeDefined();
    }
    const during = turns;
    stop = true;
    expect(during).toBeGreaterThan(0);
  });

  it("tell an object's generation without its bytes: the last put's, undefined for a missing key, and the new one after another process replaced it", async () => {
    const store = await fsStore();
    expect(await store.generationOf("meta/counter")).toBeUndefined();
    const first = await store.put("meta/counter", Buffer.from("41"));
    expect(await store.generationOf("meta/counter")).toBe(first);
    // Another process increments the counter by compare-and-swap (one round).
    const go = join(store.rootDir, "#go");
    const child = spawnTsx(helperScript("store-cas-child.ts"), [store.rootDir, "meta/counter", "1", go]);
    children.push(child);
    await child.waitForLine((line) => line === "ready");
    await writeFile(go, "");
    expect((await child.exited).code).toBe(0);
    const now = await store.get("meta/counter");
    expect(now?.data.toString()).toBe("42");
    expect(await store.generationOf("meta/counter")).toBe(now?.generation);
    expect(now!.generation).toBeGreaterThan(first);
  });

  it("tell the generation right through replacements, deletes and re-creations by another store, for more keys than it keeps open, and close the files it kept on close", async () => {
    const fds = async (): Promise<number> => (await readdir("/proc/self/fd")).length;
    const before = await fds();
    const store = await fsStore();
    const other = new FsStore(store.rootDir);
    const keys = Array.from({ length: 40 }, (_, i) => `repos/r${i}.json`);
    for (const key of keys) await other.put(key, Buffer.from("v1"));
    for (let round = 0; round < 3; round++) {
      for (const [i, key] of keys.entries()) {
        // Asked before and after each change the other store makes.
        expect(await store.generationOf(key)).toBe((await other.get(key))?.generation);
        if (i % 3 === 0) await other.put(key, Buffer.from(`v${round + 2}`));
        else if (i % 3 === 1 && round === 1) await other.delete(key);
        else if (i % 3 === 1 && round === 2) await other.put(key, Buffer.from("again"));
        expect(await store.generationOf(key)).toBe((await other.get(key))?.generation);
      }
    }
    await other.close();
    stores.splice(stores.indexOf(store), 1);
    await store.close();
    expect(await fds()).toBe(before);
  });

  it("report a file shorter than the object header as CORRUPT_OBJECT from get, readSlice and generationOf", async () => {
    const store = await fsStore();
    await mkdir(join(store.rootDir, "bad#"), { recursive: true });
    await writeFile(join(store.rootDir, "bad#", "short"), Buffer.from("LDVO"));
    await expectCode(store.get("bad/short"), "CORRUPT_OBJECT");
    await expectCode(store.readSlice("bad/short", Buffer.alloc(16), 0, undefined, { alone: true }), "CORRUPT_OBJECT");
    await expectCode(store.generationOf("bad/short"), "CORRUPT_OBJECT");
  });
});

/** A node on an FsStore with a uint8blk "img" of 8^3 blocks holding `vol` (32 x 24 x 16, x fastest) at the root. */
async function imageNode(): Promise<{ url: string; root: string; vol: Buffer; store: FsStore }> {
  const store = await fsStore();
  const node = await startLocalDvid({ store, port: 0 });
  nodes.push(node);
  const root = await newRepo(node.url);
  await newInstance(node.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
  const vol = pattern(32 * 24 * 16, 5);
  expect((await request(`${node.url}${rawPath(root, "img", [32, 24, 16], [0, 0, 0])}`, { method: "POST", body: vol })).status).toBe(200);
  return { url: node.url, root, vol, store };
}

/** The voxels of box [x0, x0+nx) x [y0, y0+ny) x [z0, z0+nz) of `vol` (32 x 24 x 16), zeros outside it. */
function expected(vol: Buffer, [nx, ny, nz]: number[], [x0, y0, z0]: number[]): Buffer {
  const out = Buffer.alloc(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const [X, Y, Z] = [x0 + x, y0 + y, z0 + z];
        if (X >= 0 && X < 32 && Y >= 0 && Y < 24 && Z >= 0 && Z < 16) out[(z * ny + y) * nx + x] = vol[(Z * 24 + Y) * 32 + X];
      }
  return out;
}

describe("one-block and other small raw GETs", () => {
  it("answer boxes of whole block rows (a block, some rows of one plane, planes of a block, a one-block-wide column, never-written blocks) with the voxels written", async () => {
    const { url, root, vol } = await imageNode();
    const boxes: [number[], number[]][] = [
      [[8, 8, 8], [0, 0, 0]],
      [[8, 8, 8], [24, 16, 8]],
      [[8, 3, 1], [8, 2, 5]], // rows 2-4 of plane 5 of one block
      [[8, 8, 3], [16, 8, 4]], // planes 4-6 of one block
      [[8, 8, 16], [8, 16, 0]], // a one-block-wide column through both block layers
      [[8, 5, 7], [16, 19, 1]], // part rows, part planes: not whole rows of the block (copied)
      [[8, 8, 8], [32, 0, 0]], // never written: zeros
      [[8, 8, 8], [-8, -8, -8]],
      [[8, 2, 1], [40, 3, 2]],
    ];
    for (const [size, offset] of boxes) {
      const got = await request(`${url}${rawPath(root, "img", size, offset)}`);
      expect({ box: [size, offset], status: got.status }).toEqual({ box: [size, offset], status: 200 });
      expect(Buffer.compare(got.body, expected(vol, size, offset))).toBe(0);
    }
  });

  it("read a block at an unlocked leaf that holds none with one failed probe of it, asking nothing else about the leaf", async () => {
    const store = new CountingStore();
    const c = await startCluster(1, { store });
    try {
      const root = await newRepo(c.url);
      await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
      const block = pattern(512, 9);
      await request(`${c.url}${rawPath(root, "img", [8, 8, 8], [8, 0, 0])}`, { method: "POST", body: block });
      await commit(c.url, root);
      const leaf = await newVersion(c.url, root);
      await request(`${c.url}${rawPath(leaf, "img", [8, 8, 8], [8, 0, 0])}`); // lists the locked root once
      store.reset();
      const got = await request(`${c.url}${rawPath(leaf, "img", [8, 8, 8], [8, 0, 0])}`);
      expect(Buffer.compare(got.body, block)).toBe(0);
      expect(store.counts).toMatchObject({ list: 0, hasPrefix: 0, readInto: 2, readIntoMiss: 1 });
      // Two blocks: asking whether the leaf holds any is cheaper than probing each.
      store.reset();
      await request(`${c.url}${rawPath(leaf, "img", [16, 8, 8], [0, 0, 0])}`);
      expect(store.counts).toMatchObject({ list: 0, hasPrefix: 1, readIntoMiss: 0 });
    } finally {
      await c.close();
    }
  });

  it("answer a one-block read the store fails with DVID's 400 naming the fault, never a 200 cut short, and the block again once the store recovers", async () => {
    const inner = await fsStore();
    const faulty = faultyStore(inner);
    const node = await startLocalDvid({ store: faulty.store, port: 0 });
    nodes.push(node);
    const root = await newRepo(node.url);
    await newInstance(node.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
    const block = pattern(512, 3);
    await request(`${node.url}${rawPath(root, "img", [8, 8, 8], [0, 0, 0])}`, { method: "POST", body: block });
    faulty.inject({ code: "EIO", ops: ["readSlice", "readInto"], keyPrefix: "blocks/" });
    const failed = await request(`${node.url}${rawPath(root, "img", [8, 8, 8], [0, 0, 0])}`);
    expectDvidError(failed, 400, "EIO");
    faulty.clear();
    expect(Buffer.compare((await request(`${node.url}${rawPath(root, "img", [8, 8, 8], [0, 0, 0])}`)).body, block)).toBe(0);
  });

  it("see a commit and a new block made through another process on the next request of a node that has just served that version", async () => {
    const { url, root, vol, store } = await imageNode();
    const other = spawnTsx(CLI, ["--store", store.rootDir, "--port", "0"]);
    children.push(other);
    const otherUrl = JSON.parse(await other.waitForLine((l) => l.includes('"listening"'))).url as string;
    const box = (x: number): string => rawPath(root, "img", [8, 8, 8], [x, 0, 0]);
    // This node serves the root (its repo is parsed and kept), then the other process writes a
    // block and commits the root.
    expect(Buffer.compare((await request(`${url}${box(0)}`)).body, expected(vol, [8, 8, 8], [0, 0, 0]))).toBe(0);
    const fresh = pattern(512, 77);
    expect((await request(`${otherUrl}${box(0)}`, { method: "POST", body: fresh })).status).toBe(200);
    await commit(otherUrl, root);
    expect(Buffer.compare((await request(`${url}${box(0)}`)).body, fresh)).toBe(0);
    expect((await request(`${url}/api/node/${root}/status`)).text).toBe('{"Locked":true}');
    expectDvidError(await request(`${url}${box(8)}`, { method: "POST", body: fresh }), 400, "locked node");
    // A version and an instance made there are served here at once.
    const child = await newVersion(otherUrl, root);
    await newInstance(otherUrl, child, "uint8blk", "more", { BlockSize: "8,8,8" });
    expect(Buffer.compare((await request(`${url}${rawPath(child, "img", [8, 8, 8], [0, 0, 0])}`)).body, fresh)).toBe(0);
    expect((await request(`${url}${rawPath(child, "more", [8, 8, 8], [0, 0, 0])}`)).body).toEqual(Buffer.alloc(512));
  });
});
