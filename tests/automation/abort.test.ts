// Interrupting a local `up`: an aborted signal (API) or Ctrl-C (CLI) while the nodes start gives
// ABORTED (CLI exit 130), never CLUSTER_START_FAILED, and leaves no node running. The nodes are
// held in their start by fixtures/slow-node-start.mjs, so the interruption surely lands while
// they start, whatever the machine's speed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT, isDvidcloudError, list, up, type ProgressEvent } from "../../automation/index.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";
import { isPidGone } from "../helpers/child-process.js";

const slowStart = new URL("./fixtures/slow-node-start.mjs", import.meta.url).href;
const bin = fileURLToPath(new URL("../../bin/dvidcloud.js", import.meta.url));

let dir: string;
let slowDir: string;
let stateDir: string;
const savedEnv = { NODE_OPTIONS: process.env.NODE_OPTIONS, DVIDCLOUD_TEST_SLOW_DIR: process.env.DVIDCLOUD_TEST_SLOW_DIR };

beforeAll(async () => {
  dir = await createTempDir("abort");
});
afterEach(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});
afterAll(async () => {
  await removeTempDir(dir);
});

async function freshDirs(name: string): Promise<void> {
  slowDir = join(dir, `${name}-started`);
  stateDir = join(dir, `${name}-state`);
  await mkdir(slowDir, { recursive: true });
}

/**
 * The pids of the nodes that have begun to start (each wrote its marker), once there are `n`;
 * `failure` says why they never will (the process starting them ended).
 */
async function startedNodes(n: number, failure: () => string | undefined = () => undefined): Promise<number[]> {
  for (;;) {
    const pids = (await readdir(slowDir)).map(Number);
    if (pids.length >= n) return pids;
    const why = failure();
    if (why !== undefined) throw new Error(why);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function slowEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${slowStart}`.trim(), DVIDCLOUD_TEST_SLOW_DIR: slowDir };
}

describe("an aborted local up()", () => {
  it("rejects with ABORTED, not CLUSTER_START_FAILED, and stops the nodes it started", async () => {
    await freshDirs("api");
    Object.assign(process.env, slowEnv()); // the launcher passes its environment to the nodes
    const controller = new AbortController();
    const phases: string[] = [];
    const pending = up({
      name: "aborted",
      nodes: 2,
      local: { stateDir },
      healthTimeoutMs: 60_000,
      signal: controller.signal,
      onProgress: (e: ProgressEvent) => void (e.kind === "phase" && phases.push(e.phase)),
    }).catch((e: unknown) => e);
    const pids = await startedNodes(2);
    controller.abort(new Error("the caller changed its mind"));
    const err = await pending;
    expect(isDvidcloudError(err, "ABORTED")).toBe(true);
    expect((err as Error).message).toContain('"aborted"');
    expect(phases).toEqual(["starting"]);
    expect(pids.every(isPidGone)).toBe(true);
    expect(await list({ local: { stateDir } })).toEqual([]);
  });
});

describe("Ctrl-C during dvidcloud up", () => {
  it("exits 130 with no node left running", async () => {
    await freshDirs("cli");
    const child = spawn(process.execPath, [bin, "up", "interrupted", "--nodes", "2", "--state-dir", stateDir, "--timeout", "60000"], {
      env: slowEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      // Should the CLI end before its nodes start, say how rather than wait for the test timeout.
      const pids = await startedNodes(2, () => (child.exitCode === null ? undefined : `dvidcloud up exited (${child.exitCode}) before its nodes started: ${stderr}`));
      child.kill("SIGINT");
      expect(await exited).toBe(EXIT.interrupted);
      expect(stderr).toContain("starting 2 local-dvid node(s)");
      expect(stderr).toMatch(/aborted/);
      expect(stderr).not.toMatch(/did not start|CLUSTER_START_FAILED/);
      expect(pids.every(isPidGone)).toBe(true);
      expect(await list({ local: { stateDir } })).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
