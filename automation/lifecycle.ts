// The typed lifecycle: up, down, status, list and withCluster, for both targets.
import { Cluster } from "./cluster.js";
import type { Target, TargetCluster } from "./cluster-types.js";
import { DvidcloudError } from "./errors.js";
import { probeHeartbeat, type NodeHealth } from "./health.js";
import { localDriver } from "./local-target.js";
import { deleteLocalData } from "./local-stores.js";
import { describe, invalid } from "./option-checks.js";
import { resolveTargetOptions, resolveUpOptions, type DownOptions, type TargetOptions, type UpOptions } from "./options.js";
import type { TargetDriver } from "./target-driver.js";

/**
 * The driver of a target. The gcp driver is imported on first use: it loads @pulumi/pulumi,
 * @pulumi/gcp and the infra program (seconds and over 100 MB), which a local cluster never needs
 * (tests/automation/gcp-lazy-load.test.ts checks that a local round trip loads no @pulumi module).
 */
export async function driverFor(target: Target): Promise<TargetDriver> {
  if (target === "local") return localDriver;
  return (await import("./gcp-target.js")).gcpDriver;
}

/**
 * Creates a cluster of one writer and `nodes - 1` read-only readers and, unless
 * `waitForHealth: false`, returns when every node answers `GET /api/heartbeat`.
 */
export async function up(options: UpOptions): Promise<Cluster> {
  const opts = resolveUpOptions(options);
  const started = await (await driverFor(opts.target)).up(opts);
  const cluster = new Cluster({
    ...started,
    target: opts.target,
    defaultHealthTimeoutMs: opts.healthTimeoutMs,
    stop: async () => {
      opts.onProgress({ kind: "phase", phase: "stopping", message: `tearing down "${opts.name}"` });
      await started.stop();
      opts.onProgress({ kind: "phase", phase: "stopped", message: `"${opts.name}" is down` });
    },
  });
  if (opts.waitForHealth) {
    opts.onProgress({
      kind: "phase",
      phase: "waiting-for-health",
      message: `waiting for ${started.endpoints.nodes.length} node(s) to answer /api/heartbeat`,
      nodes: started.endpoints.nodes.length,
    });
    try {
      await cluster.waitForHealth({ onProgress: opts.onProgress, signal: opts.signal });
    } catch (err) {
      // A cluster that never became healthy is not handed out: take it down, keep the error.
      await cluster.down().catch(() => {});
      throw err;
    }
  }
  opts.onProgress({ kind: "phase", phase: "ready", message: `"${opts.name}" is ready: writer ${cluster.endpoints.writer}` });
  return cluster;
}

/**
 * Tears down the named cluster, from any process (the local target finds it by its state file,
 * gcp by its Pulumi stack). Throws `CLUSTER_NOT_FOUND` when there is none. Local: the store is
 * kept unless `deleteData: true`; then a stopped cluster's kept store alone is deleted too.
 */
export async function down(name: string, options: DownOptions = {}): Promise<void> {
  const where = "down()";
  const opts = resolveTargetOptions(options, where, ["deleteData"]);
  const deleteData = options.deleteData ?? false;
  if (typeof deleteData !== "boolean") throw invalid(`${where}: deleteData must be a boolean; got ${describe(deleteData)}`);
  if (deleteData && opts.target !== "local") {
    throw invalid(`${where}: deleteData applies only to target "local" (what becomes of a gcp cluster's bucket is a cluster setting given to up; see infra/README.md)`);
  }
  const driver = await driverFor(opts.target);
  driver.checkName(name, where);
  opts.onProgress({ kind: "phase", phase: "stopping", message: `tearing down "${name}"` });
  const found = await driver.down(name, opts);
  const deleted = deleteData && (await deleteLocalData(name, opts.local.stateDir, where));
  if (!found && !deleted) throw new DvidcloudError("CLUSTER_NOT_FOUND", `no ${opts.target} cluster named "${name}" is running${deleteData ? ", and it has no kept store" : ""}`);
  opts.onProgress({ kind: "phase", phase: "stopped", message: `"${name}" is down${deleted ? "; its store was deleted" : ""}` });
}

export interface ClusterStatus extends TargetCluster {
  /** Every node's heartbeat, probed now (`latencyMs` for the healthy ones). */
  readonly health: readonly NodeHealth[];
  readonly healthy: boolean;
}

/** The named cluster with a fresh heartbeat of every node; `CLUSTER_NOT_FOUND` when there is none. */
export async function status(name: string, options: TargetOptions = {}): Promise<ClusterStatus> {
  const where = "status()";
  const opts = resolveTargetOptions(options, where);
  const driver = await driverFor(opts.target);
  driver.checkName(name, where);
  const found = await driver.find(name, opts);
  if (!found) throw new DvidcloudError("CLUSTER_NOT_FOUND", `no ${opts.target} cluster named "${name}" is running`);
  const health = await Promise.all(found.endpoints.nodes.map((url) => probeHeartbeat(url, 2_000, opts.signal)));
  return { ...found, health, healthy: health.every((h) => h.healthy) };
}

/** The clusters running on a target. */
export async function list(options: TargetOptions = {}): Promise<TargetCluster[]> {
  const opts = resolveTargetOptions(options, "list()");
  return (await driverFor(opts.target)).list(opts);
}

/**
 * Runs `fn` with a fresh cluster and always tears it down afterwards, whether `fn` returns or
 * throws (its error is the one rethrown). For test harnesses and notebooks.
 */
export async function withCluster<T>(options: UpOptions, fn: (cluster: Cluster) => Promise<T> | T): Promise<T> {
  if (typeof fn !== "function") throw invalid(`withCluster(): fn must be a function; got ${describe(fn)}`);
  const cluster = await up(options);
  try {
    return await fn(cluster);
  } finally {
    await cluster.down();
  }
}
