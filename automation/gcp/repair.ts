import { DvidcloudError } from "../errors.js";
import { checkKeys } from "../option-checks.js";
import { COMMON_KEYS, resolveCommonOptions, type GcpCommonOptions } from "./options.js";
import { preflight } from "./preflight.js";
import { createEngineEventMapper } from "./progress.js";
import { toDvidcloudError } from "./pulumi-errors.js";
import { selectClusterStack } from "./stack-open.js";
import { stackNameFor } from "./stack-naming.js";
import { describeResource, pendingOperationsOf, withoutPendingOperations, type PendingOperation } from "./stack-state.js";

export interface GcpRepairResult {
  readonly name: string;
  /** Whether `pulumi cancel` stopped (or unlocked) an update; false when none was running. */
  readonly cancelled: boolean;
  /** The operations an interrupted run had left pending, now cleared from the state. */
  readonly cleared: readonly PendingOperation[];
}

/**
 * Makes a cluster's stack usable again after an interrupted run (a killed process, a second
 * Ctrl-C): `pulumi cancel` (unlocks an update whose process died; "no update in progress" is
 * fine), then clears the pending operations the state still records, which make every later
 * up and destroy fail: pending creates with `pulumi refresh --clear-pending-creates`, any others
 * by exporting the state and importing it without them. A pending create may have made a cloud
 * resource Pulumi no longer tracks: the progress log names each one to check in the console.
 */
export async function gcpRepair(name: string, options: GcpCommonOptions = {}): Promise<GcpRepairResult> {
  const where = "gcpRepair()";
  const { options: resolved, cli } = await preflight(
    where,
    options,
    () => {
      checkKeys(where, options ?? {}, COMMON_KEYS);
      stackNameFor(name, where);
      return resolveCommonOptions(where, options ?? {});
    },
    { passphrase: true, directories: true, stack: typeof name === "string" ? name : undefined },
  );
  const stackName = stackNameFor(name, where);
  const { onProgress, signal } = resolved;
  const events = createEngineEventMapper(onProgress);
  try {
    const stack = await selectClusterStack(stackName, resolved, cli);
    let cancelled = true;
    try {
      await stack.cancel();
    } catch {
      // "no stack update is in progress" (or a backend that cannot cancel): nothing to stop.
      cancelled = false;
    }
    if (signal?.aborted) throw new DvidcloudError("ABORTED", `${where}: aborted`, { cause: signal.reason });
    const pending = pendingOperationsOf(await stack.exportStack());
    const creates = pending.filter((p) => p.op === "creating");
    if (creates.length > 0) {
      await stack.refresh({ clearPendingCreates: true, onEvent: events.onEvent, signal, color: "never" });
    }
    const state = await stack.exportStack();
    if (pendingOperationsOf(state).length > 0) await stack.importStack(withoutPendingOperations(state));
    for (const p of creates) {
      onProgress({
        kind: "log",
        severity: "warning",
        message: `an interrupted run was creating ${describeResource(p)}; if Google Cloud has it, Pulumi no longer tracks it: delete it in the console or import it`,
      });
    }
    onProgress({
      kind: "phase",
      phase: "stopped",
      message: `stack ${stackName}: ${cancelled ? "update cancelled" : "no update was running"}; ${pending.length} pending operation(s) cleared`,
    });
    return { name: stackName, cancelled, cleared: pending };
  } catch (err) {
    throw toDvidcloudError(err, { operation: "repair", stack: stackName, backendUrl: resolved.backend.url, signal, diagnostics: events.errors() });
  }
}
