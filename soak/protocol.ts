// The messages between the soak orchestrator (run.ts) and its client processes (client.ts), over
// the child-process IPC channel.

/** What one client owns: the y range of the shared volume (whole z and x), so that clients never
 * write each other's voxels although their ranges share blocks. */
export interface ClientSetup {
  readonly index: number;
  readonly seed: number;
  /** The node that takes this client's writes and metadata changes. */
  readonly writer: string;
  /** Every node (reads rotate over them). */
  readonly nodes: readonly string[];
  readonly root: string;
  readonly volume: string;
  readonly keyValue: string;
  /** Volume shape, ZYX. */
  readonly shapeZyx: readonly [number, number, number];
  readonly block: number;
  /** This client's voxels: y in [y0, y1). */
  readonly y0: number;
  readonly y1: number;
  /** A prefix for log entries and keys, unique per phase and client. */
  readonly tag: string;
}

export type ToClient =
  | { type: "setup"; setup: ClientSetup }
  /** Write and read at these open versions; `parents` maps each new version to its parent. */
  | { type: "epoch"; open: string[]; parents: Record<string, string> }
  /** Finish the operation in flight, then stop and answer "paused". */
  | { type: "pause" }
  /** Read every ledger entry back through each node and answer "verified". */
  | { type: "verify"; nodes: string[] }
  | { type: "exit" };

export interface ClientCounts {
  operations: number;
  alignedWrites: number;
  nonAlignedWrites: number;
  reads: number;
  keyValuePuts: number;
  logAppends: number;
  /** Operations that failed (expected while nodes are killed or paused). */
  errors: number;
  /** Voxels that read differently from every value the ledger allows, during the run. */
  wrongDuringRun: number;
}

export interface VerifyCounts {
  voxelsChecked: number;
  lostVoxels: number;
  wrongVoxels: number;
  logEntriesChecked: number;
  lostLogEntries: number;
  wrongLogEntries: number;
  /** Reads that failed during verification (no fault is injected then: must be 0). */
  verifyErrors: number;
  firstProblems: string[];
}

/** Counts before anything happened (a client's start, a phase's totals). */
export function zeroCounts(): ClientCounts {
  return { operations: 0, alignedWrites: 0, nonAlignedWrites: 0, reads: 0, keyValuePuts: 0, logAppends: 0, errors: 0, wrongDuringRun: 0 };
}

export function zeroVerifyCounts(firstProblems: string[] = []): VerifyCounts {
  return { voxelsChecked: 0, lostVoxels: 0, wrongVoxels: 0, logEntriesChecked: 0, lostLogEntries: 0, wrongLogEntries: 0, verifyErrors: 0, firstProblems };
}

export type FromClient =
  | { type: "ready" }
  | { type: "paused" }
  | { type: "verified"; counts: ClientCounts; verify: VerifyCounts }
  | { type: "failed"; message: string };
