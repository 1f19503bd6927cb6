/**
 * The lifecycle calls (up, update, down, withCluster) on the gcp target, driving the scripted
 * stand-in for the pulumi CLI (fixtures/fake-pulumi.sh), with real HTTP servers on port 0 in the
 * role of the nodes, the load balancer and Cloud Storage, and the real CLI in a child process
 * for Ctrl-C.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDvidcloudError, status, up, withCluster, type UpOptions } from "../../automation/index.js";
import { fakePulumiCalls, fakePulumiScenario, installFakePulumi } from "../helpers/fake-pulumi.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
let root: string;
let fakeBin: string;
const servers: http.Server[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "dvidcloud-gcp-life-"));
  fakeBin = join(root, "bin");
  await installFakePulumi(fakeBin);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await rm(root, { recursive: true, force: true });
});

/** A server on 127.0.0.1:0 answering with `handler`; every request is recorded. */
async function serve(handler: (req: http.IncomingMessage, body: string) => { status: number; body: string }) {
  const requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const answer = handler(req, body);
      res.writeHead(answer.status, { "content-type": "text/plain" }).end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const scenario = (mode: string, files: Record<string, string> = {}) => fakePulumiScenario(fakeBin, root, mode, files);
const calls = () => fakePulumiCalls(fakeBin);

const history = JSON.stringify([
  { version: 1, kind: "update", startTime: "2026-11-24T10:00:00.000Z", endTime: "2026-11-24T10:04:30.000Z", message: "", environment: {}, config: {}, result: "succeeded", resourceChanges: { create: 27 } },
]);
const WRITER = { urn: "urn:pulumi:demo::dvidcloud::gcp:compute/instance:Instance::demo-writer", type: "gcp:compute/instance:Instance" };
const existingState = JSON.stringify({ version: 3, deployment: { resources: [WRITER] } });
const outputsFor = (writer: string, loadBalancer: string) =>
  JSON.stringify({ clusterName: "demo", writerUrl: writer, readerUrls: [], loadBalancerUrl: loadBalancer, bucketName: "demo-dvid-1a2b3c4d", bucketCreated: true, bucketKept: true });

/** Lifecycle options for the stand-in; PATH has the stand-in and no registry tool. */
function options(home: string, extra: Partial<UpOptions> = {}, env: Record<string, string> = {}): UpOptions {
  return {
    name: "demo",
    target: "gcp",
    nodes: 1,
    ...extra,
    gcp: {
      project: "my-project",
      sourceRanges: ["203.0.113.7/32"],
      env: { PATH: `${fakeBin}:/usr/bin:/bin`, HOME: home, DVIDCLOUD_HOME: join(home, "dc"), PULUMI_CONFIG_PASSPHRASE: "p", ...env },
      ...(extra.gcp ?? {}),
    },
  };
}

const healthy = () => ({ status: 200, body: "OK" });

describe("withCluster and up on the gcp target, when the teardown fails", () => {
  it("rejects with an AggregateError of fn's error and the failed teardown when both fail", async () => {
    const node = await serve(healthy);
    const home = await scenario("destroy-fails", { "outputs.json": outputsFor(node.url, node.url), "history.json": history });
    const err = await withCluster(options(home, { waitForHealth: false }), () => {
      throw new Error("fn broke");
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    const [first, second] = (err as AggregateError).errors;
    expect((first as Error).message).toBe("fn broke");
    expect(isDvidcloudError(second, "PULUMI_FAILED")).toBe(true);
    expect((err as Error).message).toMatch(/^withCluster\(\): fn failed: fn broke; and tearing the cluster down failed too: pulumi destroy of cluster "demo" failed/);
  }, 60_000);

  it("rejects with TEARDOWN_FAILED carrying fn's value when fn returns and the teardown fails", async () => {
    const node = await serve(healthy);
    const home = await scenario("destroy-fails", { "outputs.json": outputsFor(node.url, node.url), "history.json": history });
    const err = await withCluster(options(home, { waitForHealth: false }), () => 42).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "TEARDOWN_FAILED")).toBe(true);
    expect((err as { result?: unknown }).result).toBe(42);
    expect(isDvidcloudError((err as Error).cause, "PULUMI_FAILED")).toBe(true);
  }, 60_000);

  it("up() reports both a failed health wait and the failed teardown of the new cluster", async () => {
    const closed = await serve(() => ({ status: 503, body: "starting" }));
    const home = await scenario("destroy-fails", { "outputs.json": outputsFor(closed.url, closed.url), "history.json": history });
    const err = await up(options(home, { healthTimeoutMs: 300 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    const [health, teardown] = (err as AggregateError).errors;
    expect(isDvidcloudError(health, "HEALTH_TIMEOUT")).toBe(true);
    expect(isDvidcloudError(teardown, "PULUMI_FAILED")).toBe(true);
    expect((await calls()).some((c) => c[0] === "destroy")).toBe(true);
  }, 60_000);
});

const BUCKET = { urn: "urn:pulumi:demo::dvidcloud::dvidcloud:gcp:DvidCluster$dvidcloud:gcp:DvidBucket$gcp:storage/bucket:Bucket::demo-data", type: "gcp:storage/bucket:Bucket" };
const stateOf = (resources: { urn: string; type: string }[]) => JSON.stringify({ version: 3, deployment: { resources } });

describe("up() on the gcp target, when a new cluster never becomes healthy", () => {
  it("tears the new cluster down with the bucket this call created, and says so", async () => {
    const sick = await serve(() => ({ status: 503, body: "starting" }));
    const home = await scenario("ok", {
      "outputs.json": outputsFor(sick.url, sick.url),
      "history.json": history,
      // The stack is empty before this up, holds the cluster and its bucket after it, and nothing after the destroy.
      "export-upped.json": stateOf([WRITER, BUCKET]),
      "export-after.json": stateOf([]),
    });
    const messages: string[] = [];
    const err = await up(options(home, { healthTimeoutMs: 300, onProgress: (e) => void ("message" in e && messages.push(e.message)) })).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "HEALTH_TIMEOUT")).toBe(true);
    const recorded = await calls();
    const ops = recorded.map((c) => c[0]);
    const set = recorded.find((c) => c[0] === "config" && c[1] === "set");
    expect(set).toEqual(expect.arrayContaining(["dvidcloud:deleteData", "true"]));
    const ups = recorded.filter((c) => c[0] === "up");
    expect(ups).toHaveLength(2);
    expect(ups[1]![ups[1]!.indexOf("--target") + 1]).toBe(BUCKET.urn);
    expect(ops.lastIndexOf("up")).toBeLessThan(ops.indexOf("destroy"));
    expect(recorded.some((c) => c[0] === "stack" && c[1] === "rm")).toBe(true);
    expect(messages).toContain(`"demo" is down; removed cluster demo's resources and bucket demo-dvid-1a2b3c4d`);
  }, 60_000);

  it("keeps an attached bucket when it tears the new cluster down", async () => {
    const sick = await serve(() => ({ status: 503, body: "starting" }));
    const home = await scenario("ok", {
      "outputs.json": JSON.stringify({ ...JSON.parse(outputsFor(sick.url, sick.url)), bucketName: "night-data", bucketCreated: false, bucketKept: true }),
      "history.json": history,
      "export-upped.json": stateOf([WRITER]),
      "export-after.json": stateOf([]),
    });
    const messages: string[] = [];
    const err = await up(options(home, { healthTimeoutMs: 300, gcp: { bucket: "night-data" }, onProgress: (e) => void ("message" in e && messages.push(e.message)) })).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "HEALTH_TIMEOUT")).toBe(true);
    const recorded = await calls();
    expect(recorded.find((c) => c[0] === "config" && c[1] === "set-all")).toEqual(expect.arrayContaining(["dvidcloud:bucket=night-data"]));
    expect(recorded.some((c) => c.includes("dvidcloud:deleteData") || c.includes("dvidcloud:deleteData=true"))).toBe(false);
    expect(recorded.filter((c) => c[0] === "up")).toHaveLength(1);
    expect(recorded.some((c) => c[0] === "destroy")).toBe(true);
    expect(messages).toContain(`"demo" is down; removed cluster demo's resources; bucket night-data kept (attached)`);
  }, 60_000);
});

describe("updates on the gcp target", () => {
  it("up() of an existing cluster without update is refused with CLUSTER_EXISTS", async () => {
    const home = await scenario("ok", { "export.json": existingState });
    const err = await up(options(home)).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "CLUSTER_EXISTS")).toBe(true);
  }, 60_000);

  it("an update that does not become healthy leaves the cluster that existed before, and sends no nodes it was not given", async () => {
    const sick = await serve(() => ({ status: 503, body: "starting" }));
    const home = await scenario("ok", {
      "export.json": existingState,
      "outputs.json": outputsFor(sick.url, sick.url),
      "history.json": history,
      "config.json": JSON.stringify({
        "dvidcloud:project": { value: "my-project" },
        "dvidcloud:nodes": { value: "7" },
        "dvidcloud:sourceRanges": { value: "203.0.113.7/32" },
      }),
    });
    const { nodes: _default, ...noNodes } = options(home, { update: true, healthTimeoutMs: 300 });
    const err = await up({ ...noNodes, gcp: { env: (noNodes.gcp as { env: unknown }).env, image: "gcr.io/x/dvid:2" } }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "HEALTH_TIMEOUT")).toBe(true);
    const recorded = await calls();
    expect(recorded.some((c) => c[0] === "destroy")).toBe(false);
    expect(recorded.some((c) => c.includes("dvidcloud:deleteData"))).toBe(false);
    expect(recorded.find((c) => c[0] === "config" && c[1] === "set-all")).toEqual(expect.arrayContaining(["dvidcloud:nodes=7", "dvidcloud:image=gcr.io/x/dvid:2"]));
  }, 60_000);
});

describe("the load balancer and the readers on the gcp target", () => {
  it("hands out endpoints.loadBalancer only once it answers /api/heartbeat with 200", async () => {
    const node = await serve(healthy);
    let balancerUp = false;
    const balancer = await serve(() => (balancerUp ? healthy() : { status: 502, body: "no healthy upstream" }));
    const home = await scenario("ok", { "outputs.json": outputsFor(node.url, balancer.url), "history.json": history });
    const cluster = await up(options(home, { waitForHealth: false }));
    expect(cluster.endpoints.loadBalancer).toBeUndefined();
    const err = await cluster.waitForHealth({ timeoutMs: 300 }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "HEALTH_TIMEOUT")).toBe(true);
    expect((err as Error).message).toContain(`the load balancer ${balancer.url} did not answer GET /api/heartbeat with 200`);
    expect(cluster.endpoints.loadBalancer).toBeUndefined();
    balancerUp = true;
    const report = await cluster.waitForHealth();
    expect(report.loadBalancer).toMatchObject({ url: balancer.url, healthy: true });
    expect(cluster.endpoints.loadBalancer).toBe(balancer.url);
  }, 60_000);

  it("refreshReaders() writes the refresh object to the cluster's bucket with the caller's token", async () => {
    const node = await serve(healthy);
    const storage = await serve(() => ({ status: 200, body: "{}" }));
    const home = await scenario("ok", { "outputs.json": outputsFor(node.url, node.url), "history.json": history });
    const cluster = await up(options(home, { waitForHealth: false }, { STORAGE_EMULATOR_HOST: storage.url, GOOGLE_OAUTH_ACCESS_TOKEN: "tok-123" }));
    const report = await cluster.refreshReaders();
    expect(report).toEqual({ restarting: true, maxDelaySeconds: 40, details: { bucket: "demo-dvid-1a2b3c4d", object: "dvidcloud-refresh-readers" } });
    expect(storage.requests).toHaveLength(1);
    expect(storage.requests[0]).toMatchObject({
      method: "POST",
      url: "/upload/storage/v1/b/demo-dvid-1a2b3c4d/o?uploadType=media&name=dvidcloud-refresh-readers",
      headers: expect.objectContaining({ authorization: "Bearer tok-123" }),
    });
  }, 60_000);

  it("refreshReaders() says what is wrong when Cloud Storage refuses or no token can be had", async () => {
    const node = await serve(healthy);
    const storage = await serve(() => ({ status: 403, body: "denied" }));
    const home = await scenario("ok", { "outputs.json": outputsFor(node.url, node.url), "history.json": history });
    const refused = await up(options(home, { waitForHealth: false }, { STORAGE_EMULATOR_HOST: storage.url, GOOGLE_OAUTH_ACCESS_TOKEN: "t" }));
    const err = await refused.refreshReaders().catch((e: unknown) => e);
    expect(isDvidcloudError(err, "REFRESH_FAILED")).toBe(true);
    expect((err as Error).message).toContain("failed with status 403: denied (the caller needs storage.objects.create");
    await scenario("ok", { "outputs.json": outputsFor(node.url, node.url), "history.json": history });
    const noGcloud = await up({ ...options(home, { waitForHealth: false }), gcp: { ...options(home).gcp, env: { ...(options(home).gcp as { env: Record<string, string> }).env, PATH: fakeBin } } });
    const missing = await noGcloud.refreshReaders().catch((e: unknown) => e);
    expect(isDvidcloudError(missing, "REFRESH_FAILED")).toBe(true);
    expect((missing as Error).message).toContain("gcloud is not on PATH");
  }, 60_000);
});

describe("status on the gcp target", () => {
  it("probes the load balancer's heartbeat too, marked as the load balancer, and is healthy only while it answers 200, in status() and the CLI", async () => {
    const node = await serve(healthy);
    let balancerUp = true;
    const balancer = await serve(() => (balancerUp ? healthy() : { status: 502, body: "no healthy upstream" }));
    const home = await scenario("ok", { "outputs.json": outputsFor(node.url, balancer.url), "history.json": history });
    const { gcp } = options(home);
    const env = { ...process.env, ...(gcp as { env: Record<string, string> }).env, PULUMI_BACKEND_URL: "" };
    const cli = async () => {
      const child = spawn(process.execPath, ["--import", "tsx", "automation/cli.ts", "status", "demo", "--target", "gcp"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      return { code, out };
    };

    const up200 = await status("demo", { target: "gcp", gcp: { env: (gcp as { env: Record<string, string> }).env } });
    expect(up200.health.map((h) => h.url)).toEqual([node.url]);
    expect(up200.loadBalancer).toMatchObject({ url: balancer.url, healthy: true });
    expect(up200.healthy).toBe(true);
    const shown = await cli();
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(new RegExp(`healthy {3}${balancer.url} {2}[0-9.]+ ms {2}\\(load balancer\\)`));

    balancerUp = false;
    const down502 = await status("demo", { target: "gcp", gcp: { env: (gcp as { env: Record<string, string> }).env } });
    expect(down502.health).toEqual([expect.objectContaining({ url: node.url, healthy: true })]);
    expect(down502.loadBalancer).toEqual({ url: balancer.url, healthy: false, error: 'GET /api/heartbeat: status 502, body "no healthy upstream"' });
    expect(down502.healthy).toBe(false);
    const sick = await cli();
    expect(sick.code).toBe(5);
    expect(sick.out).toContain(`UNHEALTHY ${balancer.url}  (GET /api/heartbeat: status 502, body "no healthy upstream")  (load balancer)`);
  }, 90_000);
});

describe("Ctrl-C in the dvidcloud CLI on the gcp target", () => {
  it("reaches pulumi once however often the terminal sends it, says what it waits for, and the next down works", async () => {
    const node = await serve(healthy);
    const home = await scenario("slow", { hold: "", "outputs.json": outputsFor(node.url, node.url), "history.json": history });
    const env = { ...process.env, PATH: `${fakeBin}:/usr/bin:/bin`, HOME: home, DVIDCLOUD_HOME: join(home, "dc"), PULUMI_CONFIG_PASSPHRASE: "p", PULUMI_BACKEND_URL: "" };
    const cli = (args: string[]) =>
      // detached: the CLI leads a process group of its own, as a shell's foreground job does.
      spawn(process.execPath, ["--import", "tsx", "automation/cli.ts", ...args], { cwd: repoRoot, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const child = cli(["up", "demo", "--target", "gcp", "--project", "my-project", "--source-ranges", "203.0.113.7/32", "--nodes", "1"]);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const until = async (what: string, check: () => Promise<boolean> | boolean) => {
      for (let i = 0; i < 2400 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
      if (!(await check())) throw new Error(`gave up waiting for ${what}; stderr: ${stderr}`);
    };
    const ints = async () => (await readFile(join(fakeBin, "ints"), "utf8").catch(() => "")).split("\n").filter(Boolean).length;
    await until("the stand-in's up", async () => (await readdir(fakeBin)).includes("up-started"));
    process.kill(-child.pid!, "SIGINT"); // what a terminal's Ctrl-C does: the whole foreground group
    await until("the first interrupt to reach pulumi", async () => (await ints()) >= 1);
    await until("the CLI to say it stops cleanly", () => stderr.includes("interrupted; stopping cleanly"));
    process.kill(-child.pid!, "SIGINT");
    await until("the CLI to say what it waits for", () => stderr.includes("waiting for Pulumi to finish the resource steps under way"));
    expect(await ints()).toBe(1);
    await writeFile(join(fakeBin, "release"), "");
    expect(await exited).toBe(130);
    expect(await ints()).toBe(1);

    // The stack is usable at once: down works and says which bucket it kept.
    await writeFile(join(fakeBin, "mode"), "ok");
    const down = cli(["down", "demo", "--target", "gcp"]);
    let out = "";
    down.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => down.on("exit", (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toContain("demo is down; bucket demo-dvid-1a2b3c4d kept with its data (bring it back: dvidcloud up demo --target gcp --bucket demo-dvid-1a2b3c4d");
  }, 120_000);
});
