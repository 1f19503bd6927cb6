// The local cluster launcher over real processes and real loopback HTTP: start, roles, the state
// file, find/list/stop from the state file alone, stale state, start failures. (Detached and
// attached nodes outliving or following their launcher: cluster-lifetime.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  findLocalCluster,
  listLocalClusters,
  startLocalCluster,
  stopLocalCluster,
  type LocalCluster,
} from "../../local-dvid/cluster.js";
import { deadPid, isPidGone } from "../helpers/child-process.js";
import { httpGet, httpPost } from "../helpers/http.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";
import { expectCode } from "../helpers/expect-local-error.js";


async function waitForPidsGone(pids: readonly number[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some((pid) => !isPidGone(pid)) && Date.now() < deadline) await sleep(20);
}

let stateDir: string;
let cluster: LocalCluster;
let startMs: number;
const clusters: LocalCluster[] = [];

beforeAll(async () => {
  stateDir = await createTempDir("cluster-state");
  const started = performance.now();
  cluster = await startLocalCluster({ name: "main", stateDir, adminToken: "secret" });
  startMs = performance.now() - started;
  clusters.push(cluster);
});

afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
  await removeTempDir(stateDir);
});

describe("a started local cluster", () => {
  it("has three nodes that each answer GET /api/heartbeat with 200 OK once the start returns", async () => {
    expect(cluster.nodes).toHaveLength(3);
    for (const node of cluster.nodes) {
      const res = await httpGet(`${node.url}/api/heartbeat`);
      expect({ status: res.status, body: res.text }).toEqual({ status: 200, body: "OK" });
    }
    // Healthy well within 2 s on an idle machine. Reported, not asserted: jest runs suites in
    // parallel and CI machines are busy (4.4 s was seen here with a load average of 14 on 2 cores).
    process.stdout.write(`3-node local cluster healthy ${startMs.toFixed(0)} ms after the call\n`);
  });

  it("makes node 0 the writer, lists the other nodes (never the writer) as readers, and runs the readers read-only", () => {
    expect(cluster.nodes.map((n) => [n.index, n.role, n.readonly])).toEqual([
      [0, "writer", false],
      [1, "reader", true],
      [2, "reader", true],
    ]);
    expect(cluster.writer).toBe(cluster.nodes[0]!.url);
    expect(cluster.readers).toEqual(cluster.nodes.slice(1).map((n) => n.url));
    for (const node of cluster.nodes) {
      expect(node.url).toBe(`http://127.0.0.1:${node.port}`);
      expect(node.port).toBeGreaterThan(0);
    }
    expect(new Set(cluster.nodes.map((n) => n.port)).size).toBe(3);
    expect(new Set(cluster.nodes.map((n) => n.pid)).size).toBe(3);
    expect(cluster.storeDir).toBe(join(stateDir, "main", "store"));
  });

  it("refuses a POST on a reader with DVID's read-only 400, and readers see a repo the writer creates", async () => {
    const refused = await httpPost(`${cluster.readers[0]}/api/repos?admintoken=secret`, "{}");
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/read-only/i);

    const created = await httpPost(`${cluster.writer}/api/repos?admintoken=secret`, JSON.stringify({ alias: "shared" }));
    expect(created.status).toBe(200);
    const root = (JSON.parse(created.text) as { root: string }).root;
    for (const node of cluster.nodes) {
      const info = await httpGet(`${node.url}/api/repos/info`);
      expect(info.status).toBe(200);
      expect(Object.keys(JSON.parse(info.text) as object)).toContain(root);
    }
  });

  it("writes a state file with the name, store, createdAt and each node's pid, port, url and role", async () => {
    expect(cluster.stateFile).toBe(join(stateDir, "main.json"));
    const content = JSON.parse(await readFile(cluster.stateFile, "utf8")) as Record<string, unknown>;
    expect(content).toMatchObject({
      name: "main",
      storeDir: cluster.storeDir,
      createdAt: cluster.createdAt,
      status: "running",
      nodes: cluster.nodes,
    });
    expect(Number.isNaN(Date.parse(cluster.createdAt))).toBe(false);
  });

  it("is found and listed by name from the state file alone", async () => {
    const found = await findLocalCluster("main", { stateDir });
    expect(found).toEqual({
      name: "main",
      storeDir: cluster.storeDir,
      stateFile: cluster.stateFile,
      createdAt: cluster.createdAt,
      nodes: cluster.nodes,
    });
    expect((await listLocalClusters({ stateDir })).map((c) => c.name)).toContain("main");
    expect(await findLocalCluster("nothing-here", { stateDir })).toBeUndefined();
  });

  it("refuses to start a second cluster of the same name with CLUSTER_EXISTS, and the first keeps running", async () => {
    const err = await expectCode(startLocalCluster({ name: "main", stateDir, nodes: 1 }), "CLUSTER_EXISTS");
    expect(err.message).toContain(String(cluster.nodes[0]!.pid));
    expect((await httpGet(`${cluster.writer}/api/heartbeat`)).status).toBe(200);
  });
});

describe("stopping", () => {
  it("stops a cluster by name from the state file alone: every pid gone, state file removed, store kept", async () => {
    const other = await startLocalCluster({ name: "by-name", stateDir, nodes: 2 });
    clusters.push(other);
    const pids = other.nodes.map((n) => n.pid);
    expect(await stopLocalCluster("by-name", { stateDir })).toBe(true);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(other.stateFile)).toBe(false);
    expect(existsSync(other.storeDir)).toBe(true);
    expect(await findLocalCluster("by-name", { stateDir })).toBeUndefined();
    expect(await stopLocalCluster("by-name", { stateDir })).toBe(false);
    await other.stop(); // the handle's stop after a stop by name is harmless
  });

  it("stops through the handle: SIGTERM, every pid gone, state file removed, the store's data kept", async () => {
    const store = await createTempDir("cluster-kept-store");
    try {
      const c = await startLocalCluster({ name: "handle-stop", stateDir, nodes: 2, storeDir: store });
      clusters.push(c);
      expect((await httpPost(`${c.writer}/api/repos`, "{}")).status).toBe(200);
      await c.stop();
      for (const node of c.nodes) expect(() => process.kill(node.pid, 0)).toThrow();
      expect(existsSync(c.stateFile)).toBe(false);
      // The repo is still in the store: a new cluster on it serves it.
      const again = await startLocalCluster({ name: "handle-stop", stateDir, nodes: 1, storeDir: store });
      clusters.push(again);
      const repos = JSON.parse((await httpGet(`${again.writer}/api/repos/info`)).text) as object;
      expect(Object.keys(repos)).toHaveLength(1);
      await again.stop();
    } finally {
      await removeTempDir(store);
    }
  });

  it("replaces a stale state file whose pids are all dead", async () => {
    const stale = join(stateDir, "stale.json");
    const dead = await deadPid();
    await writeFile(
      stale,
      JSON.stringify({
        format: "dvidcloud-local-cluster",
        version: 1,
        status: "running",
        launcherPid: dead,
        name: "stale",
        storeDir: join(stateDir, "stale", "store"),
        createdAt: "2020-01-01T00:00:00.000Z",
        nodes: [{ index: 0, role: "writer", url: "http://127.0.0.1:1", port: 1, pid: dead, readonly: false }],
      }),
    );
    expect(await findLocalCluster("stale", { stateDir })).toBeUndefined();
    expect((await listLocalClusters({ stateDir })).map((c) => c.name)).not.toContain("stale");
    const fresh = await startLocalCluster({ name: "stale", stateDir, nodes: 1 });
    clusters.push(fresh);
    expect(fresh.createdAt).not.toBe("2020-01-01T00:00:00.000Z");
    expect((await findLocalCluster("stale", { stateDir }))?.nodes[0]?.pid).toBe(fresh.nodes[0]!.pid);
    await fresh.stop();
  });
});

describe("start failures", () => {
  it("fails with CLUSTER_START_FAILED and the node's stderr when the store cannot be created, leaving nothing behind", async () => {
    const blocker = join(stateDir, "a-file");
    await writeFile(blocker, "not a directory");
    const err = await expectCode(
      startLocalCluster({ name: "bad-store", stateDir, nodes: 2, storeDir: join(blocker, "store") }),
      "CLUSTER_START_FAILED",
    );
    expect(err.message).toMatch(/exited \(code 1\)/);
    expect(err.message).toMatch(/cannot open the store directory/);
    expect(existsSync(join(stateDir, "bad-store.json"))).toBe(false);
    const pids = [...err.message.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThan(0);
    await waitForPidsGone(pids);
    for (const pid of pids) expect(isPidGone(pid)).toBe(true);
  });

  it("fails with ABORTED and stops the nodes started so far when the start is aborted", async () => {
    const abort = new AbortController();
    const starting = startLocalCluster({ name: "aborted", stateDir, nodes: 2, signal: abort.signal });
    // Wait until the launcher has recorded the pids, then abort while the nodes boot.
    const stateFile = join(stateDir, "aborted.json");
    let pids: number[] = [];
    while (pids.length === 0) {
      await sleep(2);
      const text = await readFile(stateFile, "utf8").catch(() => "");
      if (text !== "") pids = (JSON.parse(text) as { nodes: { pid: number }[] }).nodes.map((n) => n.pid);
    }
    abort.abort();
    const err = await expectCode(starting, "ABORTED");
    expect(err.message).toBe('local cluster "aborted" was not started: the start was aborted; the 2 node(s) started so far were stopped');
    expect(err.message).not.toMatch(/stderr/);
    for (const pid of pids) expect(isPidGone(pid)).toBe(true);
    expect(existsSync(stateFile)).toBe(false);
  });

  it("fails with ABORTED, starting no node and leaving no state file, when the signal has aborted already", async () => {
    const err = await expectCode(startLocalCluster({ name: "aborted-early", stateDir, nodes: 2, signal: AbortSignal.abort() }), "ABORTED");
    expect(err.message).toBe('local cluster "aborted-early" was not started: the start was aborted; no node had been started');
    expect(existsSync(join(stateDir, "aborted-early.json"))).toBe(false);
    expect(existsSync(join(stateDir, "aborted-early"))).toBe(false);
  });

  it("fails with CLUSTER_START_FAILED when the nodes do not answer within startTimeoutMs", async () => {
    const err = await expectCode(startLocalCluster({ name: "too-slow", stateDir, nodes: 1, startTimeoutMs: 50 }), "CLUSTER_START_FAILED");
    expect(err.message).toMatch(/did not answer GET \/api\/heartbeat within 50 ms/);
    const pids = [...err.message.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    for (const pid of pids) expect(isPidGone(pid)).toBe(true);
    expect(existsSync(join(stateDir, "too-slow.json"))).toBe(false);
  });

  it.each([
    [{ name: "Bad_Name" }, /cluster name must be 1 to 40 characters of \[a-z0-9-\]; got "Bad_Name"/],
    [{ name: "x".repeat(41) }, /cluster name must be 1 to 40 characters/],
    [{ name: "ok", nodes: 0 }, /nodes must be an integer from 1 to 16; got 0/],
    [{ name: "ok", nodes: 17 }, /nodes must be an integer from 1 to 16; got 17/],
    [{ name: "ok", startTimeoutMs: -5 }, /startTimeoutMs must be a positive number of ms; got -5/],
    [{ name: "ok", node: 3 }, /unknown local cluster option "node"/],
  ])("rejects %j with INVALID_OPTION before starting anything", async (options, message) => {
    const err = await expectCode(startLocalCluster({ stateDir, ...options } as never), "INVALID_OPTION");
    expect(err.message).toMatch(message);
  });

  it.each<[string, () => Promise<unknown>, RegExp]>([
    ["stopLocalCluster", () => stopLocalCluster("main", { stateDir, timeout: 1 } as never), /unknown stopLocalCluster option "timeout"; expected one of stateDir, timeoutMs/],
    ["stopLocalCluster", () => stopLocalCluster("main", { stateDir, timeoutMs: -1 }), /timeoutMs must be a non-negative number of ms; got -1/],
    ["findLocalCluster", () => findLocalCluster("main", { stateDir, nodes: 3 } as never), /unknown findLocalCluster option "nodes"; expected one of stateDir/],
    ["listLocalClusters", () => listLocalClusters({ stateDirectory: stateDir } as never), /unknown listLocalClusters option "stateDirectory"/],
  ])("%s rejects a bad option with INVALID_OPTION naming it, and the running cluster is left alone", async (_, call, message) => {
    expect((await expectCode(call(), "INVALID_OPTION")).message).toMatch(message);
    expect((await httpGet(`${cluster.writer}/api/heartbeat`)).status).toBe(200);
  });

  it("shares its one cluster-name rule through local-dvid's entry point (checkClusterName)", async () => {
    const { checkClusterName } = await import("../../local-dvid/index.js");
    expect(checkClusterName("a-1")).toBe("a-1");
    expect(() => checkClusterName("A")).toThrow(/cluster name must be 1 to 40 characters of \[a-z0-9-\]; got "A"/);
  });
});

describe("stopping the main cluster", () => {
  it("leaves no process behind: every pid is gone after stop", async () => {
    await cluster.stop();
    for (const node of cluster.nodes) expect(() => process.kill(node.pid, 0)).toThrow();
    expect(existsSync(cluster.stateFile)).toBe(false);
    expect(existsSync(cluster.storeDir)).toBe(true);
  });
});
