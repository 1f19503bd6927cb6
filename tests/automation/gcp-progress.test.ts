import { describe, expect, it } from "@jest/globals";
import type { automation } from "@pulumi/pulumi";
import { createEngineEventMapper, type GcpProgressEvent } from "../../automation/gcp/index.js";

const STACK_URN = "urn:pulumi:demo::dvidcloud::pulumi:pulumi:Stack::dvidcloud-demo";
const BUCKET_URN = "urn:pulumi:demo::dvidcloud::dvidcloud:gcp:DvidCluster$dvidcloud:gcp:DvidBucket$gcp:storage/bucket:Bucket::demo-storage-bucket";
const VM_URN = "urn:pulumi:demo::dvidcloud::dvidcloud:gcp:DvidCluster$gcp:compute/instance:Instance::demo-writer";

function step(op: string, urn: string, type: string): automation.StepEventMetadata {
  return { op: op as automation.StepEventMetadata["op"], urn, type, provider: "urn:pulumi:demo::dvidcloud::pulumi:providers:gcp::default_9_37_0::id" };
}

/** Engine events as `pulumi up --event-log` writes them (one JSON object per line), trimmed. */
const RECORDED_UP: automation.EngineEvent[] = [
  { sequence: 0, timestamp: 1, preludeEvent: { config: { "dvidcloud:nodes": "1" } } },
  { sequence: 1, timestamp: 1, resourcePreEvent: { metadata: step("same", STACK_URN, "pulumi:pulumi:Stack") } },
  { sequence: 2, timestamp: 2, resourcePreEvent: { metadata: step("create", BUCKET_URN, "gcp:storage/bucket:Bucket") } },
  { sequence: 3, timestamp: 3, diagnosticEvent: { message: "  creating bucket\n", color: "never", severity: "info#err", urn: BUCKET_URN } },
  { sequence: 4, timestamp: 4, resOutputsEvent: { metadata: step("create", BUCKET_URN, "gcp:storage/bucket:Bucket") } },
  { sequence: 5, timestamp: 5, resourcePreEvent: { metadata: step("create", VM_URN, "gcp:compute/instance:Instance") } },
  {
    sequence: 6,
    timestamp: 6,
    diagnosticEvent: { message: "error: googleapi: Error 403: Compute Engine API has not been used in project my-project\n", color: "never", severity: "error", urn: VM_URN },
  },
  { sequence: 7, timestamp: 7, resOpFailedEvent: { metadata: step("create", VM_URN, "gcp:compute/instance:Instance"), status: 1, steps: 1 } },
  { sequence: 8, timestamp: 8, diagnosticEvent: { message: "warning: a warning\n", color: "never", severity: "warning" } },
  { sequence: 9, timestamp: 9, resOutputsEvent: { metadata: step("same", STACK_URN, "pulumi:pulumi:Stack") } },
  {
    sequence: 10,
    timestamp: 10,
    summaryEvent: { maybeCorrupt: false, durationSeconds: 42, resourceChanges: { create: 1, same: 1 }, policyPacks: {} },
  },
  { sequence: 11, timestamp: 11, cancelEvent: {} },
];

function replay(events: automation.EngineEvent[]) {
  const seen: GcpProgressEvent[] = [];
  const mapper = createEngineEventMapper((event) => seen.push(event));
  for (const event of events) mapper.onEvent(event);
  return { seen, errors: mapper.errors() };
}

describe("engine events to progress", () => {
  it("reports resource steps as started, done and failed with running counts, skipping no-op steps", () => {
    const { seen } = replay(RECORDED_UP);
    expect(seen.filter((e) => e.kind === "resource")).toEqual([
      { kind: "resource", status: "started", op: "create", type: "gcp:storage/bucket:Bucket", urn: BUCKET_URN, started: 1, done: 0 },
      { kind: "resource", status: "done", op: "create", type: "gcp:storage/bucket:Bucket", urn: BUCKET_URN, started: 1, done: 1 },
      { kind: "resource", status: "started", op: "create", type: "gcp:compute/instance:Instance", urn: VM_URN, started: 2, done: 1 },
      { kind: "resource", status: "failed", op: "create", type: "gcp:compute/instance:Instance", urn: VM_URN, started: 2, done: 2 },
    ]);
  });

  it("reports diagnostics as log lines with the automation layer's severities", () => {
    const { seen } = replay(RECORDED_UP);
    expect(seen.filter((e) => e.kind === "log")).toEqual([
      { kind: "log", severity: "info", message: "creating bucket", urn: BUCKET_URN },
      { kind: "log", severity: "error", message: "error: googleapi: Error 403: Compute Engine API has not been used in project my-project", urn: VM_URN },
      { kind: "log", severity: "warning", message: "warning: a warning" },
    ]);
  });

  it("reports the summary with the resource changes and the duration", () => {
    const { seen } = replay(RECORDED_UP);
    expect(seen.filter((e) => e.kind === "summary")).toEqual([
      { kind: "summary", resourceChanges: { create: 1, same: 1 }, durationSeconds: 42 },
    ]);
    expect(seen).toHaveLength(8);
  });

  it("remembers error diagnostics for the failure message", () => {
    expect(replay(RECORDED_UP).errors).toEqual([
      "error: googleapi: Error 403: Compute Engine API has not been used in project my-project",
    ]);
  });

  it("ignores preview-phase (planning) steps and keeps going when the progress callback throws", () => {
    const seen: GcpProgressEvent[] = [];
    const mapper = createEngineEventMapper((event) => {
      seen.push(event);
      throw new Error("renderer broke");
    });
    mapper.onEvent({ sequence: 0, timestamp: 0, resourcePreEvent: { metadata: step("create", VM_URN, "gcp:compute/instance:Instance"), planning: true } });
    mapper.onEvent({ sequence: 1, timestamp: 1, resourcePreEvent: { metadata: step("delete", VM_URN, "gcp:compute/instance:Instance") } });
    mapper.onEvent({ sequence: 2, timestamp: 2, resOutputsEvent: { metadata: step("delete", VM_URN, "gcp:compute/instance:Instance") } });
    expect(seen.map((e) => (e.kind === "resource" ? `${e.status}:${e.op}` : e.kind))).toEqual(["started:delete", "done:delete"]);
  });
});

describe("operation summary", () => {
  it("reports the result, the resource changes and the duration of an update", async () => {
    const { summaryOf } = await import("../../automation/gcp/index.js");
    const summary = {
      kind: "update",
      startTime: new Date("2026-11-24T10:00:00Z"),
      endTime: new Date("2026-11-24T10:06:15Z"),
      message: "",
      environment: {},
      config: {},
      result: "succeeded",
      version: 3,
      resourceChanges: { create: 2, same: 23 },
    } as automation.UpdateSummary;
    expect(summaryOf(summary)).toEqual({ result: "succeeded", resourceChanges: { create: 2, same: 23 }, durationSeconds: 375 });
    expect(summaryOf(undefined)).toEqual({ result: "unknown", resourceChanges: {}, durationSeconds: 0 });
  });
});
