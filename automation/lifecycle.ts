// The typed lifecycle: up, down, status, list and withCluster, for both targets.
import { Cluster } from "./cluster.js";
import type { Target, TargetCluster } from "./cluster-types.js";
import { DvidcloudError } from "./errors.js";
import { probeHeartbeat, type NodeHealth } from "./health.js";
import { localDriver } from "./local-target.js";
import { deleteLocalData } from "./local-stores.js";
import { describe, invalid } from "./option-checks.js";
import { resolveTargetOptions, resolveUpOptions, type DownOptions, type StatusOptions, type TargetOptions, type UpOptions } from "./options.js";
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

/** An error that reports two failures: what went wrong first, and the teardown after it. */
function bothFailed(first: unknown, teardown: unknown, what: string): AggregateError {
  const text = (err: unknown) => (err instanceof Error ? err.message : String(err));
  return new AggregateError([first, teardown], `${what}: ${text(first)}; and tearing the cluster down failed too: ${text(teardown)}`);
}

/**
 * Creates a cluster of one writer and `nodes - 1` read-only readers and, unless
 * `waitForHealth: false`, returns when every node answers `GET /api/heartbeat` (gcp: and the
 * load balancer too). gcp: a cluster of that name that already exists is refused with
 * `CLUSTER_EXISTS` unless `update: true` (see `update()`). A cluster that does not become healthy
 * is torn down, unless it existed before the call (gcp: with the bucket this call created; an
 * attached bucket is kept); a teardown that fails then is reported with the health failure (an
 * `AggregateError` of both).
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
      if (started.existed) {
        // An update that did not become healthy: the cluster was there before, so it stays.
        opts.onProgress({ kind: "log", severity: "warning", message: `"${opts.name}" existed before this update and is left as it is; see dvidcloud status ${opts.name} --target ${opts.target}` });
        throw err;
      }
      // A new cluster that never became healthy is not handed out: take it down with what this
      // call created (gcp: its bucket), keep the error.
      try {
        if (started.discard === undefined) await cluster.down();
        else {
          opts.onProgress({ kind: "phase", phase: "stopping", message: `tearing down "${opts.name}", which never became healthy, with the data this call created` });
          const removed = await started.discard();
          opts.onProgress({ kind: "phase", phase: "stopped", message: `"${opts.name}" is down; removed ${removed}` });
        }
      } catch (teardownErr) {
        throw bothFailed(err, teardownErr, `up(): "${opts.name}" did not become healthy`);
      }
      throw err;
    }
  }
  opts.onProgress({ kind: "phase", phase: "ready", message: `"${opts.name}" is ready: writer ${cluster.endpoints.writer}` });
  return cluster;
}

/**
 * Updates an existing gcp cluster: `up({ ...options, update: true })`. Only the options given
 * change its config (infra/README.md says what each change does to running VMs); the state is
 * refreshed first unless `refresh: false`; a failed health wait leaves the cluster as it is.
 */
export function update(options: UpOptions): Promise<Cluster> {
  if (options === null || typeof options !== "object") throw invalid(`update(): options must be an object with at least a name; got ${describe(options)}`);
  return up({ ...options, update: true });
}

/** What `down()` did. */
export interface DownResult {
  readonly name: string;
  readonly target: "local" | "gcp";
  /** Where the data still is: the bucket (gcp) or the store directory (local); undefined when nothing was kept. */
  readonly keptData: string | undefined;
  readonly dataDeleted: boolean;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Tears down the named cluster, from any process (the local target finds it by its state file,
 * gcp by its Pulumi stack). Throws `CLUSTER_NOT_FOUND` when there is none. Local: the store is
 * kept unless `deleteData: true`; then a stopped cluster's kept store alone is deleted too.
 */
export async function down(name: string, options: DownOptions = {}): Promise<DownResult> {
  const where = "down()";
  const opts = resolveTargetOptions(options, where, ["deleteData", "refresh"]);
  const deleteData = opts.deleteData ?? false;
  const driver = await driverFor(opts.target);
  driver.checkName(name, where);
  opts.onProgress({ kind: "phase", phase: "stopping", message: `tearing down "${name}"` });
  const found = await driver.down(name, opts);
  if (opts.target === "gcp") {
    if (found === false) throw new DvidcloudError("CLUSTER_NOT_FOUND", `no gcp cluster named "${name}"`);
    const report = found === true ? { keptData: undefined, dataDeleted: false, details: {} } : found;
    const said = report.keptData !== undefined ? `; bucket ${report.keptData} kept with its data` : report.dataDeleted ? "; its bucket and data were deleted" : "";
    opts.onProgress({ kind: "phase", phase: "stopped", message: `"${name}" is down${said}` });
    return { name, target: "gcp", ...report };
  }
  const deleted = deleteData && (await deleteLocalData(name, opts.local.stateDir, where));
  if (!found && !deleted) throw new DvidcloudError("CLUSTER_NOT_FOUND", `no ${opts.target} cluster named "${name}" is running${deleteData ? ", and it has no kept store" : ""}`);
  opts.onProgress({ kind: "phase", phase: "stopped", message: `"${name}" is down${deleted ? "; its store was deleted" : ""}` });
  return { name, target: "local", keptData: undefined, dataDeleted: deleted, details: {} };
}

/**
 * gcp: makes a cluster's stack usable again after an interrupted run: cancels a stuck update and
 * clears the pending operations it left (see automation/gcp/repair.ts).
 */
export async function repair(name: string, options: TargetOptions = {}): Promise<Readonly<Record<string, unknown>>> {
  const where = "repair()";
  const opts = resolveTargetOptions(options, where);
  const driver = await driverFor(opts.target);
  if (driver.repair === undefined) throw invalid(`${where}: repair applies only to target "gcp" (a local cluster has no deployment state to repair)`);
  driver.checkName(name, where);
  return driver.repair(name, opts);
}

export interface ClusterStatus extends TargetCluster {
  /** Every node's heartbeat, probed now (`latencyMs` for the healthy ones). */
  readonly health: readonly NodeHealth[];
  /** The load balancer's heartbeat, probed now (gcp); absent when the cluster has none (local). */
  readonly loadBalancer?: NodeHealth;
  /** Every node answers its heartbeat, and so does the load balancer, if there is one. */
  readonly healthy: boolean;
}

/**
 * The named cluster with a fresh heartbeat of every node and, on gcp, of the load balancer;
 * `CLUSTER_NOT_FOUND` when there is none.
 */
export async function status(name: string, options: StatusOptions = {}): Promise<ClusterStatus> {
  const where = "status()";
  const opts = resolveTargetOptions(options, where, ["refresh"]);
  const driver = await driverFor(opts.target);
  driver.checkName(name, where);
  const found = await driver.find(name, opts);
  if (!found) throw new DvidcloudError("CLUSTER_NOT_FOUND", `no ${opts.target} cluster named "${name}" is running`);
  const balancer = found.endpoints.loadBalancer;
  const [health, loadBalancer] = await Promise.all([
    Promise.all(found.endpoints.nodes.map((url) => probeHeartbeat(url, 2_000, opts.signal))),
    balancer === undefined ? undefined : probeHeartbeat(balancer, 2_000, opts.signal),
  ]);
  const healthy = health.every((h) => h.healthy) && (loadBalancer?.healthy ?? true);
  return { ...found, health, ...(loadBalancer === undefined ? {} : { loadBalancer }), healthy };
}

/** The clusters running on a target. */
export async function list(options: TargetOptions = {}): Promise<TargetCluster[]> {
  const opts = resolveTargetOptions(options, "list()");
  return (await driverFor(opts.target)).list(opts);
}

/**
 * Runs `fn` with a fresh cluster and always tears it down afterwards, whether `fn` returns or
 * throws. A teardown failure never hides `fn`'s outcome: when `fn` threw too, the rejection is an
 * `AggregateError` of [fn's error, the teardown's]; when `fn` returned, it is `TEARDOWN_FAILED`
 * with the teardown's error as `cause` and fn's value as `result`. For test harnesses and notebooks.
 */
export async function withCluster<T>(options: UpOptions, fn: (cluster: Cluster) => Promise<T> | T): Promise<T> {
  if (typeof fn !== "function") throw invalid(`withCluster(): fn must be a function; got ${describe(fn)}`);
  const cluster = await up(options);
  let value: T;
  try {
    value = await fn(cluster);
  } catch (err) {
    try {
      await cluster.down();
    } catch (teardownErr) {
      throw bothFailed(err, teardownErr, "withCluster(): fn failed");
    }
    throw err;
  }
  try {
    await cluster.down();
  } catch (teardownErr) {
    const message = teardownErr instanceof Error ? teardownErr.message : String(teardownErr);
    throw Object.assign(
      new DvidcloudError("TEARDOWN_FAILED", `withCluster(): fn returned, but tearing cluster "${cluster.name}" down failed: ${message}`, { cause: teardownErr }),
      { result: value },
    );
  }
  return value;
}
