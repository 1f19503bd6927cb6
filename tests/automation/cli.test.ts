// The dvidcloud CLI: its commands against real local clusters, its JSON output and its exit codes.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EXIT, down, list } from "../../automation/index.js";
import { runCliCaptured, removeLocalStateDir } from "../helpers/local-clusters.js";
import { createTempDir } from "../helpers/temp-dir.js";
import { isPidGone } from "../helpers/child-process.js";

const cli = runCliCaptured;

let stateDir: string;
beforeAll(async () => {
  stateDir = await createTempDir("cli");
});
afterAll(async () => {
  await removeLocalStateDir(stateDir);
});

describe("dvidcloud up / status / ls / down", () => {
  it("runs a detached cluster through its whole life, with JSON a script can read", async () => {
    const upRun = await cli(["up", "cli-a", "--nodes", "2", "--state-dir", stateDir, "--json"]);
    expect(upRun.err).toContain("ready");
    expect(upRun.code).toBe(EXIT.ok);
    const created = JSON.parse(upRun.out);
    expect(created).toMatchObject({ name: "cli-a", target: "local" });
    expect(created.endpoints.nodes).toHaveLength(2);
    const pids = created.details.nodes.map((n: { pid: number }) => n.pid) as number[];
    // Detached: the nodes outlive the call that started them.
    expect(pids.every((p) => !isPidGone(p))).toBe(true);

    const st = await cli(["status", "cli-a", "--state-dir", stateDir, "--json"]);
    expect(st.code).toBe(EXIT.ok);
    expect(JSON.parse(st.out)).toMatchObject({ healthy: true, endpoints: created.endpoints });

    const human = await cli(["status", "cli-a", "--state-dir", stateDir]);
    expect(human.out).toContain(`writer  ${created.endpoints.writer}`);
    expect(human.out.match(/healthy /g)).toHaveLength(2);
    // Each node's heartbeat latency.
    for (const url of created.endpoints.nodes) expect(human.out).toMatch(new RegExp(`healthy +${url} +\\d+\\.\\d ms\n`));

    const ls = await cli(["ls", "--state-dir", stateDir, "--json"]);
    expect(JSON.parse(ls.out).map((c: { name: string }) => c.name)).toEqual(["cli-a"]);

    const dn = await cli(["down", "cli-a", "--state-dir", stateDir]);
    expect(dn.code).toBe(EXIT.ok);
    expect(dn.out).toBe("cli-a is down\n");
    expect(dn.err).not.toContain("is down"); // said once, on stdout
    expect(pids.every(isPidGone)).toBe(true);
    expect((await cli(["ls", "--state-dir", stateDir])).out).toBe("no local clusters\n");
  });

  it("exits 3 when the named cluster does not exist", async () => {
    for (const cmd of ["status", "down"]) {
      const r = await cli([cmd, "ghost", "--state-dir", stateDir]);
      expect(r.code).toBe(EXIT.notFound);
      expect(r.err).toContain('no local cluster named "ghost"');
    }
  });

  it("exits 2 on bad usage, naming what was wrong", async () => {
    const zeroTimeout = await cli(["up", "x", "--timeout", "0", "--state-dir", stateDir]);
    expect(zeroTimeout.code).toBe(EXIT.usage);
    expect(zeroTimeout.err).toContain('--timeout <ms>\' argument \'0\' is invalid. expected a whole number of at least 1; got "0"');
    const badNodes = await cli(["up", "x", "--nodes", "lots", "--state-dir", stateDir]);
    expect(badNodes.code).toBe(EXIT.usage);
    expect(badNodes.err).toContain('expected a whole number; got "lots"');
    const outOfRange = await cli(["up", "x", "--nodes", "40", "--state-dir", stateDir]);
    expect(outOfRange.code).toBe(EXIT.usage);
    expect(outOfRange.err).toContain("nodes must be an integer between 1 and 16; got 40");
    const badTarget = await cli(["up", "x", "--target", "aws"]);
    expect(badTarget.code).toBe(EXIT.usage);
    expect(badTarget.err).toMatch(/aws.*invalid|invalid.*aws/i);
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).toBe(EXIT.usage);
    expect((await list({ local: { stateDir } })).length).toBe(0);
  });

  it("refuses a flag of the other target with exit 2, naming it, before any work", async () => {
    for (const [args, flag, target] of [
      [["up", "x", "--project", "p"], "--project", "gcp"],
      [["up", "x", "--source-ranges", "10.0.0.0/8"], "--source-ranges", "gcp"],
      [["up", "x", "--target", "gcp", "--project", "my-project", "--source-ranges", "10.0.0.0/8", "--state-dir", stateDir], "--state-dir", "local"],
      [["status", "x", "--refresh"], "--refresh", "gcp"],
      [["up", "x", "--bucket", "kept-bucket"], "--bucket", "gcp"],
      [["ls", "--target", "gcp", "--stores"], "--stores", "local"],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.err).toContain(`${flag} applies only to --target ${target}`);
      expect(r.err).not.toContain("starting");
    }
    expect((await list({ local: { stateDir } })).length).toBe(0);
  });

  it("refuses demo --nodes 0 before it makes the synthetic volume", async () => {
    const r = await cli(["demo", "--nodes", "0", "--state-dir", stateDir]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain("expected a whole number of at least 1");
    expect(r.err).not.toContain("synthetic");
  });

  it("refuses up of a running name with CLUSTER_EXISTS (exit 1) before it announces a start", async () => {
    const first = await cli(["up", "cli-twice", "--nodes", "1", "--state-dir", stateDir]);
    expect(first.code).toBe(EXIT.ok);
    try {
      const second = await cli(["up", "cli-twice", "--nodes", "3", "--state-dir", stateDir]);
      expect(second.code).toBe(EXIT.failed);
      expect(second.err).toContain('a local cluster named "cli-twice" is already running');
      expect(second.err).not.toContain("starting");
    } finally {
      await down("cli-twice", { local: { stateDir } });
    }
  });

  it("prints a one-node cluster with its writer and no reader line", async () => {
    const r = await cli(["up", "cli-one", "--nodes", "1", "--state-dir", stateDir]);
    try {
      expect(r.code).toBe(EXIT.ok);
      expect(r.out).toMatch(/^cli-one \(local\)\n {2}writer {2}http:\/\/127\.0\.0\.1:\d+\n$/);
    } finally {
      await down("cli-one", { local: { stateDir } });
    }
  });

  it("shows live progress bars on a terminal while the nodes start and answer their heartbeat", async () => {
    const r = await cli(["up", "cli-bar", "--nodes", "2", "--state-dir", stateDir], { interactive: true });
    try {
      expect(r.code).toBe(EXIT.ok);
      expect(r.err).toMatch(/starting nodes \[[^\]]*\] 0\/2 up \| \d+s/);
      expect(r.err).toMatch(/starting nodes \[=+\] 2\/2 up/);
      expect(r.err).toMatch(/heartbeats +\[[^\]]*\] 2\/2 healthy/);
    } finally {
      await down("cli-bar", { local: { stateDir } });
    }
  });

  it("exits 2 for up --target gcp without --project, before it looks for the pulumi CLI (exit 4)", async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const r = await cli(["up", "cloudy", "--target", "gcp", "--source-ranges", "203.0.113.7/32"]);
      expect(r.code).toBe(EXIT.usage);
      expect(r.err).toMatch(/project/);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it("exits 4 with install instructions when the gcp target has no pulumi CLI", async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const r = await cli(["up", "cloudy", "--target", "gcp", "--project", "my-project", "--source-ranges", "203.0.113.7/32"]);
      expect(r.code).toBe(EXIT.prerequisite);
      expect(r.err).toMatch(/pulumi/i);
      expect(r.err).toMatch(/get\.pulumi\.com|install/i);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe("bin/dvidcloud.js", () => {
  const bin = fileURLToPath(new URL("../../bin/dvidcloud.js", import.meta.url));

  it("runs as a command and prints its help, with the exit codes", () => {
    const r = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    for (const cmd of ["up", "down", "status", "ls", "purge", "demo"]) expect(r.stdout).toContain(cmd);
    expect(r.stdout).toContain("Exit codes:");
    for (const line of [/^ {2}2 +bad usage/m, /^ {2}3 +no such cluster/m, /^ {2}4 +a prerequisite/m, /^ {2}130 +interrupted/m, /CLUSTER_EXISTS/]) expect(r.stdout).toMatch(line);
  });

  it("prints its version from package.json", () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const r = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it("groups up's flags under the local and the gcp target in its help", async () => {
    const { out } = await cli(["up", "--help"]);
    const local = out.indexOf("Local target");
    const gcp = out.indexOf("Google Cloud target (--target gcp)");
    expect(local).toBeGreaterThan(0);
    expect(gcp).toBeGreaterThan(local);
    for (const flag of ["--state-dir", "--store-dir"]) expect(out.indexOf(flag)).toBeGreaterThan(local);
    for (const flag of ["--state-dir", "--store-dir"]) expect(out.indexOf(flag)).toBeLessThan(gcp);
    for (const flag of ["--project", "--source-ranges", "--region", "--zone", "--machine-type", "--image"]) expect(out.indexOf(flag)).toBeGreaterThan(gcp);
  });
});
