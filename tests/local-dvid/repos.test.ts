import { describe, expect, it } from "@jest/globals";
import {
  commit,
  expectDvidError,
  newInstance,
  newRepo,
  newVersion,
  request,
  snapshotStore,
  startCluster,
  useCluster,
} from "./server-helpers.js";

const c = useCluster(1);

const RFC3339_LOG = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}/;

describe("POST /api/repos", () => {
  it("creates a repo and answers {\"root\": uuid} with a 32-hex UUID, written with a space", async () => {
    const r = await request(`${c.url}/api/repos`, { method: "POST", body: { alias: "fib", description: "d" } });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.text).toMatch(/^\{"root": "[0-9a-f]{32}"\}$/);
  });

  it("accepts an empty body", async () => {
    const r = await request(`${c.url}/api/repos`, { method: "POST" });
    expect(r.status).toBe(200);
    expect(r.json().root).toMatch(/^[0-9a-f]{32}$/);
  });

  it("uses a caller-chosen root UUID and refuses one that already exists", async () => {
    const root = "c0ffee" + "0".repeat(26);
    expect(await newRepo(c.url, { root })).toBe(root);
    const again = await request(`${c.url}/api/repos`, { method: "POST", body: { root } });
    expectDvidError(again, 400, "UUID already exists in datastore", "/api/repos");
  });

  it("rejects non-string settings and malformed JSON with 400", async () => {
    expectDvidError(
      await request(`${c.url}/api/repos`, { method: "POST", body: { alias: 5 } }),
      400,
      "POST on repos endpoint requires valid 'alias': Setting for 'alias' was not a string: 5",
    );
    expectDvidError(await request(`${c.url}/api/repos`, { method: "POST", body: "{nope" }), 400, "Error decoding POSTed JSON config for new repo");
  });

  it("requires ?admintoken= when the server has an admin token, and refuses every write in read-only mode", async () => {
    const secured = await startCluster(1, { adminToken: "s3cret" });
    const readonly = await startCluster(1, { readonly: true, store: secured.store });
    try {
      expectDvidError(
        await request(`${secured.url}/api/repos`, { method: "POST" }),
        400,
        "Creating a repo requires admin privileges (admintoken or DSG admin) on a server that is not read-only",
      );
      expectDvidError(await request(`${secured.url}/api/repos?admintoken=wrong`, { method: "POST" }), 400, "requires admin privileges");
      const root = await newRepo(secured.url, {}, "?admintoken=s3cret");
      const info = await request(`${readonly.url}/api/server/info`);
      expect(info.json().Mode).toBe("read only");
      const before = await snapshotStore(secured.store);
      for (const path of ["/api/repos", `/api/repo/${root}/instance`, `/api/node/${root}/commit`, `/api/node/${root}/x/raw/0_1_2/1_1_1/0_0_0`]) {
        expectDvidError(
          await request(`${readonly.url}${path}`, { method: "POST", body: {} }),
          400,
          "Server in read-only mode and will only accept GET and HEAD requests",
          path,
        );
      }
      expect(await snapshotStore(secured.store)).toEqual(before);
      expect((await request(`${readonly.url}/api/repo/${root}/info`)).status).toBe(200);
    } finally {
      await readonly.close();
      await secured.close();
    }
  });
});

describe("repo info", () => {
  it("returns DVID's repo fields, with the master branch as \"\" and VersionID parents", async () => {
    const root = await newRepo(c.url, { alias: "my-alias", description: "my description" });
    await newInstance(c.url, root, "uint8blk", "grayscale");
    await commit(c.url, root, "first commit");
    const child = await newVersion(c.url, root);
    const info = (await request(`${c.url}/api/repo/${child}/info`)).json();
    expect(Object.keys(info)).toEqual([
      "Root",
      "Alias",
      "Description",
      "Log",
      "Properties",
      "DataInstances",
      "DAG",
      "MutationID",
      "SavedMutationID",
      "Created",
      "Updated",
    ]);
    expect(info.Root).toBe(root);
    expect(info.Alias).toBe("my-alias");
    expect(info.Description).toBe("my description");
    expect(info.Properties).toEqual({});
    expect(info.MutationID).toBeGreaterThanOrEqual(1_000_000_000);
    expect(info.Log).toHaveLength(1);
    expect(info.Log[0]).toMatch(RFC3339_LOG);
    expect(info.Log[0]).toContain('New data instance "grayscale" of type "uint8blk" with config');
    expect(Object.keys(info.DataInstances)).toEqual(["grayscale"]);
    expect(info.DAG.Root).toBe(root);
    const rootNode = info.DAG.Nodes[root];
    const childNode = info.DAG.Nodes[child];
    expect(Object.keys(rootNode)).toEqual(["Branch", "Note", "Log", "UUID", "VersionID", "Locked", "Parents", "Children", "Created", "Updated"]);
    expect(rootNode).toMatchObject({ Branch: "", Note: "first commit", UUID: root, Locked: true, Parents: [] });
    expect(childNode).toMatchObject({ Branch: "", UUID: child, Locked: false, Parents: [rootNode.VersionID], Children: [] });
    expect(rootNode.Children).toEqual([childNode.VersionID]);
    expect(Number.isInteger(rootNode.VersionID)).toBe(true);
    expect(new Date(info.Created).getTime()).toBeGreaterThan(0);
  });

  it("lists every repo keyed by root in /api/repos/info", async () => {
    const a = await newRepo(c.url, { alias: "A" });
    const b = await newRepo(c.url, { alias: "B" });
    const all = (await request(`${c.url}/api/repos/info`)).json();
    expect(all[a].Alias).toBe("A");
    expect(all[b].Alias).toBe("B");
    expect(all[a].Root).toBe(a);
  });

  it("answers HEAD /api/repo/{uuid} with 200 for any node and 400 for an unknown UUID", async () => {
    const root = await newRepo(c.url);
    const ok = await request(`${c.url}/api/repo/${root}`, { method: "HEAD" });
    expect(ok.status).toBe(200);
    expect(ok.headers["content-type"]).toBe("text/plain");
    const missing = await request(`${c.url}/api/repo/ffffffffffffffffffffffffffffffff`, { method: "HEAD" });
    expect(missing.status).toBe(400);
    expect((await request(`${c.url}/api/repo/${root}`)).status).toBe(404);
  });

  it("updates alias and description with POST /api/repo/{uuid}/info, even on a locked node", async () => {
    const root = await newRepo(c.url, { alias: "old", description: "keep" });
    await commit(c.url, root);
    const r = await request(`${c.url}/api/repo/${root}/info`, { method: "POST", body: { alias: "new" } });
    expect(r.status).toBe(200);
    const info = (await request(`${c.url}/api/repo/${root}/info`)).json();
    expect(info.Alias).toBe("new");
    expect(info.Description).toBe("keep");
  });

  it("appends timestamped entries to the repo log, also when the node is locked", async () => {
    const root = await newRepo(c.url);
    await commit(c.url, root);
    const post = await request(`${c.url}/api/repo/${root}/log`, { method: "POST", body: { log: ["one", "two"] } });
    expect(post.status).toBe(200);
    const log = (await request(`${c.url}/api/repo/${root}/log`)).json().log as string[];
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}one$/);
    expect(log[1]).toMatch(/ {2}two$/);
    expectDvidError(
      await request(`${c.url}/api/repo/${root}/log`, { method: "POST", body: { nolog: [] } }),
      400,
      "Could not find 'log' value in POSTed JSON.",
    );
  });

  it("appends 200,000 log entries in one POST to the repo log, a node's log and a commit (more than one call's arguments may spread)", async () => {
    const entries = Array.from({ length: 200_000 }, (_, i) => `e${i}`);
    for (const action of ["repo", "node", "commit"]) {
      const root = await newRepo(c.url);
      const path = action === "repo" ? `/api/repo/${root}/log` : action === "node" ? `/api/node/${root}/log` : `/api/node/${root}/commit`;
      const post = await request(`${c.url}${path}`, { method: "POST", body: action === "commit" ? { note: "n", log: entries } : { log: entries } });
      expect(post.status).toBe(200);
      const log = (await request(`${c.url}${action === "repo" ? `/api/repo/${root}/log` : `/api/node/${root}/log`}`)).json().log as string[];
      expect(log).toHaveLength(entries.length);
      expect(log[entries.length - 1]).toMatch(/ {2}e199999$/);
    }
  });

  it("answers an unknown repo action with 404 after resolving the UUID, and an unknown UUID with 400", async () => {
    const root = await newRepo(c.url);
    expect((await request(`${c.url}/api/repo/${root}/nosuch`)).status).toBe(404);
    expectDvidError(
      await request(`${c.url}/api/repo/0123456789abcdef0123456789abcdef/nosuch`),
      400,
      "could not find UUID with partial match to 0123456789abcdef0123456789abcdef",
    );
  });
});
