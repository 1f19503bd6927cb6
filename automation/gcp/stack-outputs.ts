/**
 * Reads a cluster stack's outputs (written by infra/program.ts) back into endpoints. Pure.
 */
import type { automation } from "@pulumi/pulumi";

export interface GcpEndpoints {
  /** The one node that takes every metadata change and every write. */
  readonly writer: string;
  /** The read-only nodes; empty for a one-node cluster. */
  readonly readers: readonly string[];
  /** Every node, the writer first. */
  readonly nodes: readonly string[];
  /** The global load balancer's URL (reads; neuroglancer, the web console). */
  readonly loadBalancer: string;
}

/** Output values without Pulumi's `{ value, secret }` wrapping. */
export function plainOutputs(outputs: automation.OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}

/** Endpoints from the stack outputs; undefined when the stack has none yet (never deployed, destroyed). */
export function endpointsFromOutputs(outputs: Record<string, unknown>): GcpEndpoints | undefined {
  const { writerUrl, readerUrls, loadBalancerUrl } = outputs;
  if (typeof writerUrl !== "string" || typeof loadBalancerUrl !== "string") return undefined;
  const readers = Array.isArray(readerUrls) ? readerUrls.filter((url): url is string => typeof url === "string") : [];
  return { writer: writerUrl, readers, nodes: [writerUrl, ...readers], loadBalancer: loadBalancerUrl };
}
