// Which processes a state file names: a node is its pid plus the start token recorded for it, not
// a file name on its command line. A node run through another entry file is found and stopped;
// a pid that now belongs to another process is left alone and counts as not running.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { findLocalCluster, listLocalClusters, startLocalCluster, stopLocalCluster } from "../../local-dvid/cluster.js";
import { processStartToken } from "../../local-dvid/cluster-process.js";
import { CLI_PATH } from "../../local-dvid/cluster-tsx.js";
import { isPidGone, killChild, spawnTsx, type TsxChild } from "../helpers/child-process.js";
import { httpGet } from "../helpers/http.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

let stateDir: string;
const children: TsxChild[] = [];
const strangers: ChildProcess[] = [];

beforeAll(async () => {
  stateDir = await createTempDir("cluster-identity");
});
afterEach(async () => {
  await Promise.all(children.splice(0).map(killChild));
  for (const stranger of strangers.splice(0)) {
    if (stranger.exitCode === null && stranger.signalCode === null) {
      const exited = new Promise((resolve) => stranger.once("exit", resolve));
      stranger.kill("SIGKILL");
      await exited;
    }
  }
});
afterAll(async () => {
  await removeTempDir(stateDir);
});

/** A state file as the launcher writes it, for a cluster whose processes the test started. */
async function writeState(name: string, nodes: { pid: number; url: string; startToken?: string }[]): Promise<string> {
  const stateFile = join(stateDir, `${name}.json`);
  await writeFile(
    stateFile,
    JSON.stringify({
      format: "dvidcloud-local-cluster",
      version: 1,
      status: "running",
      launcherPid: process.pid,
      name,
      storeDir: join(stateDir, name, "store"),
      createdAt: new Date().toISOString(),
      nodes: nodes.map((node, index) => ({
        index,
        role: index === 0 ? "writer" : "reader",
        url: node.url,
        port: Number(new URL(node.url).port),
        pid: node.pid,
        readonly: index > 0,
        ...(node.startToken === undefined ? {} : { startToken: node.startToken }),
      })),
    }),
  );
  return stateFile;
}

function spawnStranger(): ChildProcess {
  const stranger = spawn("sleep", ["600"], { stdio: "ignore" });
  strangers.push(stranger);
  if (stranger.pid === undefined) throw new Error("could not spawn sleep");
  return stranger;
}

describe("a local cluster's nodes, as its state file names them", () => {
  it("are recorded with the start token of each node's process", async () => {
    const cluster = await startLocalCluster({ name: "recorded", stateDir, nodes: 2 });
    try {
      const content = JSON.parse(await readFile(cluster.stateFile, "utf8")) as { nodes: { pid: number; startToken?: string }[] };
      for (const node of content.nodes) {
        expect(node.startToken).toBeDefined();
        expect(node.startToken).toBe(processStartToken(node.pid));
      }
    } finally {
      await cluster.stop();
    }
  });

  it("are found and stopped when they were started through an entry file of another name (as compiled JS would be)", async () => {
    // An entry point that is not local-dvid/cli.ts: nothing on its command line ends in cli.ts.
    const entry = join(stateDir, "dvid-node-main.mjs");
    await writeFile(
      entry,
      `import { runNodeCli } from ${JSON.stringify(pathToFileURL(CLI_PATH).href)};\nprocess.exit(await runNodeCli(process.argv.slice(2)));\n`,
    );
    const node = spawnTsx(entry, ["--store", join(stateDir, "renamed", "store")]);
    children.push(node);
    const { url } = JSON.parse(await node.waitForLine((l) => l.includes('"listening"'))) as { url: string };
    const stateFile = await writeState("renamed", [{ pid: node.pid, url, startToken: processStartToken(node.pid) }]);

    expect((await findLocalCluster("renamed", { stateDir }))?.nodes.map((n) => n.pid)).toEqual([node.pid]);
    expect((await listLocalClusters({ stateDir })).map((c) => c.name)).toContain("renamed");
    expect(await stopLocalCluster("renamed", { stateDir })).toBe(true);
    expect(await node.exited).toEqual({ code: 0, signal: null }); // it got SIGTERM and closed cleanly
    expect(isPidGone(node.pid)).toBe(true);
    expect(existsSync(stateFile)).toBe(false);
  });

  it("leave a process alone whose pid the state file names with another start token (a reused pid), and count as not running", async () => {
    const stranger = spawnStranger();
    // The token a process had that once held this pid: any token but the stranger's.
    const oldToken = processStartToken(process.pid)!;
    expect(oldToken).not.toBe(processStartToken(stranger.pid!));
    await writeState("reused", [{ pid: stranger.pid!, url: "http://127.0.0.1:1", startToken: oldToken }]);

    expect(await findLocalCluster("reused", { stateDir })).toBeUndefined();
    expect((await listLocalClusters({ stateDir })).map((c) => c.name)).not.toContain("reused");
    expect(await stopLocalCluster("reused", { stateDir, timeoutMs: 0 })).toBe(false);
    // Had it been signalled, the stop would have waited until it was gone.
    expect(stranger.exitCode).toBeNull();
    expect(stranger.signalCode).toBeNull();
    expect(isPidGone(stranger.pid!)).toBe(false);
    expect(existsSync(join(stateDir, "reused.json"))).toBe(false); // the stale state file is removed
  });

  it("leave a local-dvid node on the same store alone when the state file names its pid with another start token", async () => {
    // What a reused pid looks like at worst: the pid now belongs to a node of a later run, whose
    // command line (the CLI, the same --store) is exactly what the old run's node had.
    const storeDir = join(stateDir, "reused-node", "store");
    const node = spawnTsx(CLI_PATH, ["--store", storeDir]);
    children.push(node);
    const { url } = JSON.parse(await node.waitForLine((l) => l.includes('"listening"'))) as { url: string };
    await writeState("reused-node", [{ pid: node.pid, url, startToken: processStartToken(process.pid)! }]);

    expect(await findLocalCluster("reused-node", { stateDir })).toBeUndefined();
    expect(await stopLocalCluster("reused-node", { stateDir, timeoutMs: 0 })).toBe(false);
    expect(node.child.exitCode).toBeNull();
    expect((await httpGet(`${url}/api/heartbeat`)).text).toBe("OK");
  });

  it("leave a process alone whose pid a state file names without a start token, and count as not running", async () => {
    const stranger = spawnStranger();
    await writeState("untokened", [{ pid: stranger.pid!, url: "http://127.0.0.1:1" }]);
    expect(await findLocalCluster("untokened", { stateDir })).toBeUndefined();
    expect(await stopLocalCluster("untokened", { stateDir, timeoutMs: 0 })).toBe(false);
    expect(stranger.exitCode).toBeNull();
    expect(isPidGone(stranger.pid!)).toBe(false);
  });

  it("do not block a new start of the name when the recorded pid now belongs to another process", async () => {
    const stranger = spawnStranger();
    await writeState("taken-over", [{ pid: stranger.pid!, url: "http://127.0.0.1:1", startToken: processStartToken(process.pid)! }]);
    const cluster = await startLocalCluster({ name: "taken-over", stateDir, nodes: 1 });
    try {
      expect((await httpGet(`${cluster.writer}/api/heartbeat`)).text).toBe("OK");
      expect((await findLocalCluster("taken-over", { stateDir }))?.nodes[0]?.pid).toBe(cluster.nodes[0]!.pid);
    } finally {
      await cluster.stop();
    }
    expect(isPidGone(stranger.pid!)).toBe(false);
  });
});
