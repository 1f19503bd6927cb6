// Aligned POSTs on the filesystem store whose z block layers are 1 MiB or more: their blocks are
// cut and their staged files written in a worker thread (workers/stage-pool.ts) and published on
// the event loop. What must hold is what holds on the event-loop path: the voxels read back
// exactly, whether a block is the whole layer or cut out of it, and a layer the thread cannot
// write leaves nothing behind, staged or visible.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsStore } from "../../local-dvid/store/fs-store.js";
import { acquireSharedLayer, releaseSharedLayer } from "../../local-dvid/workers/stage-pool.js";
import { newInstance, newRepo, pattern, rawPath, request, startCluster, type Cluster } from "./server-helpers.js";
import { extract } from "./reference-box.js";

const dir = mkdtempSync(join(tmpdir(), "local-dvid-staged-layers-"));
let c: Cluster;
let repo: string;
beforeAll(async () => {
  c = await startCluster(1, { store: new FsStore(dir) });
  repo = await newRepo(c.url);
});
afterAll(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under `root` whose name marks a staged or in-progress temp file. */
function tempFiles(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.name.includes("#tmp.")) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

async function dataUUID(name: string): Promise<string> {
  const info = await request(`${c.url}/api/node/${repo}/${name}/info`);
  return info.json<{ Base: { DataUUID: string } }>().Base.DataUUID;
}

describe("aligned POSTs with layers of 1 MiB and more on the filesystem store", () => {
  it("store layers that are one block and layers cut into several blocks, and read back every voxel", async () => {
    // uint64, blocks of 64×64×32 voxels: 1 MiB each.
    await newInstance(c.url, repo, "uint64blk", "big", { BlockSize: "64,64,32" });
    const writes: { size: [number, number, number]; offset: [number, number, number]; seed: number }[] = [
      { size: [64, 64, 64], offset: [0, 64, 0], seed: 3 }, // two layers of one block each
      { size: [128, 128, 32], offset: [-64, -64, 32], seed: 4 }, // one layer of 2×2 blocks
      { size: [192, 64, 96], offset: [64, 0, -32], seed: 5 }, // three layers of 3×1 blocks
    ];
    for (const w of writes) {
      const body = pattern(w.size[0] * w.size[1] * w.size[2] * 8, w.seed);
      const post = await request(`${c.url}${rawPath(repo, "big", w.size, w.offset)}`, { method: "POST", body });
      expect(post.status).toBe(200);
      const got = await request(`${c.url}${rawPath(repo, "big", w.size, w.offset)}`);
      expect(got.status).toBe(200);
      expect(got.body.equals(body)).toBe(true);
    }
    // The first write is still there where the others did not cover it.
    const first = pattern(64 * 64 * 64 * 8, 3);
    const got = await request(`${c.url}${rawPath(repo, "big", [64, 64, 64], [0, 64, 0])}`);
    expect(got.body.equals(first)).toBe(true);
    expect(tempFiles(dir)).toEqual([]);
  });

  it("answer an error and leave no staged file when a block's file cannot be written, and take the next write", async () => {
    await newInstance(c.url, repo, "uint64blk", "blocked", { BlockSize: "64,64,32" });
    // A regular file where the version's block directory would be: every block open fails
    // (ENOTDIR), in the thread, after the first layer's other blocks may have been written.
    const blocksDir = join(dir, "blocks#", `${await dataUUID("blocked")}#`);
    mkdirSync(blocksDir, { recursive: true });
    const versionDir = join(blocksDir, `${repo}#`);
    writeFileSync(versionDir, "not a directory");
    const size: [number, number, number] = [128, 64, 64];
    const body = pattern(128 * 64 * 64 * 8, 6);
    const post = await request(`${c.url}${rawPath(repo, "blocked", size, [0, 0, 0])}`, { method: "POST", body });
    expect(post.status).toBeGreaterThanOrEqual(500);
    rmSync(versionDir);
    const none = await request(`${c.url}${rawPath(repo, "blocked", size, [0, 0, 0])}`);
    expect(none.body.equals(Buffer.alloc(body.length))).toBe(true);
    expect(tempFiles(dir)).toEqual([]);
    // The thread and the pooled layers still work.
    const again = await request(`${c.url}${rawPath(repo, "blocked", size, [0, 0, 0])}`, { method: "POST", body });
    expect(again.status).toBe(200);
    const got = await request(`${c.url}${rawPath(repo, "blocked", size, [0, 0, 0])}`);
    expect(got.body.equals(body)).toBe(true);
  });
});

/** Writes `data` (box `size` at `offset`) into the reference volume. */
function paste(ref: Buffer, refSize: [number, number, number], offset: [number, number, number], size: [number, number, number], data: Buffer, bpv: number): void {
  for (let z = 0; z < size[2]; z++)
    for (let y = 0; y < size[1]; y++) {
      const d = (((offset[2] + z) * refSize[1] + offset[1] + y) * refSize[0] + offset[0]) * bpv;
      data.copy(ref, d, (z * size[1] + y) * size[0] * bpv, (z * size[1] + y + 1) * size[0] * bpv);
    }
}

describe("non-aligned POSTs of 64 KiB and more on the filesystem store", () => {
  const bpv = 8;
  const all: [number, number, number] = [96, 96, 96];
  const patch = async (url: string, uuid: string, name: string, size: [number, number, number], offset: [number, number, number], body: Buffer) =>
    request(`${url}${rawPath(uuid, name, size, offset)}?nonaligned=true`, { method: "POST", body });

  it("patch blocks the version has, blocks it inherits and blocks never written, and read back every voxel", async () => {
    await newInstance(c.url, repo, "uint64blk", "patched", { BlockSize: "32,32,32" });
    const ref = Buffer.alloc(all[0] * all[1] * all[2] * bpv);
    const first = pattern(64 * 64 * 64 * bpv, 7);
    expect((await request(`${c.url}${rawPath(repo, "patched", [64, 64, 64], [0, 0, 0])}`, { method: "POST", body: first })).status).toBe(200);
    paste(ref, all, [0, 0, 0], [64, 64, 64], first, bpv);
    // A child version: its first patch finds every block at the parent only.
    expect((await request(`${c.url}/api/node/${repo}/commit`, { method: "POST", body: { note: "parent" } })).status).toBe(200);
    const branch = await request(`${c.url}/api/node/${repo}/newversion`, { method: "POST", body: {} });
    const child = branch.json<{ child: string }>().child;
    const writes: { size: [number, number, number]; offset: [number, number, number] }[] = [
      { size: [50, 40, 45], offset: [5, 17, 31] }, // inherited blocks and blocks never written
      { size: [40, 50, 33], offset: [20, 3, 9] }, // now the child's own blocks, some again inherited
      { size: [64, 64, 64], offset: [32, 32, 32] }, // whole blocks among them
    ];
    for (const [i, w] of writes.entries()) {
      const body = pattern(w.size[0] * w.size[1] * w.size[2] * bpv, 20 + i);
      expect(body.length).toBeGreaterThanOrEqual(64 * 1024);
      const post = await patch(c.url, child, "patched", w.size, w.offset, body);
      expect(post.status).toBe(200);
      paste(ref, all, w.offset, w.size, body, bpv);
    }
    const got = await request(`${c.url}${rawPath(child, "patched", all, [0, 0, 0])}`);
    expect(got.body.equals(ref)).toBe(true);
    // The parent still reads as it was.
    const parent = await request(`${c.url}${rawPath(repo, "patched", [64, 64, 64], [0, 0, 0])}`);
    expect(parent.body.equals(first)).toBe(true);
    expect(tempFiles(dir)).toEqual([]);
  });

  it("keep the voxels of two nodes that patch disjoint halves of the same blocks at once", async () => {
    const two = await startCluster(2, { store: c.store });
    try {
      const [a, b] = two.urls;
      const uuid = await newRepo(a);
      await newInstance(a, uuid, "uint64blk", "halves", { BlockSize: "32,32,32" });
      // x 3..33 and 33..63: both halves patch the blocks at x 0..31 and 32..63 (and 2×2 in y, z).
      const size: [number, number, number] = [30, 60, 60];
      const ref = Buffer.alloc(all[0] * all[1] * all[2] * bpv);
      for (let round = 0; round < 4; round++) {
        const left = pattern(size[0] * size[1] * size[2] * bpv, 40 + round);
        const right = pattern(size[0] * size[1] * size[2] * bpv, 50 + round);
        const [ra, rb] = await Promise.all([patch(a, uuid, "halves", size, [3, 2, 1], left), patch(b, uuid, "halves", size, [33, 2, 1], right)]);
        expect([ra.status, rb.status]).toEqual([200, 200]);
        paste(ref, all, [3, 2, 1], size, left, bpv);
        paste(ref, all, [33, 2, 1], size, right, bpv);
        const got = await request(`${a}${rawPath(uuid, "halves", [64, 64, 64], [0, 0, 0])}`);
        expect(got.body.equals(extract(ref, [0, 0, 0], all, [0, 0, 0], [64, 64, 64], bpv))).toBe(true);
      }
    } finally {
      await two.close();
    }
  });
});

describe("shared layers of the staging thread", () => {
  it("reuse a released layer of the same size, in memory shared with the thread, and never hand out one of another size", () => {
    const a = acquireSharedLayer(3 << 20);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.length).toBe(3 << 20);
    releaseSharedLayer(a);
    const other = acquireSharedLayer(2 << 20);
    expect(other.buffer).not.toBe(a.buffer);
    expect(other.length).toBe(2 << 20);
    const again = acquireSharedLayer(3 << 20);
    expect(again.buffer).toBe(a.buffer);
    releaseSharedLayer(again);
    releaseSharedLayer(other);
    // A buffer that is not shared is not kept.
    releaseSharedLayer(Buffer.alloc(3 << 20));
    expect(acquireSharedLayer(3 << 20).buffer).toBe(a.buffer);
  });
});
