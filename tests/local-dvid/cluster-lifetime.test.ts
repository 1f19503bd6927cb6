// A launcher's nodes and the launcher's own life: detached nodes outlive it and are stopped by
// name; attached nodes end when it dies, even by SIGKILL (their stdin pipe closes).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findLocalCluster, listLocalClusters, stopLocalCluster } from "../../local-dvid/cluster.js";
import { helperScript, isPidGone, killChild, spawnTsx, type TsxChild } from "../helpers/child-process.js";
import { httpGet } from "../helpers/http.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

async function waitForPidsGone(pids: readonly number[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some((pid) => !isPidGone(pid)) && Date.now() < deadline) await sleep(20);
}

let stateDir: string;
const children: TsxChild[] = [];

beforeAll(async () => {
  stateDir = await createTempDir("cluster-lifetime");
});

afterAll(async () => {
  await Promise.all(children.map(killChild));
  // Whatever a failed test left running, started by a child process and known by name only.
  for (const c of await listLocalClusters({ stateDir })) await stopLocalCluster(c.name, { stateDir });
  await removeTempDir(stateDir);
});

describe("the nodes' lifetime", () => {
  it("keeps detached nodes running after the launcher exits, until stopped by name", async () => {
    const launcher = spawnTsx(helperScript("start-cluster-child.ts"), [stateDir, "detached", "detached"]);
    children.push(launcher);
    const line = await launcher.waitForLine((l) => l.startsWith("{"));
    const { nodes } = JSON.parse(line) as { nodes: { pid: number; url: string }[] };
    // The launcher returns from its script and its process exits on its own.
    expect((await launcher.exited).code).toBe(0);
    for (const node of nodes) {
      expect(isPidGone(node.pid)).toBe(false);
      expect((await httpGet(`${node.url}/api/heartbeat`)).text).toBe("OK");
    }
    expect((await findLocalCluster("detached", { stateDir }))?.nodes.map((n) => n.pid)).toEqual(nodes.map((n) => n.pid));
    expect(await stopLocalCluster("detached", { stateDir })).toBe(true);
    for (const node of nodes) expect(isPidGone(node.pid)).toBe(true);
    expect(existsSync(join(stateDir, "detached.json"))).toBe(false);
  });

  it("ends attached nodes when their launcher is SIGKILLed", async () => {
    const launcher = spawnTsx(helperScript("start-cluster-child.ts"), [stateDir, "attached", "attached"]);
    children.push(launcher);
    const line = await launcher.waitForLine((l) => l.startsWith("{"));
    const pids = (JSON.parse(line) as { nodes: { pid: number }[] }).nodes.map((n) => n.pid);
    for (const pid of pids) expect(isPidGone(pid)).toBe(false);
    launcher.child.kill("SIGKILL");
    await launcher.exited;
    await waitForPidsGone(pids);
    for (const pid of pids) expect(isPidGone(pid)).toBe(true);
    // The launcher could not remove its state file; it is stale now and not reported as running.
    expect(await findLocalCluster("attached", { stateDir })).toBeUndefined();
  });
});
