// The exit codes of the `dvidcloud` command, stable for scripts (README "The dvidcloud CLI").
import type { DvidcloudErrorCode } from "./errors.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, prerequisite: 4, unhealthy: 5, interrupted: 130 } as const;

/** The exit code of each error code; every code not listed exits with EXIT.failed. */
export const EXIT_OF_CODE: Partial<Record<DvidcloudErrorCode, number>> = {
  INVALID_OPTION: EXIT.usage,
  UNKNOWN_TARGET: EXIT.usage,
  CLUSTER_NOT_FOUND: EXIT.notFound,
  STACK_NOT_FOUND: EXIT.notFound,
  PULUMI_CLI_MISSING: EXIT.prerequisite,
  PULUMI_PASSPHRASE_MISSING: EXIT.prerequisite,
  ABORTED: EXIT.interrupted,
  // CLUSTER_EXISTS, CLUSTER_RUNNING, CLUSTER_START_FAILED, HEALTH_TIMEOUT, PULUMI_FAILED, …: EXIT.failed
};
