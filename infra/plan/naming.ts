/**
 * Names of everything a cluster creates, derived from the cluster name alone so that a cluster
 * can be found again (by people in the console, by `gcloud`, by dvidcloud). Pure.
 *
 * Limits that shape them: GCE names are RFC 1035 labels of at most 63 characters; service
 * account ids are 6-30 characters; bucket names are global, hence the random suffix added by the
 * component (`bucketPrefix` + 8 hex digits).
 */

/** One writer (all metadata changes and writes) and read-only readers: dvid-deploy.md §4. */
export type NodeRole = "writer" | "reader";

export interface NodePlan {
  /** 0 for the writer, 1.. for readers. */
  index: number;
  role: NodeRole;
  /** VM name, also the Pulumi resource name and DVID's `[server] host`. */
  name: string;
}

export interface ClusterNames {
  bucketPrefix: string;
  /** The identity the writer's DVID uses for the bucket (through a JSON key): read and write. */
  dvidAccountId: string;
  /** The identity the writer VM runs as (reads the writer's key from Secret Manager, nothing else). */
  nodeAccountId: string;
  /** Secret Manager secret holding the writer's key. */
  keySecretId: string;
  /** The identity the readers' DVID uses for the bucket: read only. */
  readerDvidAccountId: string;
  /** The identity the reader VMs run as: reads the readers' key, lists the bucket (wait and watch). */
  readerNodeAccountId: string;
  /** Secret Manager secret holding the readers' key. */
  readerKeySecretId: string;
  networkTag: string;
  clientFirewall: string;
  loadBalancerFirewall: string;
  healthCheck: string;
  instanceGroup: string;
  backendService: string;
  securityPolicy: string;
  urlMap: string;
  httpProxy: string;
  address: string;
  forwardingRule: string;
  nodes: NodePlan[];
}

export function planNodes(name: string, count: number): NodePlan[] {
  return Array.from({ length: count }, (_, index) =>
    index === 0
      ? { index, role: "writer" as const, name: `${name}-writer` }
      : { index, role: "reader" as const, name: `${name}-reader-${index}` },
  );
}

export function clusterNames(name: string, nodes: number): ClusterNames {
  return {
    bucketPrefix: `${name}-dvid-`,
    dvidAccountId: `${name}-dvid`,
    nodeAccountId: `${name}-node`,
    keySecretId: `${name}-dvid-key`,
    readerDvidAccountId: `${name}-dvid-ro`,
    readerNodeAccountId: `${name}-node-ro`,
    readerKeySecretId: `${name}-dvid-ro-key`,
    networkTag: `${name}-dvid`,
    clientFirewall: `${name}-dvid-clients`,
    loadBalancerFirewall: `${name}-dvid-lb`,
    healthCheck: `${name}-heartbeat`,
    instanceGroup: `${name}-nodes`,
    backendService: `${name}-backend`,
    securityPolicy: `${name}-allow`,
    urlMap: `${name}-urls`,
    httpProxy: `${name}-proxy`,
    address: `${name}-address`,
    forwardingRule: `${name}-http`,
    nodes: planNodes(name, nodes),
  };
}

/** Labels on the bucket and the VMs, so `gcloud … --filter=labels.dvidcloud-cluster=NAME` finds them. */
export function clusterLabels(name: string, role?: NodeRole): Record<string, string> {
  return role === undefined
    ? { "dvidcloud-cluster": name }
    : { "dvidcloud-cluster": name, "dvidcloud-role": role };
}
