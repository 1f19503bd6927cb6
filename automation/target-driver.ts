// What a target must do; `local-target.ts` and `gcp-target.ts` each provide one.
import type { TargetCluster } from "./local-target.js";
import type { ResolvedUpOptions } from "./options.js";
import type { ProgressEvent } from "./progress.js";

export interface DriverCallOptions {
  readonly local?: { readonly stateDir?: string };
  readonly gcp?: Readonly<Record<string, unknown>>;
  readonly onProgress: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
}

export interface TargetDriver {
  /** Creates the cluster and returns once it is up (local: every node answers its heartbeat). */
  up(options: ResolvedUpOptions): Promise<TargetCluster & { stop(): Promise<void> }>;
  /** Tears the named cluster down; false when there was none. */
  down(name: string, options: DriverCallOptions): Promise<boolean>;
  /** The named cluster, or undefined. */
  find(name: string, options: DriverCallOptions): Promise<TargetCluster | undefined>;
  list(options: DriverCallOptions): Promise<TargetCluster[]>;
}
