// The typed lifecycle on the local target, for real: processes, ports and HTTP.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { down, isDvidcloudError, list, status, up, withCluster, type Cluster, type ProgressEvent } from "../../automation/index.js";
import { checkClusterName } from "../../local-dvid/index.js";
import { removeLocalStateDir } from "../helpers/local-clusters.js";
import { createTempDir } from "../helpers/temp-dir.js";
import { isPidGone } from "../helpers/child-process.js";

let stateDir: string;
beforeAll(async () => {
  stateDir = await createTempDir("lifecycle");
});
afterAll(async () => {
  await removeLocalStateDir(stateDir);
});

const pidsOf = (c: { details: Readonly<Record<string, unknown>> }) => (c.details.nodes as { pid: number }[]).map((n) => n.pid);

describe("up() on the local target", () => {
  let cluster: Cluster;
  const events: ProgressEvent[] = [];
  beforeAll(async () => {
    cluster = await up({ name: "life-a", nodes: 3, local: { stateDir }, onProgress: (e) => events.push(e) });
  });
  afterAll(async () => {
    await cluster?.down();
  });

  it("returns one writer and two read-only readers, all healthy", async () => {
    expect(cluster.target).toBe("local");
    expect(cluster.endpoints.nodes).toHaveLength(3);
    expect(cluster.endpoints.nodes[0]).toBe(cluster.endpoints.writer);
    expect(cluster.endpoints.readers).toEqual(cluster.endpoints.nodes.slice(1));
    const report = await cluster.waitForHealth();
    expect(report.healthy).toBe(true);
    expect(report.nodes.map((n) => n.url)).toEqual(cluster.endpoints.nodes);
    const reader = await fetch(`${cluster.endpoints.readers[0]}/api/repos`, { method: "POST", body: "{}" });
    expect(reader.status).toBe(400);
    expect(await reader.text()).toMatch(/read-only/);
  });

  it("reports its phases in order, ending ready", () => {
    const phases = events.filter((e) => e.kind === "phase").map((e) => (e as { phase: string }).phase);
    expect(phases[0]).toBe("starting");
    expect(phases).toContain("waiting-for-health");
    expect(phases.at(-1)).toBe("ready");
    expect(events.some((e) => e.kind === "health" && e.healthy && e.healthyNodes === 3)).toBe(true);
  });

  it("hands out a volume-client that writes to the writer and reads through the readers", async () => {
    const repo = await cluster.client().createRepo({ alias: "lifecycle" });
    const vol = await repo.createVolume("gray", "uint8", { blockSizeZyx: [16, 16, 16] });
    const data = new Uint8Array(32 * 32 * 32).map((_, i) => (i * 7) & 255);
    await vol.write([0, 0, 0], ndarray(data, [32, 32, 32]));
    const back = await vol.read([[0, 32], [0, 32], [0, 32]]);
    expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(data))).toBe(true);
    expect(cluster.client()).toBe(cluster.client());
  });

  it("is seen by status() and list() from its state file", async () => {
    const s = await status("life-a", { local: { stateDir } });
    expect(s.healthy).toBe(true);
    expect(s.endpoints).toEqual(cluster.endpoints);
    expect(s.health.every((h) => h.healthy && typeof h.latencyMs === "number")).toBe(true);
    const names = (await list({ local: { stateDir } })).map((c) => c.name);
    expect(names).toContain("life-a");
  });

  it("refuses a second cluster of the same name with CLUSTER_EXISTS, before it announces a start", async () => {
    const seen: ProgressEvent[] = [];
    const err = await up({ name: "life-a", nodes: 1, local: { stateDir }, onProgress: (e) => seen.push(e) }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "CLUSTER_EXISTS")).toBe(true);
    expect((err as Error).message).toContain("life-a");
    expect(seen).toEqual([]);
  });

  it("never lists the writer among the readers: not in up(), status() nor list()", async () => {
    const { writer, readers, nodes } = cluster.endpoints;
    expect(readers).not.toContain(writer);
    expect(nodes).toEqual([writer, ...readers]);
    expect((await status("life-a", { local: { stateDir } })).endpoints.readers).not.toContain(writer);
    const listed = (await list({ local: { stateDir } })).find((c) => c.name === "life-a")!;
    expect(listed.endpoints.readers).not.toContain(writer);
    expect(listed.endpoints.nodes).toEqual(nodes);
  });
});

describe("down()", () => {
  it("stops a detached cluster by name, as another process would, leaving no process", async () => {
    const cluster = await up({ name: "life-b", nodes: 2, local: { stateDir, detached: true } });
    const pids = pidsOf(cluster);
    expect(pids.every((p) => !isPidGone(p))).toBe(true);
    await down("life-b", { local: { stateDir } });
    expect(pids.every(isPidGone)).toBe(true);
    const err = await status("life-b", { local: { stateDir } }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "CLUSTER_NOT_FOUND")).toBe(true);
  });

  it("throws CLUSTER_NOT_FOUND for a name that is not running", async () => {
    const err = await down("never-started", { local: { stateDir } }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "CLUSTER_NOT_FOUND")).toBe(true);
    expect((err as Error).message).toContain("never-started");
  });

  it("is idempotent on a handle", async () => {
    const cluster = await up({ name: "life-c", nodes: 1, local: { stateDir } });
    await Promise.all([cluster.down(), cluster.down()]);
    await cluster.down();
    expect(pidsOf(cluster).every(isPidGone)).toBe(true);
  });
});

describe("a one-node cluster", () => {
  it("has no readers; its one node is the writer, and that node is what the health wait probes", async () => {
    await withCluster({ name: "life-one", nodes: 1, local: { stateDir } }, async (c) => {
      expect(c.endpoints.readers).toEqual([]);
      expect(c.endpoints.nodes).toEqual([c.endpoints.writer]);
      expect((await c.waitForHealth()).nodes.map((n) => n.url)).toEqual([c.endpoints.writer]);
      const s = await status("life-one", { local: { stateDir } });
      expect(s.endpoints.readers).toEqual([]);
      expect(s.health.map((h) => h.url)).toEqual([c.endpoints.writer]);
    });
  });
});

describe("withCluster()", () => {
  it("tears the cluster down after fn returns, and passes fn's result through", async () => {
    let pids: number[] = [];
    const result = await withCluster({ name: "life-d", nodes: 2, local: { stateDir } }, async (c) => {
      pids = pidsOf(c);
      return (await c.client().serverInfo())["DVID Version"];
    });
    expect(result).toMatch(/local-dvid/);
    expect(pids).toHaveLength(2);
    expect(pids.every(isPidGone)).toBe(true);
  });

  it("tears the cluster down when fn throws, and rethrows fn's error", async () => {
    let pids: number[] = [];
    const boom = new Error("boom");
    const err = await withCluster({ name: "life-e", nodes: 2, local: { stateDir } }, (c) => {
      pids = pidsOf(c);
      throw boom;
    }).catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(pids.every(isPidGone)).toBe(true);
    expect((await list({ local: { stateDir } })).map((c) => c.name)).not.toContain("life-e");
  });
});

describe("option checks", () => {
  it.each([
    [{ name: "Bad_Name" }, "INVALID_OPTION", /name must be 1 to 40 characters/],
    [{ name: "ok", nodes: 40 }, "INVALID_OPTION", /nodes must be an integer between 1 and 16; got 40/],
    [{ name: "ok", nodes: 2.5 }, "INVALID_OPTION", /nodes must be an integer/],
    [{ name: "ok", target: "aws" }, "UNKNOWN_TARGET", /target must be "local" or "gcp"; got "aws"/],
    [{ name: "ok", colour: "red" }, "INVALID_OPTION", /unknown option "colour"/],
    [{ name: "ok", local: { detatched: true } }, "INVALID_OPTION", /unknown option "detatched"/],
    [{ name: "ok", waitForHealth: "yes" }, "INVALID_OPTION", /waitForHealth must be a boolean/],
    [{ name: "ok", gcp: { project: "my-project" } }, "INVALID_OPTION", /option "gcp" applies only to target "gcp", and the target is "local"/],
    [{ name: "ok", healthTimeoutMs: 0 }, "INVALID_OPTION", /healthTimeoutMs must be an integer between 1 and 3600000; got 0/],
    [{ name: "ok", onProgress: "log" }, "INVALID_OPTION", /onProgress must be a function; got "log"/],
  ])("rejects %j before starting anything", async (options, code, message) => {
    const before = await list({ local: { stateDir } });
    const err = await up({ local: { stateDir }, ...(options as object) } as never).catch((e: unknown) => e);
    expect(isDvidcloudError(err, code as never)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect(await list({ local: { stateDir } })).toEqual(before);
  });
});

describe("cluster names", () => {
  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      return (err as Error).message;
    }
    return "";
  };

  it.each(["Bad_Name", "", "x".repeat(41), "a b"])("checks a local name %j with local-dvid's one rule, saying where", async (name) => {
    const rule = messageOf(() => checkClusterName(name));
    expect(rule).not.toBe("");
    for (const [where, call] of [
      ["up()", () => up({ name, local: { stateDir } })],
      ["down()", () => down(name, { local: { stateDir } })],
      ["status()", () => status(name, { local: { stateDir } })],
    ] as const) {
      const err = await call().catch((e: unknown) => e);
      expect(isDvidcloudError(err, "INVALID_OPTION")).toBe(true);
      expect((err as Error).message).toBe(`${where}: ${rule}`);
    }
  });

  it("applies the gcp limit of 20 characters only to the gcp target", async () => {
    const name = "a-name-of-twenty-five-chr";
    expect(checkClusterName(name)).toBe(name);
    const local = await status(name, { local: { stateDir } }).catch((e: unknown) => e);
    expect(isDvidcloudError(local, "CLUSTER_NOT_FOUND")).toBe(true);
    const env = { PATH: "/nonexistent", HOME: "/nonexistent-home" };
    const gcp = await status(name, { target: "gcp", gcp: { env } }).catch((e: unknown) => e);
    expect(isDvidcloudError(gcp, "INVALID_OPTION")).toBe(true);
    expect((gcp as Error).message).toMatch(/^status\(\): name must be 1 to 20 lowercase letters/);
  });
});

describe("the gcp target through the same lifecycle calls", () => {
  // No pulumi CLI here: every call must stop at the CLI check, before any work, with the code a
  // caller can act on; cluster settings given to down/status/list must not be mistaken for
  // unknown options (only up takes them).
  const env = { PATH: "/nonexistent", HOME: "/nonexistent-home" };
  const gcp = { project: "my-project", sourceRanges: ["203.0.113.7/32"], env };

  it("up() reports PULUMI_CLI_MISSING with how to install it", async () => {
    const err = await up({ name: "cloudy", target: "gcp", gcp }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "PULUMI_CLI_MISSING")).toBe(true);
    expect((err as Error).message).toMatch(/get\.pulumi\.com/);
  });

  it("up() checks the gcp settings before it looks for the pulumi CLI", async () => {
    const { project: _omitted, ...noProject } = gcp;
    const err = await up({ name: "cloudy", target: "gcp", gcp: noProject }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "INVALID_OPTION")).toBe(true);
    expect((err as Error).message).toMatch(/^up\(\): project/);
  });

  it.each([
    ["up()", () => up({ name: "cloudy", target: "gcp", gcp, local: { stateDir } })],
    ["down()", () => down("cloudy", { target: "gcp", gcp, local: { stateDir } })],
    ["status()", () => status("cloudy", { target: "gcp", gcp, local: { stateDir } })],
    ["list()", () => list({ target: "gcp", gcp, local: { stateDir } })],
  ] as const)("%s refuses local settings on the gcp target, before the pulumi CLI check", async (where, call) => {
    const err = await call().catch((e: unknown) => e);
    expect(isDvidcloudError(err, "INVALID_OPTION")).toBe(true);
    expect((err as Error).message).toContain(`${where}: option "local" applies only to target "local", and the target is "gcp"`);
  });

  it("down() takes deleteData on the gcp target too (the bucket's fate is decided at down), and checks it is a boolean", async () => {
    const err = await down("cloudy", { target: "gcp", gcp, deleteData: true }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "PULUMI_CLI_MISSING")).toBe(true);
    const bad = await down("cloudy", { target: "gcp", gcp, deleteData: "yes" as never }).catch((e: unknown) => e);
    expect(isDvidcloudError(bad, "INVALID_OPTION")).toBe(true);
    expect((bad as Error).message).toContain("deleteData must be a boolean");
  });

  it("up() refuses update on the local target, and status() refuses refresh there", async () => {
    const err = await up({ name: "lokal", update: true, local: { stateDir } }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "INVALID_OPTION")).toBe(true);
    expect((err as Error).message).toContain('update applies only to target "gcp"');
    const refresh = await status("lokal", { refresh: true, local: { stateDir } }).catch((e: unknown) => e);
    expect((refresh as Error).message).toContain('refresh applies only to target "gcp"');
  });

  it.each(["down", "status", "list"] as const)("%s() ignores up-only settings and reports PULUMI_CLI_MISSING", async (call) => {
    const options = { target: "gcp" as const, gcp };
    const err = await (call === "list" ? list(options) : call === "down" ? down("cloudy", options) : status("cloudy", options)).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "PULUMI_CLI_MISSING")).toBe(true);
  });
});
