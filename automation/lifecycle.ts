// The typed lifecycle: up, down, status, list and withCluster, for both targets.
import { Cluster } from "./cluster.js";
import { DvidcloudError } from "./errors.js";
import { gcpDriver } from "./gcp-target.js";
import { probeHeartbeat, type NodeHealth } from "./health.js";
import { localDown, localFind, localList, localUp, type TargetCluster } from "./local-target.js";
import {
  checkKeys,
  checkName,
  checkSignal,
  checkTarget,
  describe,
  invalid,
  resolveUpOptions,
  type Target,
  type TargetOptions,
  type UpOptions,
} from "./options.js";
import type { DriverCallOptions, TargetDriver } from "./target-driver.js";

const localDriver: TargetDriver = {
  up: localUp,
  down: (name, o) => localDown(name, o.local?.stateDir),
  find: (name, o) => localFind(name, o.local?.stateDir),
  list: (o) => localList(o.local?.stateDir),
};

const DRIVERS: Record<Target, TargetDriver> = { local: localDriver, gcp: gcpDriver };

/**
 * Creates a cluster of one writer and `nodes - 1` read-only readers and, unless
 * `waitForHealth: false`, returns when every node answers `GET /api/heartbeat`.
 */
export async function up(options: UpOptions): Promise<Cluster> {
  const opts = resolveUpOptions(options);
  const started = await DRIVERS[opts.target].up(opts);
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
    opts.onProgress({ kind: "phase", phase: "waiting-for-health", message: `waiting for ${started.endpoints.nodes.length} node(s) to answer /api/heartbeat` });
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

const TARGET_KEYS = ["target", "local", "gcp", "onProgress", "signal"];

function resolveTargetOptions(options: TargetOptions, where: string): { target: Target; call: DriverCallOptions } {
  if (options === null || typeof options !== "object") throw invalid(`${where}: options must be an object; got ${describe(options)}`);
  checkKeys(where, options, TARGET_KEYS);
  return {
    target: checkTarget(options.target, where),
    call: {
      local: options.local,
      gcp: options.gcp,
      onProgress: options.onProgress ?? (() => {}),
      signal: checkSignal(options.signal, where),
    },
  };
}

/**
 * Tears down the named cluster, from any process (the local target finds it by its state file,
 * gcp by its Pulumi stack). Throws `CLUSTER_NOT_FOUND` when there is none.
 */
export async function down(name: string, options: TargetOptions = {}): Promise<void> {
  checkName(name, "down()");
  const { target, call } = resolveTargetOptions(options, "down()");
  call.onProgress({ kind: "phase", phase: "stopping", message: `tearing down "${name}"` });
  const found = await DRIVERS[target].down(name, call);
  if (!found) throw new DvidcloudError("CLUSTER_NOT_FOUND", `no ${target} cluster named "${name}" is running`);
  call.onProgress({ kind: "phase", phase: "stopped", message: `"${name}" is down` });
}

export interface ClusterStatus extends TargetCluster {
  /** Every node's heartbeat, probed now. */
  readonly health: readonly NodeHealth[];
  readonly healthy: boolean;
}

/** The named cluster with a fresh heartbeat of every node; `CLUSTER_NOT_FOUND` when there is none. */
export async function status(name: string, options: TargetOptions = {}): Promise<ClusterStatus> {
  checkName(name, "status()");
  const { target, call } = resolveTargetOptions(options, "status()");
  const found = await DRIVERS[target].find(name, call);
  if (!found) throw new DvidcloudError("CLUSTER_NOT_FOUND", `no ${target} cluster named "${name}" is running`);
  const health = await Promise.all(found.endpoints.nodes.map((url) => probeHeartbeat(url, 2_000, call.signal)));
  return { ...found, health, healthy: health.every((h) => h.healthy) };
}

/** The clusters running on a target. */
export async function list(options: TargetOptions = {}): Promise<TargetCluster[]> {
  const { target, call } = resolveTargetOptions(options, "list()");
  return DRIVERS[target].list(call);
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
