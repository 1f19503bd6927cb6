// Several servers on one store must behave as one DVID cluster (ARCHITECTURE.md "local-dvid"):
// what one node changes, every other node sees on its next request, and concurrent changes
// through different nodes all survive. Run over both store implementations.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { rmSync } from "node:fs";
import {
  agent,
  commit,
  expectDvidError,
  newInstance,
  newRepo,
  newVersion,
  pattern,
  rawPath,
  request,
  startCluster,
  type Cluster,
} from "./server-helpers.js";
import { storeKinds } from "./store-kinds.js";

const tempDirs: string[] = [];
afterAll(() => {
  agent.destroy();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe.each(storeKinds("local-dvid-multi-", tempDirs))("three servers sharing one %s", (_name, makeStore) => {
  let c: Cluster;
  let readers: Cluster;
  beforeAll(async () => {
    const store = makeStore();
    c = await startCluster(3, { store, adminToken: "tok" });
    readers = await startCluster(1, { store, readonly: true });
  });
  afterAll(async () => {
    await readers.close();
    await c.close();
    await c.store.close();
  });

  const mk = (url: string) => newRepo(url, {}, "?admintoken=tok");

  it("shows a repo, instance, commit and version made through one node to the others at once", async () => {
    const [a, b, d] = c.urls;
    const root = await mk(a);
    expect((await request(`${b}/api/repo/${root}/info`)).json().Root).toBe(root);
    await newInstance(b, root, "uint8blk", "gray", { BlockSize: "16,16,16" });
    expect((await request(`${d}/api/node/${root}/gray/info`)).status).toBe(200);
    const vol = pattern(16 ** 3, 4);
    expect((await request(`${d}${rawPath(root, "gray", [16, 16, 16], [0, 0, 0])}`, { method: "POST", body: vol })).status).toBe(200);
    expect(Buffer.compare((await request(`${a}${rawPath(root, "gray", [16, 16, 16], [0, 0, 0])}`)).body, vol)).toBe(0);
    await commit(c.url, root);
    expect((await request(`${b}/api/node/${root}/status`)).text).toBe('{"Locked":true}');
    const child = await newVersion(b, root);
    expect((await request(`${d}/api/node/${root}:master/status`)).text).toBe('{"Locked":false}');
    expect((await request(`${readers.url}/api/repo/${child}/info`)).json().DAG.Nodes[child].Locked).toBe(false);
    expect(Buffer.compare((await request(`${readers.url}${rawPath(child, "gray", [16, 16, 16], [0, 0, 0])}`)).body, vol)).toBe(0);
  });

  it("refuses writes to a node another server just committed", async () => {
    const [a, b] = c.urls;
    const root = await mk(a);
    await newInstance(a, root, "uint8blk", "gray", { BlockSize: "8,8,8" });
    await commit(b, root);
    expectDvidError(
      await request(`${a}${rawPath(root, "gray", [8, 8, 8], [0, 0, 0])}`, { method: "POST", body: Buffer.alloc(512) }),
      400,
      "of locked node",
    );
  });

  it("lands every block when different nodes write different blocks concurrently", async () => {
    const root = await mk(c.url);
    await newInstance(c.url, root, "uint16blk", "vol", { BlockSize: "8,8,8" });
    const writes: Promise<unknown>[] = [];
    const blocks: Buffer[] = [];
    for (let i = 0; i < 24; i++) {
      const data = pattern(8 * 8 * 8 * 2, i + 100);
      blocks.push(data);
      writes.push(request(`${c.urls[i % 3]}${rawPath(root, "vol", [8, 8, 8], [8 * (i % 6), 8 * Math.floor(i / 6), 0])}`, { method: "POST", body: data }));
    }
    const replies = (await Promise.all(writes)) as { status: number }[];
    expect(replies.map((r) => r.status)).toEqual(Array(24).fill(200));
    const all = (await request(`${c.urls[1]}${rawPath(root, "vol", [48, 32, 8], [0, 0, 0])}`)).body;
    for (let i = 0; i < 24; i++) {
      const bx = i % 6;
      const by = Math.floor(i / 6);
      for (let z = 0; z < 8; z++)
        for (let y = 0; y < 8; y++) {
          const row = all.subarray(((z * 32 + by * 8 + y) * 48 + bx * 8) * 2, ((z * 32 + by * 8 + y) * 48 + bx * 8 + 8) * 2);
          expect(Buffer.compare(row, blocks[i].subarray((z * 64 + y * 8) * 2, (z * 64 + y * 8 + 8) * 2))).toBe(0);
        }
    }
    const info = (await request(`${c.urls[2]}/api/node/${root}/vol/info`)).json();
    expect([info.Extents.MinPoint, info.Extents.MaxPoint]).toEqual([
      [0, 0, 0],
      [47, 31, 7],
    ]);
  });

  it("keeps every instance and log entry when nodes change one repo's metadata at the same time", async () => {
    const root = await mk(c.url);
    const jobs: Promise<unknown>[] = [];
    for (let n = 0; n < 3; n++) {
      for (let i = 0; i < 5; i++) {
        jobs.push(newInstance(c.urls[n], root, "keyvalue", `kv-${n}-${i}`));
        jobs.push(request(`${c.urls[n]}/api/repo/${root}/log`, { method: "POST", body: { log: [`repo ${n}.${i}`] } }));
        jobs.push(request(`${c.urls[n]}/api/node/${root}/log`, { method: "POST", body: { log: [`node ${n}.${i}`] } }));
      }
    }
    await Promise.all(jobs);
    const info = (await request(`${c.urls[0]}/api/repo/${root}/info`)).json();
    expect(Object.keys(info.DataInstances).sort()).toEqual(
      [0, 1, 2].flatMap((n) => [0, 1, 2, 3, 4].map((i) => `kv-${n}-${i}`)).sort(),
    );
    const repoLog = (info.Log as string[]).filter((l) => l.includes("  repo "));
    expect(repoLog).toHaveLength(15);
    expect(info.DAG.Nodes[root].Log).toHaveLength(15);
  });

  it("lets exactly one of two nodes create the same instance name or version child at the same time", async () => {
    const root = await mk(c.url);
    const created = await Promise.all(
      c.urls.map((u) => request(`${u}/api/repo/${root}/instance`, { method: "POST", body: { typename: "uint8blk", dataname: "same" } })),
    );
    expect(created.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    await commit(c.url, root);
    const children = await Promise.all(c.urls.map((u) => request(`${u}/api/node/${root}/newversion`, { method: "POST" })));
    expect(children.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    const nodes = (await request(`${c.urls[1]}/api/repo/${root}/info`)).json().DAG.Nodes;
    expect(Object.keys(nodes)).toHaveLength(2);
    const versionIds = Object.values(nodes).map((n) => (n as { VersionID: number }).VersionID);
    expect(new Set(versionIds).size).toBe(2);
  });

  it("loses no voxel when patchers on different nodes write disjoint voxels of one block", async () => {
    const root = await mk(c.url);
    await newInstance(c.url, root, "uint8blk", "patch", { BlockSize: "16,16,16" });
    const jobs = Array.from({ length: 30 }, (_, i) =>
      request(`${c.urls[i % 3]}${rawPath(root, "patch", [1, 1, 2], [i % 16, 2 * Math.floor(i / 16), 4])}?nonaligned=true`, {
        method: "POST",
        body: Buffer.from([i + 1, i + 101]),
      }),
    );
    expect((await Promise.all(jobs)).map((r) => r.status)).toEqual(Array(30).fill(200));
    const block = (await request(`${c.urls[2]}${rawPath(root, "patch", [16, 16, 16], [0, 0, 0])}`)).body;
    for (let i = 0; i < 30; i++) {
      const at = (z: number) => (z * 16 + 2 * Math.floor(i / 16)) * 16 + (i % 16);
      expect([block[at(4)], block[at(5)]]).toEqual([i + 1, i + 101]);
    }
  });

  it("shows an admin-token write to a locked version to a node that had cached that version", async () => {
    const [a, b] = c.urls;
    const root = await mk(a);
    await newInstance(a, root, "uint8blk", "img", { BlockSize: "8,8,8" });
    await commit(a, root);
    const child = await newVersion(a, root);
    expect((await request(`${b}${rawPath(child, "img", [8, 8, 8], [0, 0, 0])}`)).body[0]).toBe(0);
    const w = await request(`${a}${rawPath(root, "img", [8, 8, 8], [0, 0, 0])}?admintoken=tok`, { method: "POST", body: Buffer.alloc(512, 3) });
    expect(w.status).toBe(200);
    expect((await request(`${b}${rawPath(child, "img", [8, 8, 8], [0, 0, 0])}`)).body[0]).toBe(3);
  });

  it("refuses every write on a read-only node while serving reads", async () => {
    const root = await mk(c.url);
    expectDvidError(
      await request(`${readers.url}/api/repo/${root}/instance`, { method: "POST", body: { typename: "uint8blk", dataname: "x" } }),
      400,
      "Server in read-only mode",
    );
    expect((await request(`${readers.url}/api/repo/${root}/info`)).status).toBe(200);
  });
});
