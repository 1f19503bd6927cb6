/**
 * The gcp target up to the Pulumi boundary: CLI detection, the order of the pre-flight checks,
 * and the real Automation API driving a scripted stand-in for the `pulumi` CLI (it records its
 * arguments and answers as the real CLI does for a missing or locked stack).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { automation } from "@pulumi/pulumi";
import { isDvidcloudError } from "../../automation/errors.js";
import {
  checkPulumiCli,
  findPulumiCli,
  gcpDown,
  gcpList,
  gcpStatus,
  gcpUp,
  type GcpUpOptions,
} from "../../automation/gcp/index.js";

let root: string;
let emptyPath: string;
let fakeBin: string;

const FAKE_PULUMI = `#!/bin/bash
here="$(cd "$(dirname "$0")" && pwd)"
printf '%s\\t' "$@" >> "$here/calls.log"; echo >> "$here/calls.log"
mode="$(cat "$here/mode" 2>/dev/null || true)"
case "$1" in
  version) cat "$here/version" 2>/dev/null || echo "v3.248.0"; exit 0 ;;
  stack)
    case "$2" in
      select)
        if [ "$mode" = missing ]; then echo "error: no stack named '$4' found" >&2; exit 255; fi
        exit 0 ;;
      ls) cat "$here/stacks.json"; exit 0 ;;
      output) cat "$here/outputs.json"; exit 0 ;;
      history) cat "$here/history.json"; exit 0 ;;
    esac ;;
  up)
    if [ "$mode" = slow ]; then
      touch "$here/up-started"
      sleep 30 & child=$!
      trap 'kill $child; echo interrupted > "$here/up-interrupted"; exit 255' INT
      wait $child; exit 0
    fi
    if [ "$mode" = locked ]; then
      echo "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \\\`pulumi cancel\\\`." >&2
      exit 255
    fi ;;
esac
exit 0
`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "dvidcloud-gcp-cli-"));
  emptyPath = join(root, "empty-path");
  fakeBin = join(root, "fake", "bin");
  await mkdir(emptyPath, { recursive: true });
  await mkdir(fakeBin, { recursive: true });
  await writeFile(join(fakeBin, "pulumi"), FAKE_PULUMI);
  await chmod(join(fakeBin, "pulumi"), 0o755);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function scenario(mode: string, extra: Record<string, string> = {}): Promise<string> {
  await writeFile(join(fakeBin, "mode"), mode);
  await writeFile(join(fakeBin, "calls.log"), "");
  await rm(join(fakeBin, "version"), { force: true });
  for (const [file, text] of Object.entries(extra)) await writeFile(join(fakeBin, file), text);
  return mkdtemp(join(root, `home-${mode}-`));
}

async function calls(): Promise<string[][]> {
  const text = await readFile(join(fakeBin, "calls.log"), "utf8");
  return text.split("\n").filter((line) => line !== "").map((line) => line.split("\t").filter((a) => a !== ""));
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string; cause: unknown }> {
  try {
    await promise;
  } catch (err) {
    if (isDvidcloudError(err)) return { code: err.code, message: err.message, cause: err.cause };
    throw err;
  }
  throw new Error("expected a rejection");
}

function envWith(path: string, home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: path, HOME: home, DVIDCLOUD_HOME: join(home, "dc"), ...extra };
}

const UP: Omit<GcpUpOptions, "env"> = { name: "demo", project: "my-project", sourceRanges: ["203.0.113.7/32"], nodes: 2 };

describe("pulumi CLI detection", () => {
  it("fails every gcp operation with PULUMI_CLI_MISSING, before anything else, when PATH has no pulumi", async () => {
    const home = await mkdtemp(join(root, "home-nocli-"));
    const env = envWith(emptyPath, home);
    // Even invalid options report the missing CLI first: it is the one thing the user must install.
    const up = await rejection(gcpUp({ ...UP, nodes: 40, env }));
    expect(up.code).toBe("PULUMI_CLI_MISSING");
    expect(up.message).toContain("curl -fsSL https://get.pulumi.com | sh");
    expect(up.message).toContain("brew install");
    expect(up.message).toContain("choco install pulumi");
    for (const op of [gcpDown("demo", { env }), gcpStatus("demo", { env }), gcpList({ env })]) {
      expect((await rejection(op)).code).toBe("PULUMI_CLI_MISSING");
    }
    // No work was done: not even the dvidcloud folder was created.
    expect(await readdir(home)).toEqual([]);
  });

  it("finds the CLI on PATH, or in ~/.pulumi/bin where the installer puts it", async () => {
    const home = await mkdtemp(join(root, "home-find-"));
    expect(findPulumiCli(envWith(`${emptyPath}:${fakeBin}`, home))).toEqual({ path: join(fakeBin, "pulumi"), foundIn: "path" });
    expect(findPulumiCli(envWith(emptyPath, home))).toBeUndefined();
    await mkdir(join(home, ".pulumi", "bin"), { recursive: true });
    await writeFile(join(home, ".pulumi", "bin", "pulumi"), FAKE_PULUMI);
    await chmod(join(home, ".pulumi", "bin", "pulumi"), 0o755);
    expect(findPulumiCli(envWith(emptyPath, home))).toEqual({ path: join(home, ".pulumi", "bin", "pulumi"), foundIn: "home" });
  });

  it("ignores a non-executable file named pulumi", async () => {
    const dir = await mkdtemp(join(root, "noexec-"));
    await writeFile(join(dir, "pulumi"), "not a program");
    expect(findPulumiCli(envWith(dir, dir))).toBeUndefined();
  });

  it("reports the CLI's version", async () => {
    const home = await scenario("ok", { version: "v3.248.0\n" });
    const info = await checkPulumiCli({ env: envWith(fakeBin, home) });
    expect([info.path, info.version]).toEqual([join(fakeBin, "pulumi"), "3.248.0"]);
    expect(await calls()).toEqual([["version"]]);
  });

  it("reports a CLI older than the SDK supports as PULUMI_CLI_MISSING, keeping Pulumi's error", async () => {
    const home = await scenario("ok", { version: "v3.1.0\n" });
    const err = await rejection(checkPulumiCli({ env: envWith(fakeBin, home) }));
    expect(err.code).toBe("PULUMI_CLI_MISSING");
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe("gcp pre-flight order", () => {
  it("validates the options once the CLI is found", async () => {
    const home = await scenario("ok");
    const err = await rejection(gcpUp({ ...UP, nodes: 40, env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) }));
    expect([err.code, err.message]).toEqual(["INVALID_OPTION", "gcpUp(): nodes must be between 1 and 16; got 40"]);
    expect(await calls()).toEqual([]);
  });

  it("stops with ABORTED before running pulumi when the signal has already fired", async () => {
    const home = await scenario("ok");
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(gcpUp({ ...UP, signal: controller.signal, env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) }));
    expect(err.code).toBe("ABORTED");
    expect(await calls()).toEqual([]);
  });

  it("asks for PULUMI_CONFIG_PASSPHRASE on the local backend before running pulumi", async () => {
    const home = await scenario("ok");
    const err = await rejection(gcpUp({ ...UP, env: envWith(fakeBin, home) }));
    expect(err.code).toBe("PULUMI_PASSPHRASE_MISSING");
    expect(err.message).toContain(`file://${join(home, "dc", "pulumi")}`);
    expect(await calls()).toEqual([]);
  });
});

describe("gcp operations through the Automation API", () => {
  it("maps a missing stack to STACK_NOT_FOUND, keeping Pulumi's StackNotFoundError as cause", async () => {
    const home = await scenario("missing");
    const err = await rejection(gcpStatus("ghost", { env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) }));
    expect(err.code).toBe("STACK_NOT_FOUND");
    expect(err.message).toContain('no gcp cluster named "ghost"');
    expect(err.cause).toBeInstanceOf(automation.StackNotFoundError);
    expect((await calls()).map((c) => c.slice(0, 4))).toEqual([["version"], ["stack", "select", "--stack", "ghost"]]);
  });

  it("sets the mapped stack config, installs the provider plugins, runs an inline up, and maps a locked stack to STACK_LOCKED", async () => {
    const home = await scenario("locked");
    const env = envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" });
    const err = await rejection(gcpUp({ ...UP, env }));
    expect(err.code).toBe("STACK_LOCKED");
    expect(err.cause).toBeInstanceOf(automation.ConcurrentUpdateError);

    const recorded = await calls();
    expect(recorded.map((c) => c.slice(0, 2))).toEqual([
      ["version"],
      ["stack", "select"],
      ["plugin", "install"],
      ["plugin", "install"],
      ["config", "set-all"],
      ["up", "--yes"],
    ]);
    expect(recorded[2]!.slice(2, 5)).toEqual(["resource", "gcp", "v9.37.0"]);
    expect(recorded[3]!.slice(2, 4)).toEqual(["resource", "random"]);
    const configArgs = recorded[4]!.filter((arg) => arg.includes("="));
    expect(configArgs).toEqual(expect.arrayContaining([
      "dvidcloud:name=demo",
      "dvidcloud:project=my-project",
      "dvidcloud:nodes=2",
      "dvidcloud:sourceRanges=203.0.113.7/32",
      "gcp:project=my-project",
    ]));
    expect(recorded[5]).toEqual(expect.arrayContaining(["--exec-kind", "auto.inline", "--stack", "demo"]));
    // The workspace lives in the dvidcloud folder, with the local backend beside it.
    const project = await readFile(join(home, "dc", "gcp", "Pulumi.yaml"), "utf8");
    expect(project).toContain("name: dvidcloud");
    expect(project).toContain(`url: file://${join(home, "dc", "pulumi")}`);
    expect(await readdir(join(home, "dc"))).toEqual(expect.arrayContaining(["gcp", "pulumi"]));
  });

  const OUTPUTS = {
    clusterName: "demo",
    writerUrl: "http://203.0.113.10:8000",
    readerUrls: ["http://203.0.113.11:8000"],
    loadBalancerUrl: "http://198.51.100.7",
    bucketName: "demo-dvid-1a2b3c4d",
    serviceAccountEmail: "demo-dvid@my-project.iam.gserviceaccount.com",
    nodeNames: ["demo-writer", "demo-reader-1"],
    project: "my-project",
    zone: "us-central1-b",
  };
  const history = (kind: string, changes: Record<string, number>) =>
    JSON.stringify([
      {
        version: 1,
        kind,
        startTime: "2026-11-24T10:00:00.000Z",
        endTime: "2026-11-24T10:04:30.000Z",
        message: "",
        environment: {},
        config: {},
        result: "succeeded",
        resourceChanges: changes,
      },
    ]);

  it("returns the endpoints, bucket, outputs and summary of a finished up", async () => {
    const home = await scenario("ok", { "outputs.json": JSON.stringify(OUTPUTS), "history.json": history("update", { create: 27 }) });
    const phases: string[] = [];
    const result = await gcpUp({
      ...UP,
      env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }),
      onProgress: (event) => {
        if (event.kind === "phase") phases.push(event.phase);
      },
    });
    expect(result).toEqual({
      name: "demo",
      endpoints: {
        writer: "http://203.0.113.10:8000",
        readers: ["http://203.0.113.11:8000"],
        nodes: ["http://203.0.113.10:8000", "http://203.0.113.11:8000"],
        loadBalancer: "http://198.51.100.7",
      },
      bucket: "demo-dvid-1a2b3c4d",
      outputs: OUTPUTS,
      summary: { result: "succeeded", resourceChanges: { create: 27 }, durationSeconds: 270 },
    });
    expect(phases).toEqual(["provisioning", "ready"]);
  });

  it("reads a cluster's status back from its stack", async () => {
    const home = await scenario("ok", { "outputs.json": JSON.stringify(OUTPUTS), "history.json": history("update", { create: 27 }) });
    const status = await gcpStatus("demo", { env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) });
    expect(status.endpoints?.writer).toBe("http://203.0.113.10:8000");
    expect(status.bucket).toBe("demo-dvid-1a2b3c4d");
    expect(status.lastUpdate).toEqual({
      kind: "update",
      result: "succeeded",
      startTime: "2026-11-24T10:00:00.000Z",
      endTime: "2026-11-24T10:04:30.000Z",
    });
  });

  it("destroys the cluster's resources, then removes its stack", async () => {
    const home = await scenario("ok", { "history.json": history("destroy", { delete: 27 }) });
    const stages: string[] = [];
    const result = await gcpDown("demo", {
      env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }),
      onProgress: (event) => {
        if (event.kind === "phase") stages.push(event.phase);
      },
    });
    expect(result).toEqual({ name: "demo", summary: { result: "succeeded", resourceChanges: { delete: 27 }, durationSeconds: 270 }, stackRemoved: true });
    expect(stages).toEqual(["stopping", "stopped"]);
    const recorded = await calls();
    expect(recorded.map((c) => c.slice(0, 2))).toEqual([
      ["version"],
      ["stack", "select"],
      ["destroy", "--yes"],
      ["stack", "history"],
      ["stack", "rm"],
    ]);
    expect(recorded[4]).toEqual(expect.arrayContaining(["--yes", "demo"]));
  });

  it("sends SIGINT to the CLI when the signal fires during an up, and rejects with ABORTED", async () => {
    const home = await scenario("slow");
    await rm(join(fakeBin, "up-started"), { force: true });
    await rm(join(fakeBin, "up-interrupted"), { force: true });
    const controller = new AbortController();
    const pending = gcpUp({ ...UP, signal: controller.signal, env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) });
    // Abort once the stand-in's `up` runs (however long the steps before it take on a busy machine).
    let settled = false;
    pending.then(() => (settled = true), () => (settled = true));
    while (!settled && !(await readdir(fakeBin)).includes("up-started")) await new Promise((resolve) => setTimeout(resolve, 25));
    const aborted = Date.now();
    controller.abort();
    const err = await rejection(pending);
    expect(err.code).toBe("ABORTED");
    expect(err.cause).toBeInstanceOf(automation.CommandError);
    // The stand-in sleeps 30 s unless interrupted: it got SIGINT and did not run to its end.
    expect(await readFile(join(fakeBin, "up-interrupted"), "utf8")).toBe("interrupted\n");
    expect(Date.now() - aborted).toBeLessThan(30_000);
  });

  it("lists the clusters of the backend by stack name", async () => {
    const stacks = [
      { name: "demo", current: false, lastUpdate: "2026-11-24T10:00:00.000Z", updateInProgress: false, resourceCount: 27 },
      { name: "organization/dvidcloud/big", current: true, updateInProgress: true },
    ];
    const home = await scenario("ok", { "stacks.json": JSON.stringify(stacks) });
    const list = await gcpList({ env: envWith(fakeBin, home) });
    expect(list).toEqual([
      { name: "demo", lastUpdate: "2026-11-24T10:00:00.000Z", updateInProgress: false, resourceCount: 27, url: undefined },
      { name: "big", lastUpdate: undefined, updateInProgress: true, resourceCount: undefined, url: undefined },
    ]);
  });
});
