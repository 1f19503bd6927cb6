/**
 * What a finished Pulumi operation (up, destroy) did, as `gcpUp()` and `gcpDown()` report it. Pure.
 */
import type { automation } from "@pulumi/pulumi";

export interface GcpOperationSummary {
  /** Pulumi's result of the update: "succeeded" ("unknown" when the backend keeps no history; a failed update rejects instead). */
  readonly result: string;
  /** Resources per operation, e.g. { create: 22 } for a new 3-node cluster. */
  readonly resourceChanges: Readonly<Record<string, number>>;
  readonly durationSeconds: number;
}

export function summaryOf(summary: automation.UpdateSummary | undefined): GcpOperationSummary {
  // `stack history` can come back empty (a backend that keeps no history): report what is known.
  if (summary === undefined) return { result: "unknown", resourceChanges: {}, durationSeconds: 0 };
  const start = new Date(summary.startTime).getTime();
  const end = new Date(summary.endTime).getTime();
  return {
    result: summary.result,
    resourceChanges: { ...(summary.resourceChanges ?? {}) } as Record<string, number>,
    durationSeconds: Number.isFinite(end - start) ? Math.max(0, (end - start) / 1000) : 0,
  };
}
