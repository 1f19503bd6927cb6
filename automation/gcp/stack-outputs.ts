/**
 * Reads a cluster stack's outputs (written by infra/program.ts) back into endpoints. Pure.
 */
import type { automation } from "@pulumi/pulumi";
import { endpointsOf, type ClusterEndpoints } from "../cluster-types.js";

/** A gcp cluster's endpoints: always with the global load balancer's URL (reads; neuroglancer, the web console). */
export interface GcpEndpoints extends ClusterEndpoints {
  readonly loadBalancer: string;
}

/** Output values without Pulumi's `{ value, secret }` wrapping. */
export function plainOutputs(outputs: automation.OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}

/**
 * Endpoints from the stack outputs; undefined when the stack has none yet (never deployed,
 * destroyed). `readers` never holds the writer, even if an output listed it among the readers.
 */
export function endpointsFromOutputs(outputs: Record<string, unknown>): GcpEndpoints | undefined {
  const { writerUrl, readerUrls, loadBalancerUrl } = outputs;
  if (typeof writerUrl !== "string" || typeof loadBalancerUrl !== "string") return undefined;
  const readers = Array.isArray(readerUrls) ? readerUrls.filter((url): url is string => typeof url === "string") : [];
  return endpointsOf(writerUrl, readers, loadBalancerUrl) as GcpEndpoints;
}
