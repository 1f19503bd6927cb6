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
  gcpRepair,
  gcpStatus,
  gcpUp,
  gcpUpdate,
  type GcpProgressEvent,
  type GcpUpOptions,
} from "../../automation/gcp/index.js";
import { fakePulumiCalls, fakePulumiScenario, installFakePulumi } from "../helpers/fake-pulumi.js";

let root: string;
let emptyPath: string;
let fakeBin: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "dvidcloud-gcp-cli-"));
  emptyPath = join(root, "empty-path");
  fakeBin = join(root, "fake", "bin");
  await mkdir(emptyPath, { recursive: true });
  await installFakePulumi(fakeBin);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const scenario = (mode: string, files: Record<string, string> = {}) => fakePulumiScenario(fakeBin, root, mode, files);
const calls = () => fakePulumiCalls(fakeBin);

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
    await installFakePulumi(join(home, ".pulumi", "bin"));
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
      ["stack", "export"],
      ["plugin", "install"],
      ["plugin", "install"],
      ["config", "set-all"],
      ["up", "--yes"],
    ]);
    expect(recorded[3]!.slice(2, 5)).toEqual(["resource", "gcp", "v9.37.0"]);
    expect(recorded[4]!.slice(2, 4)).toEqual(["resource", "random"]);
    const configArgs = recorded[5]!.filter((arg) => arg.includes("="));
    expect(configArgs).toEqual(expect.arrayContaining([
      "dvidcloud:name=demo",
      "dvidcloud:project=my-project",
      "dvidcloud:nodes=2",
      "dvidcloud:sourceRanges=203.0.113.7/32",
      "gcp:project=my-project",
    ]));
    expect(recorded[6]).toEqual(expect.arrayContaining(["--exec-kind", "auto.inline", "--stack", "demo"]));
    // A new cluster is not refreshed first (there is nothing to refresh).
    expect(recorded[6]).not.toContain("--refresh");
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
  const WRITER = { urn: "urn:pulumi:demo::dvidcloud::dvidcloud:gcp:DvidCluster$gcp:compute/instance:Instance::demo-writer", type: "gcp:compute/instance:Instance" };
  const BUCKET = { urn: "urn:pulumi:demo::dvidcloud::dvidcloud:gcp:DvidCluster$dvidcloud:gcp:DvidBucket$gcp:storage/bucket:Bucket::demo-data", type: "gcp:storage/bucket:Bucket" };
  const STACK = { urn: "urn:pulumi:demo::dvidcloud::pulumi:pulumi:Stack::dvidcloud-demo", type: "pulumi:pulumi:Stack" };
  const PROVIDER = { urn: "urn:pulumi:demo::dvidcloud::pulumi:providers:gcp::default_9_37_0", type: "pulumi:providers:gcp" };
  /** An exported state with these resources (besides the stack and its provider) and pending operations. */
  const state = (resources: { urn: string; type: string }[], pending?: unknown[]) =>
    JSON.stringify({ version: 3, deployment: { manifest: {}, resources: [STACK, PROVIDER, ...resources], ...(pending ? { pending_operations: pending } : {}) } });
  const phasesOf = (events: GcpProgressEvent[]) => events.flatMap((e) => (e.kind === "phase" ? [e.phase] : []));
  const messagesOf = (events: GcpProgressEvent[], phase: string) => events.flatMap((e) => (e.kind === "phase" && e.phase === phase ? [e.message] : []));
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
    expect(result).toMatchObject({
      existed: false,
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

  it("destroys every resource but the bucket, says which bucket it kept, and removes the stack", async () => {
    const home = await scenario("ok", {
      "outputs.json": JSON.stringify({ ...OUTPUTS, bucketCreated: true, bucketKept: true }),
      "history.json": history("destroy", { delete: 27 }),
      "export.json": state([WRITER, BUCKET]),
      "export-after.json": state([]),
    });
    const events: GcpProgressEvent[] = [];
    const result = await gcpDown("demo", { env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }), onProgress: (e) => events.push(e) });
    expect(result).toEqual({
      name: "demo",
      summary: { result: "succeeded", resourceChanges: { delete: 27 }, durationSeconds: 270 },
      stackRemoved: true,
      bucket: "demo-dvid-1a2b3c4d",
      bucketKept: true,
      bucketAttached: false,
    });
    expect(phasesOf(events)).toEqual(["stopping", "stopped"]);
    expect(messagesOf(events, "stopped")).toEqual(["cluster demo destroyed; bucket demo-dvid-1a2b3c4d kept with its data"]);
    expect(events.some((e) => e.kind === "log" && e.message.includes('gcp: { bucket: "demo-dvid-1a2b3c4d" }'))).toBe(true);
    const recorded = await calls();
    const ops = recorded.map((c) => c.slice(0, 2).join(" "));
    // No `up` (nothing to record: the state keeps the bucket), the destroy refreshes first,
    // the state is read again after it, and only then is the stack removed.
    expect(ops.filter((op) => op !== "stack output")).toEqual([
      "version",
      "stack select",
      "config --show-secrets",
      "stack export",
      "destroy --yes",
      "stack history",
      "stack export",
      "stack rm",
    ]);
    expect(recorded.find((c) => c[0] === "destroy")).toContain("--refresh");
  });

  it("with deleteData records it in the state (config, then an up targeted at the bucket) before the destroy, whatever the earlier config said", async () => {
    const home = await scenario("ok", {
      "outputs.json": JSON.stringify({ ...OUTPUTS, bucketCreated: true, bucketKept: true }),
      "config.json": JSON.stringify({ "dvidcloud:deleteData": { value: "false", secret: false } }),
      "history.json": history("destroy", { delete: 27 }),
      "export.json": state([WRITER, BUCKET]),
      "export-after.json": state([]),
    });
    const events: GcpProgressEvent[] = [];
    const result = await gcpDown("demo", { deleteData: true, env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }), onProgress: (e) => events.push(e) });
    expect([result.bucket, result.bucketKept]).toEqual(["demo-dvid-1a2b3c4d", false]);
    const recorded = await calls();
    const ops = recorded.map((c) => c.slice(0, 2).join(" ")).filter((op) => op !== "stack output");
    expect(ops).toEqual([
      "version",
      "stack select",
      "config --show-secrets",
      "stack export",
      "config set",
      "up --yes",
      "stack history",
      "destroy --yes",
      "stack history",
      "stack export",
      "stack rm",
    ]);
    const set = recorded.find((c) => c[0] === "config" && c[1] === "set")!;
    expect(set).toEqual(expect.arrayContaining(["dvidcloud:deleteData", "true"]));
    const upCall = recorded.find((c) => c[0] === "up")!;
    expect(upCall[upCall.indexOf("--target") + 1]).toBe(BUCKET.urn);
    expect(messagesOf(events, "stopped")).toEqual(["cluster demo destroyed; bucket demo-dvid-1a2b3c4d and its data deleted"]);
  });

  it("keeps the bucket on a plain down even when an earlier config had asked to delete it (recorded in the state first)", async () => {
    const home = await scenario("ok", {
      "outputs.json": JSON.stringify({ ...OUTPUTS, bucketCreated: true, bucketKept: false }),
      "history.json": history("destroy", { delete: 26 }),
      "export.json": state([WRITER, BUCKET]),
      "export-after.json": state([]),
    });
    const result = await gcpDown("demo", { env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) });
    expect([result.bucket, result.bucketKept]).toEqual(["demo-dvid-1a2b3c4d", true]);
    const recorded = await calls();
    expect(recorded.find((c) => c[0] === "config" && c[1] === "set")).toEqual(expect.arrayContaining(["dvidcloud:deleteData", "false"]));
    const ops = recorded.map((c) => c[0]);
    expect(ops.indexOf("up")).toBeLessThan(ops.indexOf("destroy"));
  });

  it("refuses deleteData for an attached bucket, naming the gcloud command, before changing anything", async () => {
    const home = await scenario("ok", {
      "outputs.json": JSON.stringify({ ...OUTPUTS, bucketName: "night-data", bucketCreated: false, bucketKept: true }),
      "config.json": JSON.stringify({ "dvidcloud:bucket": { value: "night-data", secret: false } }),
      "export.json": state([WRITER]),
    });
    const err = await rejection(gcpDown("demo", { deleteData: true, env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) }));
    expect(err.code).toBe("INVALID_OPTION");
    expect(err.message).toContain("it was attached");
    expect(err.message).toContain("gcloud storage rm --recursive gs://night-data");
    expect((await calls()).map((c) => c[0])).not.toEqual(expect.arrayContaining(["destroy"]));
    expect((await calls()).some((c) => c[0] === "up" || (c[0] === "config" && c[1] === "set"))).toBe(false);
  });

  it("reports a failed destroy with Pulumi's error and keeps the stack", async () => {
    const home = await scenario("destroy-fails", { "export.json": state([WRITER, BUCKET]), "outputs.json": JSON.stringify({ ...OUTPUTS, bucketKept: true }) });
    const err = await rejection(gcpDown("demo", { env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) }));
    expect(err.code).toBe("PULUMI_FAILED");
    expect(err.message).toContain('pulumi destroy of cluster "demo" failed');
    expect(err.cause).toBeInstanceOf(automation.CommandError);
    expect((await calls()).some((c) => c[0] === "stack" && c[1] === "rm")).toBe(false);
  });

  it("fails a destroy that leaves resources in the stack (partial teardown), naming them, and keeps the stack", async () => {
    const home = await scenario("ok", {
      "history.json": history("destroy", { delete: 26 }),
      "export.json": state([WRITER, BUCKET]),
      "export-after.json": state([WRITER]),
    });
    const err = await rejection(gcpDown("demo", { env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) }));
    expect(err.code).toBe("PULUMI_FAILED");
    expect(err.message).toContain("left 1 resource(s) in the stack: gcp:compute/instance:Instance demo-writer");
    expect((await calls()).some((c) => c[0] === "stack" && c[1] === "rm")).toBe(false);
  });

  it("refuses an up on a cluster whose stack already holds resources with CLUSTER_EXISTS, before changing its config", async () => {
    const home = await scenario("ok", { "export.json": state([WRITER, BUCKET]) });
    const err = await rejection(gcpUp({ ...UP, env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) }));
    expect(err.code).toBe("CLUSTER_EXISTS");
    expect(err.message).toContain("dvidcloud update demo --target gcp");
    expect((await calls()).some((c) => c[0] === "up" || (c[0] === "config" && c[1] === "set-all"))).toBe(false);
  });

  it("updates only the settings given: the stack's node count stays, the state is refreshed first, and a quota warning is logged", async () => {
    const home = await scenario("ok", {
      "export.json": state([WRITER, BUCKET]),
      "outputs.json": JSON.stringify(OUTPUTS),
      "history.json": history("update", { update: 5 }),
      "config.json": JSON.stringify({
        "dvidcloud:name": { value: "demo", secret: false },
        "dvidcloud:project": { value: "my-project", secret: false },
        "dvidcloud:nodes": { value: "5", secret: false },
        "dvidcloud:sourceRanges": { value: "203.0.113.7/32", secret: false },
        "dvidcloud:zone": { value: "us-central1-b", secret: false },
        "gcp:project": { value: "my-project", secret: false },
      }),
    });
    const events: GcpProgressEvent[] = [];
    const result = await gcpUpdate({ name: "demo", machineType: "e2-standard-8", env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }), onProgress: (e) => events.push(e) });
    expect(result.existed).toBe(true);
    expect([result.settings.nodes, result.settings.machineType]).toEqual([5, "e2-standard-8"]);
    const recorded = await calls();
    const setAll = recorded.find((c) => c[0] === "config" && c[1] === "set-all")!;
    expect(setAll).toEqual(expect.arrayContaining(["dvidcloud:nodes=5", "dvidcloud:machineType=e2-standard-8", "dvidcloud:sourceRanges=203.0.113.7/32"]));
    expect(recorded.find((c) => c[0] === "up")).toContain("--refresh");
    const warnings = events.filter((e) => e.kind === "log" && e.severity === "warning").map((e) => (e as { message: string }).message);
    expect(warnings).toEqual(expect.arrayContaining([expect.stringContaining("asks for 40 vCPUs in us-central1, more than the 24")]));
    // Neither crane nor docker on this PATH: the image check says it did not run.
    expect(warnings).toEqual(expect.arrayContaining([expect.stringContaining("was not checked (neither crane nor docker is on PATH)")]));
  });

  it("reports an update of a cluster that does not exist as STACK_NOT_FOUND", async () => {
    const home = await scenario("missing");
    const err = await rejection(gcpUpdate({ name: "ghost", nodes: 2, env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) }));
    expect(err.code).toBe("STACK_NOT_FOUND");
  });

  it("says when the DVID image cannot be pulled, with the registry tool's own error", async () => {
    const home = await scenario("ok", { "outputs.json": JSON.stringify(OUTPUTS), "history.json": history("update", { create: 27 }) });
    const tools = await mkdtemp(join(root, "tools-"));
    await writeFile(join(tools, "docker"), `#!/bin/sh\necho "$@" > "${tools}/docker-args"\necho "manifest unknown: manifest unknown" >&2\nexit 1\n`);
    await chmod(join(tools, "docker"), 0o755);
    const events: GcpProgressEvent[] = [];
    await gcpUp({ ...UP, image: "gcr.io/nowhere/dvid:none", env: envWith(`${fakeBin}:${tools}`, home, { PULUMI_CONFIG_PASSPHRASE: "p" }), onProgress: (e) => events.push(e) });
    expect(await readFile(join(tools, "docker-args"), "utf8")).toBe("manifest inspect gcr.io/nowhere/dvid:none\n");
    const log = events.find((e) => e.kind === "log" && e.message.includes("gcr.io/nowhere/dvid:none"));
    expect(log).toMatchObject({ severity: "warning" });
    expect((log as { message: string }).message).toContain("cannot be pulled from here (docker manifest inspect: manifest unknown: manifest unknown)");
  });

  it("refreshes the state before reading a status when asked", async () => {
    const home = await scenario("ok", { "outputs.json": JSON.stringify(OUTPUTS), "history.json": history("refresh", {}) });
    await gcpStatus("demo", { refresh: true, env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }) });
    const ops = (await calls()).map((c) => c.slice(0, 2).join(" "));
    expect(ops.indexOf("refresh --skip-preview")).toBeGreaterThan(0);
    expect(ops.indexOf("refresh --skip-preview")).toBeLessThan(ops.indexOf("stack output"));
  });

  it("repairs a stack an interrupted run left: cancels the update, clears pending creates with a refresh and the rest by export/import", async () => {
    const pending = [
      { resource: { urn: "urn:pulumi:demo::dvidcloud::gcp:compute/instance:Instance::demo-reader-2", type: "gcp:compute/instance:Instance" }, type: "creating" },
      { resource: { urn: WRITER.urn, type: WRITER.type }, type: "deleting" },
    ];
    const home = await scenario("stuck", { "export.json": state([WRITER, BUCKET], pending), "history.json": history("refresh", {}) });
    const events: GcpProgressEvent[] = [];
    const result = await gcpRepair("demo", { env: envWith(fakeBin, home, { PULUMI_CONFIG_PASSPHRASE: "p" }), onProgress: (e) => events.push(e) });
    expect(result.cancelled).toBe(true);
    expect(result.cleared.map((p) => p.op)).toEqual(["creating", "deleting"]);
    const recorded = await calls();
    expect(recorded.find((c) => c[0] === "cancel")).toBeDefined();
    expect(recorded.find((c) => c[0] === "refresh")).toContain("--clear-pending-creates");
    const imported = JSON.parse(await readFile(join(fakeBin, "imported.json"), "utf8")) as { deployment: Record<string, unknown> };
    expect(imported.deployment.pending_operations).toBeUndefined();
    expect((imported.deployment.resources as unknown[]).length).toBe(4); // the stack, its provider, the writer, the bucket
    expect(events.some((e) => e.kind === "log" && e.severity === "warning" && e.message.includes("demo-reader-2"))).toBe(true);
  });

  it("does not ask for a passphrase for a stack whose settings name a KMS secrets provider", async () => {
    const home = await scenario("ok", { "outputs.json": JSON.stringify(OUTPUTS), "history.json": history("update", { create: 27 }) });
    await mkdir(join(home, "dc", "gcp"), { recursive: true });
    await writeFile(join(home, "dc", "gcp", "Pulumi.demo.yaml"), "secretsprovider: gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k\nencryptedkey: abc\n");
    const status = await gcpStatus("demo", { env: envWith(fakeBin, home) });
    expect(status.bucket).toBe("demo-dvid-1a2b3c4d");
    // Another stack of the same backend without such settings still needs one.
    expect((await rejection(gcpStatus("other", { env: envWith(fakeBin, home) }))).code).toBe("PULUMI_PASSPHRASE_MISSING");
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
