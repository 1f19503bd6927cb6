// What a target must do; `local-target.ts` and `gcp-target.ts` each provide one. The lifecycle
// resolves the options once and hands them to the driver; a driver checks what only it knows
// (a gcp cluster's name and settings) before it does any work.
import type { StartedCluster, TargetCluster } from "./cluster-types.js";
import type { ResolvedTargetOptions, ResolvedUpOptions } from "./options.js";

/** What a target's down did with the cluster's data. */
export interface DriverDownReport {
  /** Where the kept data is (a bucket name, a store directory); undefined when nothing was kept. */
  readonly keptData: string | undefined;
  readonly dataDeleted: boolean;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface TargetDriver {
  /** The target's cluster-name rule; throws INVALID_OPTION naming `where`. */
  checkName(name: unknown, where: string): string;
  /** Creates the cluster and returns once it is up (local: every node answers its heartbeat). */
  up(options: ResolvedUpOptions): Promise<StartedCluster>;
  /** Tears the named cluster down; false when there was none; what it kept, when the target says. */
  down(name: string, options: ResolvedTargetOptions): Promise<boolean | DriverDownReport>;
  /** gcp: clears what an interrupted run left (a lock, pending operations). */
  repair?(name: string, options: ResolvedTargetOptions): Promise<Readonly<Record<string, unknown>>>;
  /** The named cluster, or undefined. */
  find(name: string, options: ResolvedTargetOptions): Promise<TargetCluster | undefined>;
  list(options: ResolvedTargetOptions): Promise<TargetCluster[]>;
}
