import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { connect, isVolumeClientError, type DvidClient } from "../../volume-client/index.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import { startLocalDvid } from "../../local-dvid/server.js";
import { announceSkips, itLocal, startTestCluster, type TestCluster } from "./helpers/test-cluster.js";
import { startProxy } from "./helpers/proxy.js";
import { expectRejectCode } from "./helpers/expect-error.js";
import { firstMismatch, patternArray, valueAt } from "./helpers/volumes.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";

let cluster: TestCluster;
let client: DvidClient;

beforeAll(async () => {
  cluster = await startTestCluster();
  client = connect(cluster.endpoints, { adminToken: cluster.adminToken });
});

afterAll(async () => {
  client?.close();
  await cluster?.close();
});

const BOX: BoxZyx = [[0, 32], [0, 32], [0, 32]];

describe("server and repos", () => {
  it("reports the server info as a flat object of strings", async () => {
    const info = await client.serverInfo();
    expect(typeof info["DVID Version"]).toBe("string");
    expect(typeof info["Datastore Version"]).toBe("string");
  });

  it("creates a repo with alias and description and lists it", async () => {
    const alias = `listed-${Date.now()}`;
    const repo = await client.createRepo({ alias, description: "a test repo" });
    expect(repo.ref).toMatch(/^[0-9a-f]{32}$/);
    const listed = (await client.listRepos()).find((r) => r.root === repo.ref);
    expect(listed).toMatchObject({ alias, description: "a test repo", root: repo.ref });
    expect(listed!.versions).toHaveLength(1);
    const info = await repo.info();
    expect(info).toMatchObject({ uuid: repo.ref, branch: "master", locked: false, parents: [], children: [] });
  });
});

describe("endpoints", () => {
  it("never counts the writer among the readers, even when it is listed as one; nodes is the writer and the readers", async () => {
    const { writer, readers } = cluster.endpoints;
    const c = connect({ writer, readers: [`${writer}/`, ...readers, ...readers] });
    try {
      expect(c.writer).toBe(writer);
      expect(c.readers).toEqual(readers);
      expect(c.nodes).toEqual([writer, ...readers]);
      // Reads rotate over every node, each once per round.
      const repo = await c.createRepo({ alias: `endpoints-${Date.now()}` });
      const kv = await repo.createKeyValue("files");
      await kv.put("k", "v");
      const before = c.requestCounts();
      for (let i = 0; i < c.nodes.length; i++) expect(await kv.getText("k")).toBe("v");
      const after = c.requestCounts();
      for (const node of c.nodes) expect((after[node] ?? 0) - (before[node] ?? 0)).toBe(1);
    } finally {
      c.close();
    }
  });
});

announceSkips("versions", "the admin-token test starts its own local-dvid");

describe("admin token", () => {
  itLocal("sends the admin token on repo creation only, where a token-guarded server needs it", async () => {
    const store = new MemoryStore();
    const server = await startLocalDvid({ store, port: 0, host: "127.0.0.1", adminToken: "s3cret" });
    const proxy = await startProxy(server.url);
    try {
      const without = connect(proxy.url);
      const refused = await expectRejectCode(without.createRepo({ alias: "no-token" }), "HTTP_ERROR");
      expect(refused.status).toBe(400);
      without.close();

      const withToken = connect(proxy.url, { adminToken: "s3cret" });
      const repo = await withToken.createRepo({ alias: "token" });
      const vol = await repo.createVolume("gray", "uint8");
      await vol.write([0, 0, 0], patternArray("uint8", BOX, 1));
      await repo.commit("done");
      // Against DVID the token would also bypass the lock, so it must not ride along here.
      await expectRejectCode(vol.write([0, 0, 0], patternArray("uint8", BOX, 2)), "LOCKED_VERSION");
      withToken.close();
      const carrying = proxy.requests.filter((r) => r.url.includes("admintoken="));
      expect(carrying.map((r) => `${r.method} ${r.url.split("?")[0]}`)).toEqual(["POST /api/repos"]);
    } finally {
      await proxy.close();
      await server.close();
      await store.close();
    }
  });
});

describe("versions", () => {
  it("commits, makes a child and a branch, and keeps each version's voxels apart", async () => {
    const root = await client.createRepo({ alias: `isolation-${Date.now()}` });
    const vol = await root.createVolume("gray", "uint8");
    await vol.write([0, 0, 0], patternArray("uint8", BOX, 1));
    await root.commit("first import", { log: ["imported seed 1"] });
    expect(await root.isLocked()).toBe(true);
    expect(await root.note()).toBe("first import");
    expect((await root.log()).some((e) => e.endsWith("imported seed 1"))).toBe(true);

    const child = await root.newVersion({ note: "next" });
    const dev = await root.branch("dev", { note: "proofreading" });
    expect(await child.isLocked()).toBe(false);
    // Both children start with the parent's data.
    const inherited = await dev.volume("gray").read(BOX);
    expect(firstMismatch(inherited.data, BOX, (z, y, x) => valueAt("uint8", z, y, x, 1))).toBeUndefined();

    await child.volume("gray").write([0, 0, 0], patternArray("uint8", BOX, 2));
    await dev.volume("gray").write([0, 0, 0], patternArray("uint8", BOX, 3));
    const seeds = await Promise.all([root, child, dev].map(async (v) => (await v.volume("gray").read(BOX)).data));
    expect(firstMismatch(seeds[0], BOX, (z, y, x) => valueAt("uint8", z, y, x, 1))).toBeUndefined();
    expect(firstMismatch(seeds[1], BOX, (z, y, x) => valueAt("uint8", z, y, x, 2))).toBeUndefined();
    expect(firstMismatch(seeds[2], BOX, (z, y, x) => valueAt("uint8", z, y, x, 3))).toBeUndefined();

    // History: VersionIDs mapped to UUIDs, master reported as "master".
    const history = await root.history();
    const byUuid = new Map(history.map((v) => [v.uuid, v]));
    expect(byUuid.get(root.ref)).toMatchObject({ branch: "master", locked: true, parents: [] });
    expect([...byUuid.get(root.ref)!.children].sort()).toEqual([child.ref, dev.ref].sort());
    expect(byUuid.get(child.ref)).toMatchObject({ branch: "master", parents: [root.ref], note: "next" });
    expect(byUuid.get(dev.ref)).toMatchObject({ branch: "dev", parents: [root.ref], note: "proofreading" });
    expect((await child.ancestors()).map((v) => v.uuid)).toEqual([child.ref, root.ref]);
    expect(await root.branchVersions("master")).toEqual([child.ref, root.ref]);
    expect(await root.branchVersions("dev")).toEqual([dev.ref, root.ref]);
  });

  it("resolves UUID prefixes and prefix:branch references to the right version", async () => {
    const root = await client.createRepo({ alias: `refs-${Date.now()}` });
    const vol = await root.createVolume("gray", "uint16");
    await vol.write([0, 0, 0], patternArray("uint16", BOX, 4));
    await root.commit("c1");
    const child = await root.newVersion();
    await child.volume("gray").write([0, 0, 0], patternArray("uint16", BOX, 5));

    const master = client.version(`${root.ref.slice(0, 12)}:master`);
    expect(await master.uuid()).toBe(child.ref);
    expect(await client.version(`${root.ref.slice(0, 12)}:master~1`).uuid()).toBe(root.ref);
    const byPrefix = client.version(child.ref.slice(0, 10));
    expect(await byPrefix.uuid()).toBe(child.ref);
    const viaBranch = await master.volume("gray").read(BOX);
    expect(firstMismatch(viaBranch.data, BOX, (z, y, x) => valueAt("uint16", z, y, x, 5))).toBeUndefined();
    const past = await expectRejectCode(client.version(`${root.ref.slice(0, 12)}:master~5`).uuid(), "NOT_FOUND");
    expect(past.message).toContain('branch "master" has 2 versions, so ~5 reaches back past its root');
  });

  it("rejects a voxel write to a committed version with LOCKED_VERSION naming it, and changes nothing", async () => {
    const root = await client.createRepo({ alias: `locked-${Date.now()}` });
    const vol = await root.createVolume("gray", "uint8");
    await vol.write([0, 0, 0], patternArray("uint8", BOX, 6));
    await root.commit("frozen");
    const err = await expectRejectCode(vol.write([0, 0, 0], patternArray("uint8", BOX, 7)), "LOCKED_VERSION");
    expect(err.uuid).toBe(root.ref);
    expect(err.message).toContain(root.ref);
    expect(err.status).toBe(400);
    const after = await vol.read(BOX);
    expect(firstMismatch(after.data, BOX, (z, y, x) => valueAt("uint8", z, y, x, 6))).toBeUndefined();
    // Notes, logs and a second commit are refused the same way.
    expect((await expectRejectCode(root.setNote("late"), "LOCKED_VERSION")).uuid).toBe(root.ref);
    await expectRejectCode(root.appendLog(["late"]), "LOCKED_VERSION");
    await expectRejectCode(root.commit("again"), "LOCKED_VERSION");
  });

  it("sets notes and appends log entries on an open version", async () => {
    const root = await client.createRepo({ alias: `notes-${Date.now()}` });
    await root.setNote("work in progress");
    await root.appendLog(["step one", "step two"]);
    expect(await root.note()).toBe("work in progress");
    const log = await root.log();
    expect(log.slice(-2).map((e) => e.replace(/^\S+\s+/, ""))).toEqual(["step one", "step two"]);
  });

  it("refuses to branch an uncommitted version with a 400 from DVID", async () => {
    const root = await client.createRepo({ alias: `unlocked-${Date.now()}` });
    const err = await expectRejectCode(root.newVersion(), "HTTP_ERROR");
    expect(err.status).toBe(400);
    expect(err.path).toBe(`/api/node/${root.ref}/newversion`);
    expect(err.dvidMessage!.length).toBeGreaterThan(0);
  });

  it("merges two committed branches into a version with both as parents", async () => {
    const root = await client.createRepo({ alias: `merge-${Date.now()}` });
    const vol = await root.createVolume("gray", "uint8");
    await root.commit("base");
    const a = await root.newVersion();
    const b = await root.branch("side");
    await a.volume("gray").write([0, 0, 0], patternArray("uint8", BOX, 8));
    await b.volume("gray").write([32, 0, 0], patternArray("uint8", [[32, 64], [0, 32], [0, 32]], 9));
    await a.commit("a");
    await b.commit("b");
    const merged = await a.merge([b], { note: "both" });
    const info = await merged.info();
    expect(info.parents).toEqual([a.ref, b.ref]);
    const left = await merged.volume("gray").read(BOX);
    expect(firstMismatch(left.data, BOX, (z, y, x) => valueAt("uint8", z, y, x, 8))).toBeUndefined();
    const right = await merged.volume("gray").read([[32, 64], [0, 32], [0, 32]]);
    expect(firstMismatch(right.data, [[32, 64], [0, 32], [0, 32]], (z, y, x) => valueAt("uint8", z, y, x, 9))).toBeUndefined();
    expect(vol.name).toBe("gray");
  });

  it("lists the repo's instances with their types", async () => {
    const root = await client.createRepo({ alias: `instances-${Date.now()}` });
    await root.createVolume("seg", "uint64", { labels: true });
    await root.createKeyValue("files");
    const names = (await root.instances()).map((i) => [i.name, i.typeName]);
    expect(names).toEqual([
      ["files", "keyvalue"],
      ["seg", "labelblk"],
    ]);
    // A volume handle on a keyvalue instance fails clearly on first use.
    const err = await expectRejectCode(root.volume("files").info(), "INVALID_ARGUMENT");
    expect(isVolumeClientError(err)).toBe(true);
  });
});

/** A 32-hex UUID no version has (random: a collision is a 2^-122 event). */
const unknownUuid = () => randomUUID().replace(/-/g, "");

describe("version references that match nothing", () => {
  it("raises NOT_FOUND naming an unknown full UUID on reads, writes, metadata and key-value calls", async () => {
    const uuid = unknownUuid();
    const v = client.version(uuid);
    const calls: [string, () => Promise<unknown>][] = [
      ["read", () => v.volume("gray").read(BOX)],
      ["write", () => v.volume("gray", { dtype: "uint8" }).write([0, 0, 0], patternArray("uint8", BOX, 1))],
      ["info", () => v.info()],
      ["repoInfo", () => v.repoInfo()],
      ["isLocked", () => v.isLocked()],
      ["note", () => v.note()],
      ["commit", () => v.commit("nothing")],
      ["createVolume", () => v.createVolume("gray", "uint8")],
      ["key-value get", () => v.keyValue("files").get("k")],
      ["key-value put", () => v.keyValue("files").put("k", "x")],
    ];
    for (const [what, call] of calls) {
      const err = await expectRejectCode(call, "NOT_FOUND").catch((e: Error) => {
        throw new Error(`${what}: ${e.message}`);
      });
      expect(err.uuid).toBe(uuid);
      expect(err.message).toContain(uuid);
      expect(err.status).toBe(400); // DVID's own answer, kept with its message
      expect(err.cause).toBeDefined();
    }
  });

  it("raises NOT_FOUND for a UUID prefix that matches no version", async () => {
    const prefix = unknownUuid().slice(0, 12);
    const err = await expectRejectCode(client.version(prefix).uuid(), "NOT_FOUND");
    expect(err.message).toContain(`"${prefix}" matches no version`);
    // Also when the prefix goes to the server as it is (an instance's info).
    await expectRejectCode(client.version(prefix).volume("gray").info(), "NOT_FOUND");
    await expectRejectCode(client.version(`${prefix}:master`).uuid(), "NOT_FOUND");
  });

  it("raises NOT_FOUND for a branch the repo does not have, naming the branches it has", async () => {
    const root = await client.createRepo({ alias: `nobranch-${Date.now()}` });
    await root.createVolume("gray", "uint8");
    await root.commit("c");
    await root.branch("dev");
    const prefix = root.ref.slice(0, 12);
    for (const ref of [`${prefix}:nosuchbranch`, `${prefix}:nosuchbranch~1`]) {
      const err = await expectRejectCode(client.version(ref).uuid(), "NOT_FOUND");
      expect(err.message).toContain('no branch "nosuchbranch"');
      expect(err.message).toContain("dev, master");
      await expectRejectCode(client.version(ref).volume("gray").read(BOX), "NOT_FOUND");
    }
    // The branches that exist still resolve.
    expect(await client.version(`${prefix}:dev`).uuid()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("rejects a UUID prefix that matches several versions with INVALID_ARGUMENT listing them", async () => {
    const prefix = unknownUuid().slice(0, 10);
    const rootUuid = `${prefix}${"0".repeat(22)}`;
    const childUuid = `${prefix}${"1".repeat(22)}`;
    const root = await client.createRepo({ alias: `ambiguous-${Date.now()}`, root: rootUuid });
    await root.commit("c");
    await root.newVersion({ uuid: childUuid });
    const err = await expectRejectCode(client.version(prefix).uuid(), "INVALID_ARGUMENT");
    expect(err.message).toContain("ambiguous");
    expect(err.message).toContain(rootUuid);
    expect(err.message).toContain(childUuid);
    expect(await client.version(`${prefix}0`).uuid()).toBe(rootUuid);
    // An empty prefix is as ambiguous when the server holds several repos.
    expect((await client.listRepos()).length).toBeGreaterThan(1);
    const empty = await expectRejectCode(client.version(":master").uuid(), "INVALID_ARGUMENT");
    expect(empty.message).toContain("put a UUID prefix before");
  });
});
