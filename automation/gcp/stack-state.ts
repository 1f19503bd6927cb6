/**
 * Reading a cluster stack's exported state (`pulumi stack export`): what resources it still
 * holds, where its bucket is, which operations an interrupted run left pending. Pure.
 */
import type { automation } from "@pulumi/pulumi";

export interface StateResource {
  readonly urn: string;
  readonly type: string;
}

export interface PendingOperation {
  readonly urn: string;
  readonly type: string;
  /** creating, updating, deleting, reading, … */
  readonly op: string;
}

const BUCKET_TYPE = "gcp:storage/bucket:Bucket";

function resourcesOf(state: automation.Deployment | undefined): StateResource[] {
  const resources = (state?.deployment as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources)) return [];
  return resources
    .filter((r): r is { urn: string; type: string } => r !== null && typeof r === "object" && typeof r.urn === "string" && typeof r.type === "string")
    .map((r) => ({ urn: r.urn, type: r.type }));
}

/** The cloud resources of the state: every resource but the stack itself and the providers. */
export function cloudResources(state: automation.Deployment | undefined): StateResource[] {
  return resourcesOf(state).filter((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"));
}

/** The created bucket's URN; undefined when the state holds none (attached, or never created). */
export function bucketUrnOf(state: automation.Deployment | undefined): string | undefined {
  return resourcesOf(state).find((r) => r.type === BUCKET_TYPE)?.urn;
}

export function pendingOperationsOf(state: automation.Deployment | undefined): PendingOperation[] {
  const pending = (state?.deployment as { pending_operations?: unknown } | undefined)?.pending_operations;
  if (!Array.isArray(pending)) return [];
  return pending.map((p: { resource?: { urn?: unknown; type?: unknown }; type?: unknown }) => ({
    urn: String(p?.resource?.urn ?? ""),
    type: String(p?.resource?.type ?? ""),
    op: String(p?.type ?? ""),
  }));
}

/** The same state without its pending operations (what `pulumi stack import` then records). */
export function withoutPendingOperations(state: automation.Deployment): automation.Deployment {
  const { pending_operations: _dropped, ...rest } = state.deployment as Record<string, unknown>;
  return { ...state, deployment: rest };
}

/** `urn:pulumi:stack::project::type::name` → "type name", for messages. */
export function describeResource(r: StateResource): string {
  return `${r.type} ${r.urn.split("::").at(-1) ?? r.urn}`;
}
