// Local stores kept after `down`: listed with their size, running or not, and deleted only when
// nothing runs on them and only if they hold nothing but a store.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { deleteLocalClusterData, listLocalStores } from "../../local-dvid/cluster-data.js";
import { startLocalCluster, type LocalCluster } from "../../local-dvid/cluster.js";
import { httpGet, httpPost } from "../helpers/http.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";
import { expectCode } from "../helpers/expect-local-error.js";


/** The sizes of every file under `dir`, summed: what the listing must report. */
async function filesBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await filesBytes(path) : (await stat(path)).size;
  }
  return total;
}

/** Starts a one-node cluster, creates a repo (so the store holds files), and returns it running. */
async function clusterWithData(name: string, stateDir: string, storeDir?: string): Promise<LocalCluster> {
  const cluster = await startLocalCluster({ name, stateDir, nodes: 1, ...(storeDir === undefined ? {} : { storeDir }) });
  clusters.push(cluster);
  expect((await httpPost(`${cluster.writer}/api/repos`, JSON.stringify({ alias: name }))).status).toBe(200);
  return cluster;
}

let root: string;
const clusters: LocalCluster[] = [];

beforeAll(async () => {
  root = await createTempDir("cluster-data");
});
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
  await removeTempDir(root);
});

describe("listLocalStores", () => {
  it("lists every cluster folder that holds a store, stopped or running, with the store's size in bytes", async () => {
    const stateDir = join(root, "list");
    const custom = join(root, "list-custom-store");
    const kept = await clusterWithData("kept", stateDir);
    await kept.stop();
    const elsewhere = await clusterWithData("elsewhere", stateDir, custom);
    await elsewhere.stop(); // its state file is gone; the store record still says where the store is
    const live = await clusterWithData("live", stateDir);
    await mkdir(join(stateDir, "not-a-cluster-folder_"), { recursive: true });

    const stores = await listLocalStores({ stateDir });
    expect(stores).toEqual([
      { name: "elsewhere", clusterDir: join(stateDir, "elsewhere"), storeDir: custom, bytes: await filesBytes(custom), running: false },
      { name: "kept", clusterDir: join(stateDir, "kept"), storeDir: kept.storeDir, bytes: await filesBytes(kept.storeDir), running: false },
      { name: "live", clusterDir: join(stateDir, "live"), storeDir: live.storeDir, bytes: await filesBytes(live.storeDir), running: true },
    ]);
    expect(stores.every((s) => s.bytes > 0)).toBe(true);
    await live.stop();
    expect((await listLocalStores({ stateDir })).find((s) => s.name === "live")?.running).toBe(false);
  });

  it("returns an empty list when the state directory does not exist", async () => {
    expect(await listLocalStores({ stateDir: join(root, "no-such-dir") })).toEqual([]);
  });

  it("rejects an unknown option with INVALID_OPTION naming it", async () => {
    const err = await expectCode(listLocalStores({ stateDir: root, state: "x" } as never), "INVALID_OPTION");
    expect(err.message).toMatch(/unknown listLocalStores option "state"; expected one of stateDir/);
  });
});

describe("deleteLocalClusterData", () => {
  it("removes a stopped cluster's folder (store record, logs, store) and then finds nothing to delete", async () => {
    const stateDir = join(root, "delete");
    const cluster = await clusterWithData("gone", stateDir);
    await cluster.stop();
    expect(await deleteLocalClusterData("gone", { stateDir })).toBe(true);
    expect(existsSync(join(stateDir, "gone"))).toBe(false);
    expect(existsSync(join(stateDir, "gone.json"))).toBe(false);
    expect(await listLocalStores({ stateDir })).toEqual([]);
    expect(await deleteLocalClusterData("gone", { stateDir })).toBe(false);
    expect(await deleteLocalClusterData("never-was", { stateDir: join(root, "no-such-dir") })).toBe(false);
    expect(existsSync(join(root, "no-such-dir"))).toBe(false);
  });

  it("refuses a running cluster with CLUSTER_RUNNING and leaves it serving, its state file and its data intact", async () => {
    const stateDir = join(root, "running");
    const cluster = await clusterWithData("busy", stateDir);
    const bytes = await filesBytes(cluster.storeDir);
    const err = await expectCode(deleteLocalClusterData("busy", { stateDir }), "CLUSTER_RUNNING");
    expect(err.message).toContain(String(cluster.nodes[0]!.pid));
    expect((await httpGet(`${cluster.writer}/api/heartbeat`)).text).toBe("OK");
    expect(Object.keys(JSON.parse((await httpGet(`${cluster.writer}/api/repos/info`)).text) as object)).toHaveLength(1);
    expect(existsSync(cluster.stateFile)).toBe(true);
    expect(await filesBytes(cluster.storeDir)).toBe(bytes);
    await cluster.stop(); // the handle still owns its state file: the refused deletion left it alone
    expect(existsSync(cluster.stateFile)).toBe(false);
  });

  it("deletes a storeDir outside the cluster folder that it was started with, known after down from the store record", async () => {
    const stateDir = join(root, "custom");
    const storeDir = join(root, "custom-store");
    const cluster = await clusterWithData("custom", stateDir, storeDir);
    await cluster.stop();
    expect(existsSync(join(stateDir, "custom.json"))).toBe(false);
    expect(await deleteLocalClusterData("custom", { stateDir })).toBe(true);
    expect(existsSync(storeDir)).toBe(false);
    expect(existsSync(join(stateDir, "custom"))).toBe(false);
  });

  it("refuses with NOT_A_STORE, deleting nothing, when the recorded store directory holds files that are not the store's", async () => {
    const stateDir = join(root, "mixed");
    const storeDir = join(root, "mixed-store");
    const cluster = await clusterWithData("mixed", stateDir, storeDir);
    await cluster.stop();
    await writeFile(join(storeDir, "notes.txt"), "mine");
    const err = await expectCode(deleteLocalClusterData("mixed", { stateDir }), "NOT_A_STORE");
    expect(err.message).toContain(join(storeDir, "notes.txt"));
    expect(existsSync(join(storeDir, "notes.txt"))).toBe(true);
    expect(existsSync(join(storeDir, "repos#"))).toBe(true);
    expect(existsSync(join(stateDir, "mixed", "store.json"))).toBe(true);
    expect(existsSync(join(stateDir, "mixed.json"))).toBe(false); // the claim made for the deletion is gone
  });

  it("refuses with CLUSTER_RUNNING while another running cluster uses the store", async () => {
    const stateDir = join(root, "shared");
    const first = await clusterWithData("first", stateDir);
    await first.stop();
    const second = await startLocalCluster({ name: "second", stateDir, nodes: 1, storeDir: first.storeDir });
    clusters.push(second);
    const err = await expectCode(deleteLocalClusterData("first", { stateDir }), "CLUSTER_RUNNING");
    expect(err.message).toMatch(/local cluster "second" is running on the store/);
    expect(Object.keys(JSON.parse((await httpGet(`${second.writer}/api/repos/info`)).text) as object)).toHaveLength(1);
    await second.stop();
    expect(await deleteLocalClusterData("first", { stateDir })).toBe(true);
    expect(existsSync(first.storeDir)).toBe(false);
  });

  it("rejects a bad name or an unknown option with INVALID_OPTION", async () => {
    expect((await expectCode(deleteLocalClusterData("Bad_Name", { stateDir: root }), "INVALID_OPTION")).message).toMatch(/cluster name must be/);
    expect((await expectCode(deleteLocalClusterData("ok", { stateDir: root, force: true } as never), "INVALID_OPTION")).message).toMatch(
      /unknown deleteLocalClusterData option "force"/,
    );
  });
});
