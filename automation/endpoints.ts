// Where a cluster answers. The same shape for both targets (ARCHITECTURE.md "One topology").

export interface ClusterEndpoints {
  /** The one node that takes every metadata change and every write. */
  readonly writer: string;
  /** The read-only nodes (DVID `rwmode = "readonly"`); empty for a one-node cluster. */
  readonly readers: readonly string[];
  /** Every node, the writer first. */
  readonly nodes: readonly string[];
  /** One load-balanced address over all nodes (gcp target only), for neuroglancer and the web console. */
  readonly loadBalancer?: string;
}
