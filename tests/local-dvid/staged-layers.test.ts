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
import { newInstance, newRepo, pattern, rawPath, request, startCluster, type Cluster } from "./server-helpers.js";

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
