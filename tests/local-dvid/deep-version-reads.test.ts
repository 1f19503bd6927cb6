// A read at a version many commits deep must cost about what a read at the written version
// costs: locked versions' block lists are listed once per process and cached, so a block is read
// from the version that has it without failed probes of every ancestor. Counted, not timed.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { CountingStore, agent, commit, newInstance, newRepo, newVersion, pattern, rawPath, request, useCluster } from "./server-helpers.js";

const store = new CountingStore();
const c = useCluster(1, { store });
let chain: string[];
const SIZE = [32, 32, 32];
const BLOCKS = 64; // 32^3 voxels in 8^3 blocks
let vol: Buffer;

beforeAll(async () => {
  const root = await newRepo(c.url);
  await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
  vol = pattern(32 ** 3, 21);
  await request(`${c.url}${rawPath(root, "img", SIZE, [0, 0, 0])}`, { method: "POST", body: vol });
  chain = [root];
  for (let i = 0; i < 10; i++) {
    await commit(c.url, chain[i]);
    chain.push(await newVersion(c.url, chain[i]));
  }
});

async function readAt(uuid: string): Promise<Buffer> {
  const r = await request(`${c.url}${rawPath(uuid, "img", SIZE, [0, 0, 0])}`);
  expect(r.status).toBe(200);
  return r.body;
}

describe("reads at a version ten commits deep", () => {
  it("read each block once from a locked deep version, after listing each ancestor at most once", async () => {
    store.reset();
    expect(Buffer.compare(await readAt(chain[9]), vol)).toBe(0);
    expect(store.counts.list).toBeLessThanOrEqual(10);
    expect(store.counts.readInto).toBe(BLOCKS);
    expect(store.counts.readIntoMiss).toBe(0);
    store.reset();
    expect(Buffer.compare(await readAt(chain[9]), vol)).toBe(0);
    expect(store.counts).toMatchObject({ list: 0, readInto: BLOCKS, readIntoMiss: 0 });
  });

  it("ask once whether the unlocked leaf holds any block, and probe none of its blocks when it holds none", async () => {
    await readAt(chain[10]);
    store.reset();
    expect(Buffer.compare(await readAt(chain[10]), vol)).toBe(0);
    expect(store.counts).toMatchObject({ list: 0, hasPrefix: 1, readInto: BLOCKS, readIntoMiss: 0 });
  });

  it("see a block written at the unlocked leaf without extra probes", async () => {
    const block = Buffer.alloc(512, 200);
    await request(`${c.url}${rawPath(chain[10], "img", [8, 8, 8], [0, 0, 0])}`, { method: "POST", body: block });
    store.reset();
    const out = await readAt(chain[10]);
    expect(out[0]).toBe(200);
    expect(out[8]).toBe(vol[8]);
    // Now the leaf holds a block: each block is probed there first (one hit, BLOCKS - 1 misses).
    expect(store.counts).toMatchObject({ hasPrefix: 1, readInto: 2 * BLOCKS - 1, readIntoMiss: BLOCKS - 1 });
  });
});
