// Errors of the automation layer (both targets): one base class with a stable `code`, the
// `cause` kept (Pulumi's and local-dvid's own errors ride along unchanged), and a guard.
// Never match on message text.

export type DvidcloudErrorCode =
  // options and names
  | "INVALID_OPTION" // an option out of range, of the wrong type, or unknown
  | "UNKNOWN_TARGET" // target other than "local" or "gcp"
  // lifecycle
  | "CLUSTER_NOT_FOUND" // no running cluster of that name on that target
  | "CLUSTER_EXISTS" // up: a cluster of that name is already running
  | "CLUSTER_RUNNING" // purge: the cluster whose store would be deleted is running
  | "CLUSTER_START_FAILED" // a node did not come up
  | "HEALTH_TIMEOUT" // not every node answered GET /api/heartbeat in time
  | "ABORTED" // the caller's AbortSignal fired
  | "DEMO_CHECK_FAILED" // the main job read back something other than what it wrote
  | "VIEW_FAILED" // view: the cluster's DVID refused what the links need, or the local console port is taken
  | "TEARDOWN_FAILED" // withCluster: fn returned, but tearing the cluster down failed (fn's value is the error's `result`)
  | "REFRESH_FAILED" // refreshReaders: the refresh object could not be written to the bucket
  // gcp target (Pulumi)
  | "PULUMI_CLI_MISSING" // the `pulumi` CLI is not on PATH
  | "PULUMI_PASSPHRASE_MISSING" // local file backend without PULUMI_CONFIG_PASSPHRASE(_FILE)
  | "STACK_LOCKED" // another update holds the stack (Pulumi ConcurrentUpdateError)
  | "STACK_NOT_FOUND" // no stack for that cluster name (Pulumi StackNotFoundError)
  | "PULUMI_FAILED"; // any other failure of a Pulumi operation

export class DvidcloudError extends Error {
  readonly code: DvidcloudErrorCode;
  constructor(code: DvidcloudErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DvidcloudError";
    this.code = code;
  }
}

export function isDvidcloudError(err: unknown, code?: DvidcloudErrorCode): err is DvidcloudError {
  return err instanceof DvidcloudError && (code === undefined || err.code === code);
}
