// Types shared by the targets, the lifecycle and the cluster handle: where a cluster runs, where
// it answers, and how a target reports it. Neutral: no target's code lives here.

export type Target = "local" | "gcp";
export const TARGETS: readonly Target[] = ["local", "gcp"];

/** Where a cluster answers. The same shape for both targets (ARCHITECTURE.md "One topology"). */
export interface ClusterEndpoints {
  /** The one node that takes every metadata change and every write. */
  readonly writer: string;
  /** The read-only nodes (DVID `rwmode = "readonly"`), never the writer; empty for a one-node cluster. */
  readonly readers: readonly string[];
  /** Every node: the writer first, then the readers. */
  readonly nodes: readonly string[];
  /** One load-balanced address over all nodes (gcp target only), for neuroglancer and the web console. */
  readonly loadBalancer?: string;
}

/** A cluster as a target reports it. */
export interface TargetCluster {
  readonly name: string;
  readonly target: Target;
  readonly endpoints: ClusterEndpoints;
  /** When it was started (ISO 8601), if the target knows. */
  readonly createdAt?: string;
  /** Target-specific facts: pids, ports and store directory (local); stack outputs (gcp). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** A cluster a target has just started, with the way to stop it. */
export interface StartedCluster extends TargetCluster {
  stop(): Promise<void>;
  /** The token the cluster's client sends (local `auth: true`: the admin one); never printed. */
  readonly token?: string;
  /** True when the cluster was there before the call (a gcp update): a failed health wait must not tear it down. */
  readonly existed?: boolean;
  /**
   * Tears down a cluster this call created that never became healthy, with the data this call
   * created (gcp: the bucket, unless it was attached); resolves to what it removed, for the
   * progress log. Absent: `stop()` is used.
   */
  discard?(): Promise<string>;
  /** A load balancer not yet seen serving; handed out in `endpoints` after a health wait saw it (gcp). */
  readonly pendingLoadBalancer?: string;
  /** How every reader is made to load the current metadata (gcp); absent when readers always see it. */
  readonly refreshReaders?: (signal?: AbortSignal) => Promise<RefreshReadersReport>;
}

/** What `Cluster.refreshReaders()` did. */
export interface RefreshReadersReport {
  /** True when readers restart to reload metadata (gcp); false when they always see it (local). */
  readonly restarting: boolean;
  /** Every reader knows the current metadata at most this long after the call (plus DVID's start), in s. */
  readonly maxDelaySeconds: number;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Endpoints from a writer and a list that may repeat it: `readers` never holds the writer. */
export function endpointsOf(writer: string, readers: readonly string[], loadBalancer?: string): ClusterEndpoints {
  const others = [...new Set(readers.filter((url) => url !== writer))];
  return { writer, readers: others, nodes: [writer, ...others], ...(loadBalancer === undefined ? {} : { loadBalancer }) };
}
