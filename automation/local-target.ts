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
import { endpointsOf, type ClusterEndpoints, type StartedCluster, type TargetCluster } from "./cluster-types.js";
import { DvidcloudError } from "./errors.js";
import { checkLocalName, type ResolvedUpOptions } from "./options.js";
import type { TargetDriver } from "./target-driver.js";

export function localEndpoints(state: LocalClusterState): ClusterEndpoints {
  const nodes = [...state.nodes].sort((a, b) => a.index - b.index);
  const writer = nodes.find((n) => n.role === "writer");
  if (!writer) throw new DvidcloudError("CLUSTER_NOT_FOUND", `local cluster "${state.name}" has no writer in its state file ${state.stateFile}`);
  return endpointsOf(
    writer.url,
    nodes.filter((n) => n !== writer).map((n) => n.url),
  );
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
async function localUp(opts: ResolvedUpOptions): Promise<StartedCluster> {
  // A running cluster of that name is refused before anything is started or announced. The
  // launcher claims the name atomically all the same (two `up`s racing each other).
  if (await findLocalCluster(opts.name, { stateDir: opts.local.stateDir })) throw clusterExists(opts.name);
  opts.onProgress({ kind: "phase", phase: "starting", message: `starting ${opts.nodes} local-dvid node(s) for "${opts.name}"`, nodes: opts.nodes });
  try {
    const cluster = await startLocalCluster({
      name: opts.name,
      nodes: opts.nodes,
      stateDir: opts.local.stateDir,
      storeDir: opts.local.storeDir,
      readersReadonly: opts.local.readersReadonly,
      detached: opts.local.detached,
      auth: opts.local.auth,
      startTimeoutMs: opts.healthTimeoutMs,
      signal: opts.signal,
    });
    return { ...fromState(cluster), stop: () => cluster.stop(), ...(cluster.tokens ? { token: cluster.tokens.admin } : {}) };
  } catch (err) {
    throw toDvidcloudError(err, opts.name, opts.signal);
  }
}

function clusterExists(name: string, cause?: unknown): DvidcloudError {
  return new DvidcloudError("CLUSTER_EXISTS", `a local cluster named "${name}" is already running; stop it first (dvidcloud down ${name})`, { cause });
}

/** local-dvid's launcher errors as the automation codes; an aborted start is ABORTED whatever the launcher said. */
function toDvidcloudError(err: unknown, name: string, signal?: AbortSignal): unknown {
  if (signal?.aborted || isLocalDvidError(err, "ABORTED")) {
    return new DvidcloudError("ABORTED", `up(): the start of local cluster "${name}" was aborted; the nodes started so far were stopped`, { cause: err });
  }
  if (isLocalDvidError(err, "CLUSTER_EXISTS")) return clusterExists(name, err);
  if (isLocalDvidError(err, "CLUSTER_START_FAILED")) return new DvidcloudError("CLUSTER_START_FAILED", err.message, { cause: err });
  if (isLocalDvidError(err, "INVALID_OPTION")) return new DvidcloudError("INVALID_OPTION", err.message, { cause: err });
  return err;
}

export const localDriver: TargetDriver = {
  checkName: checkLocalName,
  up: localUp,

  /** Stops the named cluster from its state file; false when none is running. */
  async down(name, options) {
    try {
      return await stopLocalCluster(name, { stateDir: options.local.stateDir });
    } catch (err) {
      throw toDvidcloudError(err, name);
    }
  },

  async find(name, options) {
    const state = await findLocalCluster(name, { stateDir: options.local.stateDir });
    return state && fromState(state);
  },

  async list(options) {
    return (await listLocalClusters({ stateDir: options.local.stateDir })).map(fromState);
  },
};
