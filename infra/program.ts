/**
 * The Pulumi program shared by `pulumi up` (infra/main.ts) and the Automation API
 * (automation/gcp): one DvidCluster, its endpoints as stack outputs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DvidCluster } from "./components/dvid-cluster.js";
import type { ClusterSettings } from "./plan/cluster-settings.js";

/** Stack outputs, by name. automation/gcp reads them back after `up`. */
export interface DvidClusterStackOutputs {
  clusterName: string;
  loadBalancerUrl: pulumi.Output<string>;
  writerUrl: pulumi.Output<string>;
  readerUrls: pulumi.Output<string[]>;
  bucketName: pulumi.Output<string>;
  /** True when the stack created the bucket, false when the `bucket` key attached an existing one. */
  bucketCreated: boolean;
  /**
   * True when `pulumi destroy` leaves the bucket and its data in place: always, unless deleteData
   * was set (and recorded by an `up`) for a bucket the stack created.
   */
  bucketKept: boolean;
  /** The writer's DVID identity (read and write on the bucket). */
  serviceAccountEmail: pulumi.Output<string>;
  /** The readers' DVID identity (read only on the bucket); "" for a one-node cluster. */
  readerServiceAccountEmail: pulumi.Output<string>;
  nodeNames: string[];
  project: string;
  zone: string;
}

export function dvidClusterProgram(settings: ClusterSettings): DvidClusterStackOutputs {
  const { name, ...args } = settings;
  const cluster = new DvidCluster(name, args);
  return {
    clusterName: name,
    loadBalancerUrl: cluster.loadBalancerUrl,
    writerUrl: cluster.writerUrl,
    readerUrls: cluster.readerUrls,
    bucketName: cluster.bucketName,
    bucketCreated: cluster.bucketCreated,
    bucketKept: cluster.bucketKept,
    serviceAccountEmail: cluster.serviceAccountEmail,
    readerServiceAccountEmail: cluster.readerServiceAccountEmail,
    nodeNames: cluster.nodes.map((node) => node.name),
    project: settings.project,
    zone: settings.zone,
  };
}
