// Progress events of the lifecycle calls, one union for both targets, so a CLI or a notebook
// renders them without knowing where the cluster runs.

export type ProgressEvent =
  /** A step of the lifecycle began. */
  | {
      readonly kind: "phase";
      readonly phase: Phase;
      readonly message: string;
      /** How many nodes the step concerns (local "starting", "waiting-for-health"), for a progress bar. */
      readonly nodes?: number;
    }
  /** One node answered (or not) its health probe. */
  | { readonly kind: "health"; readonly url: string; readonly healthy: boolean; readonly healthyNodes: number; readonly totalNodes: number }
  /** A cloud resource step (gcp target; from Pulumi's engine events). */
  | {
      readonly kind: "resource";
      readonly status: "started" | "done" | "failed";
      readonly op: string;
      readonly type: string;
      readonly urn: string;
      readonly done: number;
      readonly total?: number;
    }
  /** A diagnostic line from the provisioning engine. */
  | { readonly kind: "log"; readonly severity: "debug" | "info" | "warning" | "error"; readonly message: string };

export type Phase = "starting" | "provisioning" | "waiting-for-health" | "ready" | "stopping" | "stopped";
