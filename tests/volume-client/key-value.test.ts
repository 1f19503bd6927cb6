import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { connect, type DvidClient } from "../../volume-client/index.js";
import { startTestCluster, type TestCluster } from "./helpers/test-cluster.js";
import { expectRejectCode } from "./helpers/expect-error.js";

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

describe("key-value files", () => {
  it("puts, gets, lists and deletes keys; a missing key reads as undefined", async () => {
    const repo = await client.createRepo({ alias: `kv-${Date.now()}` });
    const kv = await repo.createKeyValue("files");
    const bytes = Uint8Array.from({ length: 70000 }, (_, i) => (i * 31) & 0xff);
    await kv.put("blob.bin", bytes);
    await kv.put("notes:1 ü", "héllo");
    await kv.putJson("meta.json", { shape: [1, 2, 3] });
    expect(new Uint8Array(await kv.get("blob.bin") as Buffer)).toEqual(bytes);
    expect(await kv.getText("notes:1 ü")).toBe("héllo");
    expect(await kv.getJson("meta.json")).toEqual({ shape: [1, 2, 3] });
    expect(await kv.get("missing")).toBeUndefined();
    expect(await kv.has("blob.bin")).toBe(true);
    expect(await kv.has("missing")).toBe(false);
    expect(await kv.keys()).toEqual(["blob.bin", "meta.json", "notes:1 ü"]);
    expect(await kv.keyRange("b", "meta.json")).toEqual(["blob.bin", "meta.json"]);
    await kv.delete("blob.bin");
    expect(await kv.get("blob.bin")).toBeUndefined();
    expect(await kv.keys()).toEqual(["meta.json", "notes:1 ü"]);
  });

  it("keeps each version's values apart and refuses writes to a committed version", async () => {
    const repo = await client.createRepo({ alias: `kv-versions-${Date.now()}` });
    const kv = await repo.createKeyValue("files");
    await kv.put("a", "root value");
    await repo.commit("c");
    const child = await repo.newVersion();
    const childKv = child.keyValue("files");
    await childKv.put("a", "child value");
    await childKv.delete("a");
    await childKv.put("b", "only in child");
    expect(await kv.getText("a")).toBe("root value");
    expect(await childKv.get("a")).toBeUndefined();
    expect(await kv.keys()).toEqual(["a"]);
    expect(await childKv.keys()).toEqual(["b"]);
    const err = await expectRejectCode(kv.put("a", "late"), "LOCKED_VERSION");
    expect(err.uuid).toBe(repo.ref);
    await expectRejectCode(kv.delete("a"), "LOCKED_VERSION");
    expect(await kv.getText("a")).toBe("root value");
  });

  it("lets an unversioned instance be written from a committed version", async () => {
    const repo = await client.createRepo({ alias: `kv-unversioned-${Date.now()}` });
    const kv = await repo.createKeyValue("shared", { versioned: false });
    await repo.commit("c");
    await kv.put("k", "v");
    expect(await kv.getText("k")).toBe("v");
  });
});
