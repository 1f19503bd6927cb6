import { beforeAll, describe, expect, it } from "@jest/globals";
import { branch, commit, expectDvidError, newInstance, newRepo, newVersion, request, useCluster } from "./server-helpers.js";

const c = useCluster(1);
let root: string;
beforeAll(async () => {
  root = await newRepo(c.url);
  await newInstance(c.url, root, "keyvalue", "files");
});

const key = (uuid: string, k: string, name = "files") => `${c.url}/api/node/${uuid}/${name}/key/${encodeURIComponent(k)}`;

describe("keyvalue keys", () => {
  it("stores and returns binary values byte for byte", async () => {
    const value = Buffer.from([0, 1, 2, 255, 254, 0, 10]);
    expect((await request(key(root, "bin"), { method: "POST", body: value })).status).toBe(200);
    const r = await request(key(root, "bin"));
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/octet-stream");
    expect(Buffer.compare(r.body, value)).toBe(0);
  });

  it("stores an empty value, which exists", async () => {
    await request(key(root, "empty"), { method: "POST", body: Buffer.alloc(0) });
    const r = await request(key(root, "empty"));
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(0);
    expect((await request(key(root, "empty"), { method: "HEAD" })).status).toBe(200);
  });

  it("answers a missing key with 404 Key \"k\" not found, and HEAD with 404", async () => {
    const r = await request(key(root, "missing"));
    expect(r.status).toBe(404);
    expect(r.text).toBe('Key "missing" not found\n');
    expect((await request(key(root, "missing"), { method: "HEAD" })).status).toBe(404);
  });

  it("keeps keys with spaces, unicode and punctuation distinct", async () => {
    const keys = ["a b", "ünïcødé", "x.y~z", "tab\tkey", "semi;colon"];
    for (const [i, k] of keys.entries()) await request(key(root, k), { method: "POST", body: `v${i}` });
    for (const [i, k] of keys.entries()) expect((await request(key(root, k))).text).toBe(`v${i}`);
  });

  it("uses only the text before a slash as the key, as DVID's decoded path does", async () => {
    await request(`${c.url}/api/node/${root}/files/key/dir%2Ffile`, { method: "POST", body: "slashed" });
    expect((await request(key(root, "dir"))).text).toBe("slashed");
  });

  it("deletes keys and rejects a missing key name", async () => {
    await request(key(root, "gone"), { method: "POST", body: "x" });
    expect((await request(key(root, "gone"), { method: "DELETE" })).status).toBe(200);
    expect((await request(key(root, "gone"))).status).toBe(404);
    expectDvidError(await request(`${c.url}/api/node/${root}/files/key/`, { method: "POST", body: "x" }), 400, "requires a key name");
    expectDvidError(await request(key(root, "k".repeat(401)), { method: "POST", body: "x" }), 400, "at most 400 bytes");
  });

  it("lists keys sorted, and key ranges inclusively", async () => {
    const kv = await newRepo(c.url);
    await newInstance(c.url, kv, "keyvalue", "k");
    for (const k of ["b", "a", "c2", "c1", "d"]) await request(key(kv, k, "k"), { method: "POST", body: k });
    expect((await request(`${c.url}/api/node/${kv}/k/keys`)).json()).toEqual(["a", "b", "c1", "c2", "d"]);
    expect((await request(`${c.url}/api/node/${kv}/k/keyrange/b/c2`)).json()).toEqual(["b", "c1", "c2"]);
    expect((await request(`${c.url}/api/node/${kv}/k/keyrange/c/c9`)).json()).toEqual(["c1", "c2"]);
  });

  it("refuses unknown keywords and verbs", async () => {
    const bad = await request(`${c.url}/api/node/${root}/files/bogus`);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^Bad API call .* for data "files"/);
    expectDvidError(await request(key(root, "x"), { method: "PUT", body: "x" }), 400, "can only handle GET, HEAD, POST or DELETE");
  });
});

describe("versioned keyvalue", () => {
  it("inherits values, hides deleted keys from the deleting version on, and keeps ancestors' values", async () => {
    const r = await newRepo(c.url);
    await newInstance(c.url, r, "keyvalue", "kv");
    await request(key(r, "a", "kv"), { method: "POST", body: "A0" });
    await request(key(r, "b", "kv"), { method: "POST", body: "B0" });
    await commit(c.url, r);
    const v1 = await newVersion(c.url, r);
    await request(key(v1, "a", "kv"), { method: "DELETE" });
    await request(key(v1, "b", "kv"), { method: "POST", body: "B1" });
    await request(key(v1, "c", "kv"), { method: "POST", body: "C1" });
    await commit(c.url, v1);
    const v2 = await newVersion(c.url, v1);
    const side = await branch(c.url, r, "side");

    expect((await request(key(v2, "a", "kv"))).status).toBe(404);
    expect((await request(key(v2, "b", "kv"))).text).toBe("B1");
    expect((await request(key(r, "a", "kv"))).text).toBe("A0");
    expect((await request(key(r, "b", "kv"))).text).toBe("B0");
    expect((await request(key(side, "a", "kv"))).text).toBe("A0");
    expect((await request(`${c.url}/api/node/${v2}/kv/keys`)).json()).toEqual(["b", "c"]);
    expect((await request(`${c.url}/api/node/${r}/kv/keys`)).json()).toEqual(["a", "b"]);
    expect((await request(`${c.url}/api/node/${side}/kv/keys`)).json()).toEqual(["a", "b"]);
    // Re-creating a deleted key in a later version makes it visible again.
    await request(key(v2, "a", "kv"), { method: "POST", body: "A2" });
    expect((await request(key(v2, "a", "kv"))).text).toBe("A2");
  });

  it("shares unversioned keyvalue data across all nodes and allows writes on locked nodes", async () => {
    const r = await newRepo(c.url);
    await newInstance(c.url, r, "keyvalue", "shared", { versioned: false });
    await commit(c.url, r);
    const child = await newVersion(c.url, r);
    expect((await request(key(r, "x", "shared"), { method: "POST", body: "1" })).status).toBe(200);
    expect((await request(key(child, "x", "shared"))).text).toBe("1");
    expect((await request(key(child, "x", "shared"), { method: "DELETE" })).status).toBe(200);
    expect((await request(key(r, "x", "shared"))).status).toBe(404);
  });
});
