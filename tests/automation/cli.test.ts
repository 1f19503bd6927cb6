// The dvidcloud CLI: its commands against real local clusters, its JSON output and its exit codes.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EXIT, down, list, runCli, type CliIo } from "../../automation/index.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";
import { isPidGone } from "../helpers/child-process.js";

function captureIo(): CliIo & { out: string; err: string } {
  const io = { out: "", err: "", interactive: false } as CliIo & { out: string; err: string };
  Object.assign(io, { stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) });
  return io;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

let stateDir: string;
beforeAll(async () => {
  stateDir = await createTempDir("cli");
});
afterAll(async () => {
  for (const c of await list({ local: { stateDir } })) await down(c.name, { local: { stateDir } }).catch(() => {});
  await removeTempDir(stateDir);
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

    const ls = await cli(["ls", "--state-dir", stateDir, "--json"]);
    expect(JSON.parse(ls.out).map((c: { name: string }) => c.name)).toEqual(["cli-a"]);

    const dn = await cli(["down", "cli-a", "--state-dir", stateDir]);
    expect(dn.code).toBe(EXIT.ok);
    expect(dn.out).toBe("cli-a is down\n");
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

  it("exits 4 with install instructions when the gcp target has no pulumi CLI", async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const r = await cli(["up", "cloudy", "--target", "gcp", "--project", "my-project"]);
      expect(r.code).toBe(EXIT.prerequisite);
      expect(r.err).toMatch(/pulumi/i);
      expect(r.err).toMatch(/get\.pulumi\.com|install/i);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

describe("bin/dvidcloud.js", () => {
  it("runs as a command and prints its help", () => {
    const bin = fileURLToPath(new URL("../../bin/dvidcloud.js", import.meta.url));
    const r = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(0);
    for (const cmd of ["up", "down", "status", "ls", "demo"]) expect(r.stdout).toContain(cmd);
  });
});
