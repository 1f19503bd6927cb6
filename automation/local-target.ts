// The local target: N local-dvid processes on 127.0.0.1 sharing one store directory, started,
// found and stopped through local-dvid's launcher and its state files.
import {
  findLocalCluster,
  isLocalDvidError,
  listLocalClusters,
  startLocalCluster,
  stopLocalCluster,
  type LocalClusterState,
} from "../local-dvid/index.js";
import type { ClusterEndpoints } from "./endpoints.js";
import { DvidcloudError } from "./errors.js";
import type { ResolvedUpOptions } from "./options.js";

/** A running cluster as a target reports it. */
export interface TargetCluster {
  readonly name: string;
  readonly target: "local" | "gcp";
  readonly endpoints: ClusterEndpoints;
  /** When it was started (ISO 8601), if the target knows. */
  readonly createdAt?: string;
  /** Target-specific facts: pids, ports and store directory (local); stack outputs (gcp). */
  readonly details: Readonly<Record<string, unknown>>;
}

export function localEndpoints(state: LocalClusterState): ClusterEndpoints {
  const nodes = [...state.nodes].sort((a, b) => a.index - b.index);
  const writer = nodes.find((n) => n.role === "writer");
  if (!writer) throw new DvidcloudError("CLUSTER_NOT_FOUND", `local cluster "${state.name}" has no writer in its state file ${state.stateFile}`);
  return {
    writer: writer.url,
    readers: nodes.filter((n) => n.role === "reader").map((n) => n.url),
    nodes: nodes.map((n) => n.url),
  };
}

function fromState(state: LocalClusterState): TargetCluster {
  return {
    name: state.name,
    target: "local",
    endpoints: localEndpoints(state),
    createdAt: state.createdAt,
    details: {
      storeDir: state.storeDir,
      stateFile: state.stateFile,
      nodes: state.nodes.map((n) => ({ index: n.index, role: n.role, url: n.url, pid: n.pid, readonly: n.readonly })),
    },
  };
}

/** Starts the cluster; local-dvid's launcher returns once every node answers its heartbeat. */
export async function localUp(opts: ResolvedUpOptions): Promise<TargetCluster & { stop(): Promise<void> }> {
  opts.onProgress({ kind: "phase", phase: "starting", message: `starting ${opts.nodes} local-dvid node(s) for "${opts.name}"` });
  try {
    const cluster = await startLocalCluster({
      name: opts.name,
      nodes: opts.nodes,
      stateDir: opts.local.stateDir,
      storeDir: opts.local.storeDir,
      readersReadonly: opts.local.readersReadonly,
      detached: opts.local.detached,
      startTimeoutMs: opts.healthTimeoutMs,
      signal: opts.signal,
    });
    return { ...fromState(cluster), stop: () => cluster.stop() };
  } catch (err) {
    throw mapLocalError(err, opts.name);
  }
}

export async function localFind(name: string, stateDir?: string): Promise<TargetCluster | undefined> {
  const state = await findLocalCluster(name, { stateDir });
  return state && fromState(state);
}

export async function localList(stateDir?: string): Promise<TargetCluster[]> {
  return (await listLocalClusters({ stateDir })).map(fromState);
}

/** Stops the named cluster from its state file; false when none is running. */
export async function localDown(name: string, stateDir?: string): Promise<boolean> {
  try {
    return await stopLocalCluster(name, { stateDir });
  } catch (err) {
    throw mapLocalError(err, name);
  }
}

function mapLocalError(err: unknown, name: string): unknown {
  if (isLocalDvidError(err, "CLUSTER_EXISTS")) {
    return new DvidcloudError("CLUSTER_EXISTS", `a local cluster named "${name}" is already running; stop it first (dvidcloud down ${name})`, { cause: err });
  }
  if (isLocalDvidError(err, "CLUSTER_START_FAILED")) {
    return new DvidcloudError("CLUSTER_START_FAILED", (err as Error).message, { cause: err });
  }
  if (isLocalDvidError(err, "INVALID_OPTION")) return new DvidcloudError("INVALID_OPTION", (err as Error).message, { cause: err });
  return err;
}
