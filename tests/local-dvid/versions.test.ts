import { beforeAll, describe, expect, it } from "@jest/globals";
import {
  branch,
  commit,
  expectDvidError,
  newInstance,
  newRepo,
  newVersion,
  rawPath,
  request,
  snapshotStore,
  startCluster,
  useCluster,
} from "./server-helpers.js";

const c = useCluster(1, { adminToken: "admin-secret" });

const mkRepo = () => newRepo(c.url, {}, "?admintoken=admin-secret");
const block = (v: number) => Buffer.alloc(8 * 8 * 8, v);
const write = (uuid: string, name: string, v: number, offset: number[] = [0, 0, 0]) =>
  request(`${c.url}${rawPath(uuid, name, [8, 8, 8], offset)}`, { method: "POST", body: block(v) });
const readFirst = async (uuid: string, name: string, offset: number[] = [0, 0, 0]) =>
  (await request(`${c.url}${rawPath(uuid, name, [8, 8, 8], offset)}`)).body[0];

describe("commit and locks", () => {
  it("reports the lock state as exactly {\"Locked\":false} / {\"Locked\":true} on status and commit", async () => {
    const root = await mkRepo();
    expect((await request(`${c.url}/api/node/${root}/status`)).text).toBe('{"Locked":false}');
    await commit(c.url, root, "done");
    expect((await request(`${c.url}/api/node/${root}/status`)).text).toBe('{"Locked":true}');
    expect((await request(`${c.url}/api/node/${root}/commit`)).text).toBe('{"Locked":true}');
  });

  it("refuses a commit with an empty body, and answers {\"committed\": uuid} otherwise", async () => {
    const root = await mkRepo();
    expectDvidError(
      await request(`${c.url}/api/node/${root}/commit`, { method: "POST" }),
      400,
      "Malformed JSON request in body: unexpected end of JSON input",
      `/api/node/${root}/commit`,
    );
    const r = await request(`${c.url}/api/node/${root}/commit`, { method: "POST", body: { note: "msg", log: ["l1"] } });
    expect(r.text).toBe(`{"committed": "${root}"}`);
    const node = (await request(`${c.url}/api/repo/${root}/info`)).json().DAG.Nodes[root];
    expect(node.Note).toBe("msg");
    expect(node.Log).toHaveLength(1);
    expect(node.Log[0]).toMatch(/ {2}l1$/);
  });

  it("refuses node-level posts on a locked node with DVID's text", async () => {
    const root = await mkRepo();
    await commit(c.url, root);
    for (const action of ["commit", "note", "log"]) {
      expectDvidError(
        await request(`${c.url}/api/node/${root}/${action}`, { method: "POST", body: { note: "x", log: ["y"] } }),
        400,
        `Cannot do post on locked node ${root}`,
        `/api/node/${root}/${action}`,
      );
    }
  });

  it("refuses voxel and key writes to a locked node, but not reads, and writes nothing", async () => {
    const root = await mkRepo();
    await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
    await newInstance(c.url, root, "keyvalue", "kv");
    await write(root, "img", 4);
    await commit(c.url, root);
    const before = await snapshotStore(c.store);
    const path = rawPath(root, "img", [8, 8, 8], [0, 0, 0]);
    expectDvidError(
      await request(`${c.url}${path}`, { method: "POST", body: block(9) }),
      400,
      `Cannot do POST on endpoint "raw" of locked node ${root}`,
      path,
    );
    expectDvidError(
      await request(`${c.url}/api/node/${root}/kv/key/a`, { method: "DELETE" }),
      400,
      `Cannot do DELETE on endpoint "key" of locked node ${root}`,
    );
    expect(await snapshotStore(c.store)).toEqual(before);
    expect(await readFirst(root, "img")).toBe(4);
  });

  it("lets the admin token write to a locked node, and every later read sees it", async () => {
    const root = await mkRepo();
    await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
    await write(root, "img", 1);
    await commit(c.url, root);
    const child = await newVersion(c.url, root);
    // Read through the child once so the locked root's block list is cached.
    expect(await readFirst(child, "img", [8, 0, 0])).toBe(0);
    const r = await request(`${c.url}${rawPath(root, "img", [8, 8, 8], [8, 0, 0])}?admintoken=admin-secret`, { method: "POST", body: block(6) });
    expect(r.status).toBe(200);
    expect(await readFirst(root, "img", [8, 0, 0])).toBe(6);
    expect(await readFirst(child, "img", [8, 0, 0])).toBe(6);
  });

  it("sets and reads node notes and logs on unlocked nodes", async () => {
    const root = await mkRepo();
    expect((await request(`${c.url}/api/node/${root}/note`, { method: "POST", body: { note: "hello" } })).status).toBe(200);
    expect((await request(`${c.url}/api/node/${root}/note`)).json()).toEqual({ note: "hello" });
    expect((await request(`${c.url}/api/node/${root}/log`, { method: "POST", body: { log: ["a", "b"] } })).status).toBe(200);
    const log = (await request(`${c.url}/api/node/${root}/log`)).json().log;
    expect(log).toHaveLength(2);
    expect(log[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}b$/);
    expectDvidError(await request(`${c.url}/api/node/${root}/note`, { method: "POST", body: { note: 3 } }), 400, "Malformed JSON request in body");
    expectDvidError(await request(`${c.url}/api/node/${root}/note`, { method: "POST", body: {} }), 400, "Could not find 'note' value in POSTed JSON.");
  });

  it("answers an unknown node action with 404 and a bare node path with 404", async () => {
    const root = await mkRepo();
    expect((await request(`${c.url}/api/node/${root}/nosuchaction`)).text).toBe("404 page not found\n");
    expect((await request(`${c.url}/api/node/${root}`)).status).toBe(404);
  });
});

describe("newversion and branch", () => {
  it("refuses to version an unlocked node", async () => {
    const root = await mkRepo();
    expectDvidError(await request(`${c.url}/api/node/${root}/newversion`, { method: "POST" }), 400, "can't branch an unlocked node");
    expectDvidError(await request(`${c.url}/api/node/${root}/branch`, { method: "POST", body: { branch: "b" } }), 400, "can't branch an unlocked node");
  });

  it("allows one newversion per parent and branch, accepting an empty body", async () => {
    const root = await mkRepo();
    await commit(c.url, root);
    const child = await newVersion(c.url, root);
    expect(child).toMatch(/^[0-9a-f]{32}$/);
    expectDvidError(
      await request(`${c.url}/api/node/${root}/newversion`, { method: "POST" }),
      400,
      "branch already exists with given name",
    );
  });

  it("takes a caller's 32-hex child UUID and refuses a malformed one", async () => {
    const root = await mkRepo();
    await commit(c.url, root);
    expectDvidError(await request(`${c.url}/api/node/${root}/newversion`, { method: "POST", body: { uuid: "xyz" } }), 400, "Bad UUID provided");
    const wanted = "abcdef0123456789abcdef0123456789";
    const r = await request(`${c.url}/api/node/${root}/newversion`, { method: "POST", body: { uuid: wanted, note: "n" } });
    expect(r.json()).toEqual({ child: wanted });
  });

  it("applies DVID's branch naming rules", async () => {
    const root = await mkRepo();
    await commit(c.url, root);
    for (const name of ["", "master"]) {
      expectDvidError(await request(`${c.url}/api/node/${root}/branch`, { method: "POST", body: { branch: name } }), 400, "Cannot create a master branch");
    }
    expectDvidError(await request(`${c.url}/api/node/${root}/branch`, { method: "POST", body: {} }), 400, "Cannot create a master branch");
    const dev = await branch(c.url, root, "dev");
    expectDvidError(await request(`${c.url}/api/node/${root}/branch`, { method: "POST", body: { branch: "dev" } }), 400, "branch already exists with given name");
    await commit(c.url, dev);
    // The parent's own branch name acts like newversion.
    const dev2 = await branch(c.url, dev, "dev");
    const nodes = (await request(`${c.url}/api/repo/${root}/info`)).json().DAG.Nodes;
    expect(nodes[dev].Branch).toBe("dev");
    expect(nodes[dev2].Branch).toBe("dev");
    expect(nodes[dev2].Parents).toEqual([nodes[dev].VersionID]);
  });

  it("creates a committed tag child whose UUID is the tag, on branch tag-<tag>", async () => {
    const root = await mkRepo();
    await commit(c.url, root);
    const tagName = `v1-${root.slice(0, 6)}`;
    const r = await request(`${c.url}/api/node/${root}/tag`, { method: "POST", body: { tag: tagName, note: "release" } });
    expect(r.json()).toEqual({ child: tagName });
    const node = (await request(`${c.url}/api/repo/${root}/info`)).json().DAG.Nodes[tagName];
    expect(node).toMatchObject({ Branch: `tag-${tagName}`, Locked: true, Note: "release" });
    expect((await request(`${c.url}/api/node/${tagName}/status`)).text).toBe('{"Locked":true}');
  });
});

describe("UUID references", () => {
  let root: string;
  let v2: string;
  let v3: string;
  let dev: string;
  beforeAll(async () => {
    root = await mkRepo();
    await commit(c.url, root);
    v2 = await newVersion(c.url, root);
    await commit(c.url, v2);
    v3 = await newVersion(c.url, v2);
    dev = await branch(c.url, root, "dev");
  });

  const resolve = async (spec: string) => (await request(`${c.url}/api/node/${spec}/note`, { method: "GET" })).status;
  const uuidOf = async (spec: string): Promise<string> => {
    await request(`${c.url}/api/node/${spec}/note`, { method: "POST", body: { note: spec } });
    const nodes = (await request(`${c.url}/api/repo/${root}/info`)).json().DAG.Nodes as Record<string, { Note: string }>;
    return Object.keys(nodes).find((u) => nodes[u].Note === spec) as string;
  };

  it("resolves a unique prefix of any length", async () => {
    expect(await resolve(v3.slice(0, 6))).toBe(200);
    expect(await resolve(v3)).toBe(200);
  });

  it("resolves prefix:master and prefix:branch to the branch leaves", async () => {
    expect(await uuidOf(`${root.slice(0, 8)}:master`)).toBe(v3);
    expect(await uuidOf(`${v2}:dev`)).toBe(dev);
  });

  it("resolves prefix:master~N along the branch ancestry, listed by branch-versions", async () => {
    const versions = (await request(`${c.url}/api/repo/${root}/branch-versions/master`)).json();
    expect(versions).toEqual([v3, v2, root]);
    expect((await request(`${c.url}/api/repo/${root}/branch-versions/dev`)).json()).toEqual([dev, root]);
    expect((await request(`${c.url}/api/repo/${root}/branch-versions/nope`)).json()).toEqual([]);
    const r = await request(`${c.url}/api/node/${root}:master~2/status`);
    expect(r.text).toBe('{"Locked":true}');
    expect((await request(`${c.url}/api/node/${root}:master~0/status`)).text).toBe('{"Locked":false}');
    expectDvidError(await request(`${c.url}/api/node/${root}:master~3/status`), 400, 'parent 3 is out of range for branch "master"');
    expectDvidError(await request(`${c.url}/api/node/${root}:master~x/status`), 400, `can't parse parent "x" in branch "master"`);
  });

  it("answers unknown, ambiguous and malformed references with 400", async () => {
    expectDvidError(await request(`${c.url}/api/node/zz/status`), 400, "could not find UUID with partial match to zz", "/api/node/zz/status");
    expectDvidError(await request(`${c.url}/api/node/${root}:nobranch/status`), 400, `branch "nobranch" not found in repo "${root}"`);
    expectDvidError(await request(`${c.url}/api/node/a:b:c/status`), 400, 'bad UUID specification "a:b:c"');
    // Two UUIDs sharing a prefix (chosen roots) make that prefix ambiguous.
    await newRepo(c.url, { root: "amb1" + "0".repeat(28) }, "?admintoken=admin-secret");
    await newRepo(c.url, { root: "amb1" + "1".repeat(28) }, "?admintoken=admin-secret");
    expectDvidError(await request(`${c.url}/api/node/amb1/status`), 400, "more than one UUID matches amb1");
    expect(await resolve("amb10")).toBe(200);
    // An empty prefix needs exactly one repo on the server.
    expectDvidError(await request(`${c.url}/api/node/:master/status`), 400, "UUID must be specified if more than one repo exists");
  });

  it("resolves :master when the server holds exactly one repo", async () => {
    const solo = await startCluster(1);
    try {
      const only = await newRepo(solo.url);
      expect((await request(`${solo.url}/api/node/:master/status`)).status).toBe(200);
      expect((await request(`${solo.url}/api/repo/:master/info`)).json().Root).toBe(only);
    } finally {
      await solo.close();
    }
  });
});

describe("copy-on-write versions", () => {
  it("lets a child see its parent's data and keeps the parent unchanged by the child's writes", async () => {
    const root = await mkRepo();
    await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
    await write(root, "img", 1, [0, 0, 0]);
    await write(root, "img", 2, [8, 0, 0]);
    await commit(c.url, root);
    const child = await newVersion(c.url, root);
    await write(child, "img", 3, [8, 0, 0]);
    await write(child, "img", 4, [16, 0, 0]);
    expect([await readFirst(child, "img", [0, 0, 0]), await readFirst(child, "img", [8, 0, 0]), await readFirst(child, "img", [16, 0, 0])]).toEqual([1, 3, 4]);
    expect([await readFirst(root, "img", [0, 0, 0]), await readFirst(root, "img", [8, 0, 0]), await readFirst(root, "img", [16, 0, 0])]).toEqual([1, 2, 0]);
    // A read across both blocks at the child mixes inherited and own blocks.
    const both = (await request(`${c.url}${rawPath(child, "img", [16, 8, 8], [0, 0, 0])}`)).body;
    expect([both[0], both[8]]).toEqual([1, 3]);
  });

  it("isolates sibling branches from each other", async () => {
    const root = await mkRepo();
    await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
    await write(root, "img", 1);
    await commit(c.url, root);
    const a = await newVersion(c.url, root);
    const b = await branch(c.url, root, "side");
    await write(a, "img", 10);
    await write(b, "img", 20);
    expect([await readFirst(root, "img"), await readFirst(a, "img"), await readFirst(b, "img")]).toEqual([1, 10, 20]);
  });

  it("reads through a deep chain of versions, each seeing the nearest write", async () => {
    const root = await mkRepo();
    await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
    let v = root;
    const chain = [root];
    for (let i = 1; i <= 10; i++) {
      if (i % 3 === 0) await write(v, "img", i, [8 * i, 0, 0]);
      await commit(c.url, v);
      v = await newVersion(c.url, v);
      chain.push(v);
    }
    for (let i = 1; i <= 10; i++) {
      const expected = i % 3 === 0 ? i : 0;
      expect(await readFirst(v, "img", [8 * i, 0, 0])).toBe(expected);
    }
    expect(await readFirst(chain[4], "img", [8 * 6, 0, 0])).toBe(0);
    expect(await readFirst(chain[7], "img", [8 * 6, 0, 0])).toBe(6);
    // Extents are inherited along the chain too.
    expect((await request(`${c.url}/api/node/${v}/img/info`)).json().Extents.MaxPoint).toEqual([79, 7, 7]);
  });

  it("maps every node to the root for unversioned instances, which stay writable on locked nodes", async () => {
    const root = await mkRepo();
    await newInstance(c.url, root, "uint8blk", "shared", { BlockSize: "8,8,8", versioned: "false" });
    await commit(c.url, root);
    const child = await newVersion(c.url, root);
    expect((await write(root, "shared", 5)).status).toBe(200);
    expect(await readFirst(child, "shared")).toBe(5);
    expect((await write(child, "shared", 6)).status).toBe(200);
    expect(await readFirst(root, "shared")).toBe(6);
  });

  it("makes a conflict-free merge see the non-overlapping changes of all parents", async () => {
    const root = await mkRepo();
    await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
    await newInstance(c.url, root, "keyvalue", "kv");
    await write(root, "img", 1, [0, 0, 0]);
    await commit(c.url, root);
    const a = await newVersion(c.url, root);
    const b = await branch(c.url, root, "other");
    await write(a, "img", 2, [8, 0, 0]);
    await write(b, "img", 3, [16, 0, 0]);
    await request(`${c.url}/api/node/${b}/kv/key/from-b`, { method: "POST", body: "B" });
    expectDvidError(
      await request(`${c.url}/api/repo/${root}/merge`, { method: "POST", body: { mergeType: "conflict-free", parents: [a, b] } }),
      400,
      "can't branch an unlocked node",
    );
    await commit(c.url, a);
    await commit(c.url, b);
    expectDvidError(
      await request(`${c.url}/api/repo/${root}/merge`, { method: "POST", body: { mergeType: "auto", parents: [a, b] } }),
      400,
      "'mergeType' must be 'conflict-free' at this time",
    );
    expectDvidError(
      await request(`${c.url}/api/repo/${root}/merge`, { method: "POST", body: { mergeType: "conflict-free", parents: [a] } }),
      400,
      "Must specify at least two parent UUIDs using 'parents' field",
    );
    expectDvidError(
      await request(`${c.url}/api/repo/${root}/merge`, { method: "POST", body: { mergeType: "conflict-free", parents: [a, "nope"] } }),
      400,
      `can't match parent "nope": could not find UUID with partial match to nope`,
    );
    const r = await request(`${c.url}/api/repo/${root}/merge`, {
      method: "POST",
      body: { mergeType: "conflict-free", parents: [a, b.slice(0, 10)], note: "merged" },
    });
    expect(r.status).toBe(200);
    const m = r.json().child as string;
    expect([await readFirst(m, "img", [0, 0, 0]), await readFirst(m, "img", [8, 0, 0]), await readFirst(m, "img", [16, 0, 0])]).toEqual([1, 2, 3]);
    expect((await request(`${c.url}/api/node/${m}/kv/key/from-b`)).text).toBe("B");
    const nodes = (await request(`${c.url}/api/repo/${root}/info`)).json().DAG.Nodes;
    expect(nodes[m]).toMatchObject({ Note: "merged", Locked: false, Branch: "", Parents: [nodes[a].VersionID, nodes[b].VersionID] });
    expect(nodes[a].Children).toContain(nodes[m].VersionID);
    expect(nodes[b].Children).toContain(nodes[m].VersionID);
  });

  it("prefers the first parent when both merged parents wrote the same block", async () => {
    const root = await mkRepo();
    await newInstance(c.url, root, "uint8blk", "img", { BlockSize: "8,8,8" });
    await commit(c.url, root);
    const a = await newVersion(c.url, root);
    const b = await branch(c.url, root, "b");
    await write(a, "img", 7);
    await write(b, "img", 8);
    await commit(c.url, a);
    await commit(c.url, b);
    const m1 = (await request(`${c.url}/api/repo/${root}/merge`, { method: "POST", body: { mergeType: "conflict-free", parents: [a, b] } })).json().child;
    const m2 = (await request(`${c.url}/api/repo/${root}/merge`, { method: "POST", body: { mergeType: "conflict-free", parents: [b, a] } })).json().child;
    expect([await readFirst(m1, "img"), await readFirst(m2, "img")]).toEqual([7, 8]);
  });
});
