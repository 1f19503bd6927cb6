// What a voxel POST costs the store, counted through a logging store: an aligned write replaces
// whole blocks of its own version, so it reads nothing of its ancestors (no block listing, no
// probe, no block read); only a patch of a block the write covers in part looks back for what
// the block was. Counted, not timed.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { CountingStore, agent, commit, newInstance, newRepo, newVersion, pattern, rawPath, request, useCluster, type Cluster, type StoreCall } from "./server-helpers.js";

const store = new CountingStore();
const c = useCluster(1, { store });
let root: string;
let child: string;

beforeAll(async () => {
  root = await newRepo(c.url);
  await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
  const r = await request(`${c.url}${rawPath(root, "img", [16, 16, 16], [0, 0, 0])}`, { method: "POST", body: pattern(16 ** 3, 5) });
  expect(r.status).toBe(200);
  await commit(c.url, root);
  child = await newVersion(c.url, root);
});

/** Calls that look at blocks other than by putting them: listings, probes, reads. */
const blockLookups = (calls: readonly StoreCall[]): StoreCall[] =>
  calls.filter((call) => call.op === "list" || call.op === "hasPrefix" || (call.op !== "put" && call.key.startsWith("blocks/")));

describe("the store calls of a voxel POST at a version with ancestors", () => {
  it("an aligned write (body with Content-Length) only puts its blocks: no listing, probe or read of any block", async () => {
    store.reset();
    const r = await request(`${c.url}${rawPath(child, "img", [16, 8, 8], [0, 0, 8])}`, { method: "POST", body: pattern(16 * 8 * 8, 6) });
    expect(r.status).toBe(200);
    expect(blockLookups(store.calls)).toEqual([]);
    expect(store.calls.filter((call) => call.op === "put" && call.key.startsWith("blocks/"))).toHaveLength(2);
  });

  it("an aligned write with a chunked body (no Content-Length) reads no block either", async () => {
    store.reset();
    const r = await request(`${c.url}${rawPath(child, "img", [8, 8, 8], [8, 8, 8])}`, {
      method: "POST",
      body: pattern(512, 7),
      headers: { "transfer-encoding": "chunked" },
    });
    expect(r.status).toBe(200);
    expect(blockLookups(store.calls)).toEqual([]);
  });

  it("a non-aligned patch of a block it covers in part reads that block from the ancestor that has it", async () => {
    store.reset();
    const r = await request(`${c.url}${rawPath(child, "img", [2, 2, 2], [1, 1, 1])}?nonaligned=true`, { method: "POST", body: Buffer.alloc(8, 9) });
    expect(r.status).toBe(200);
    const reads = blockLookups(store.calls).filter((call) => call.op === "readSlice" && !call.miss);
    expect(reads.map((call) => call.key)).toEqual([expect.stringMatching(new RegExp(`^blocks/[0-9a-f]+/${root}/0_0_0$`))]);
  });
});
