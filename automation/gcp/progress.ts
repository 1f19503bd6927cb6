/**
 * Progress of the gcp operations, derived from Pulumi's engine events. The "resource", "log" and
 * "phase" events have the shapes of the automation layer's progress events, so they can be
 * forwarded as they are.
 */
import type { automation } from "@pulumi/pulumi";

export type GcpPhase = "provisioning" | "stopping" | "stopped" | "ready";

export type GcpProgressEvent =
  /** A step of the operation began (before Pulumi's own events). */
  | { readonly kind: "phase"; readonly phase: GcpPhase; readonly message: string }
  /** A resource step: started (resourcePreEvent), done (resOutputsEvent) or failed (resOpFailedEvent). */
  | {
      readonly kind: "resource";
      readonly status: "started" | "done" | "failed";
      /** Pulumi's operation: create, update, delete, replace, … */
      readonly op: string;
      /** Pulumi type, e.g. gcp:compute/instance:Instance. */
      readonly type: string;
      readonly urn: string;
      /** Resource steps finished so far in this operation (done or failed). */
      readonly done: number;
      /** Resource steps started so far in this operation (the total is not known in advance). */
      readonly started: number;
    }
  /** A diagnostic from the engine or a provider (diagnosticEvent). */
  | {
      readonly kind: "log";
      readonly severity: "debug" | "info" | "warning" | "error";
      readonly message: string;
      readonly urn?: string;
    }
  /** The operation finished (summaryEvent). */
  | {
      readonly kind: "summary";
      /** Count of resources per operation, e.g. { create: 22 } or { same: 20, update: 2 }. */
      readonly resourceChanges: Readonly<Record<string, number>>;
      readonly durationSeconds: number;
    };

/** Steps that do no work; they are not reported (a no-op `up` would otherwise flood the bar). */
const QUIET_OPS = new Set(["same", "read"]);

function severityOf(severity: string): "debug" | "info" | "warning" | "error" {
  if (severity === "warning" || severity === "error" || severity === "debug") return severity;
  return "info"; // "info" and "info#err" (info written to stderr)
}

function resourceEvent(
  status: "started" | "done" | "failed",
  metadata: automation.StepEventMetadata,
  counts: { started: number; done: number },
): GcpProgressEvent {
  return {
    kind: "resource",
    status,
    op: metadata.op,
    type: metadata.type,
    urn: metadata.urn,
    done: counts.done,
    started: counts.started,
  };
}

/**
 * Returns an `onEvent` callback for `stack.up/destroy` that reports each engine event as at most
 * one GcpProgressEvent. Stateful only for the running counts. Also remembers error diagnostics,
 * which make failures' messages readable (`errors()`).
 */
export function createEngineEventMapper(onProgress: (event: GcpProgressEvent) => void): {
  onEvent: (event: automation.EngineEvent) => void;
  errors: () => string[];
} {
  const counts = { started: 0, done: 0 };
  const errorMessages: string[] = [];
  const emit = (event: GcpProgressEvent | undefined) => {
    if (event === undefined) return;
    try {
      onProgress(event);
    } catch {
      // A failing progress renderer must not fail the deployment.
    }
  };
  const onEvent = (event: automation.EngineEvent) => {
    if (event.resourcePreEvent) {
      const { metadata } = event.resourcePreEvent;
      if (QUIET_OPS.has(metadata.op) || event.resourcePreEvent.planning) return;
      counts.started += 1;
      emit(resourceEvent("started", metadata, counts));
    } else if (event.resOutputsEvent) {
      const { metadata } = event.resOutputsEvent;
      if (QUIET_OPS.has(metadata.op) || event.resOutputsEvent.planning) return;
      counts.done += 1;
      emit(resourceEvent("done", metadata, counts));
    } else if (event.resOpFailedEvent) {
      counts.done += 1;
      emit(resourceEvent("failed", event.resOpFailedEvent.metadata, counts));
    } else if (event.diagnosticEvent) {
      const { severity, message, urn } = event.diagnosticEvent;
      const text = message.trim();
      if (text === "") return;
      if (severity === "error") errorMessages.push(text);
      emit({ kind: "log", severity: severityOf(severity), message: text, ...(urn ? { urn } : {}) });
    } else if (event.summaryEvent) {
      emit({
        kind: "summary",
        resourceChanges: { ...event.summaryEvent.resourceChanges } as Record<string, number>,
        durationSeconds: event.summaryEvent.durationSeconds,
      });
    }
  };
  return { onEvent, errors: () => [...errorMessages] };
}
