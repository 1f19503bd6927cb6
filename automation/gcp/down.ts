import { automation } from "@pulumi/pulumi";
import { checkKeys } from "../option-checks.js";
import { COMMON_KEYS, resolveCommonOptions, type GcpCommonOptions } from "./options.js";
import { preflight } from "./preflight.js";
import { createEngineEventMapper } from "./progress.js";
import { toDvidcloudError } from "./pulumi-errors.js";
import { PULUMI_PROJECT, stackNameFor } from "./stack-naming.js";
import { summaryOf, type GcpOperationSummary } from "./operation-summary.js";
import { inlineProgram, workspaceOptions } from "./workspace.js";

export interface GcpDownOptions extends GcpCommonOptions {
  /** Keep the (then empty) stack and its config after destroying the resources. Default false. */
  readonly keepStack?: boolean;
}

export interface GcpDownResult {
  readonly name: string;
  readonly summary: GcpOperationSummary;
  /** Whether the stack itself was removed from the backend. */
  readonly stackRemoved: boolean;
}

/**
 * Destroys every resource of the cluster (`pulumi destroy`), then removes its stack. The bucket
 * and the data in it are kept (Pulumi forgets it) unless the cluster was created with
 * `deleteData: true`; an attached `bucket` is never deleted (infra/README.md). A missing cluster
 * rejects with STACK_NOT_FOUND.
 */
export async function gcpDown(name: string, options: GcpDownOptions = {}): Promise<GcpDownResult> {
  const where = "gcpDown()";
  const { options: resolved, cli } = await preflight(
    where,
    options,
    () => {
      checkKeys(where, options ?? {}, [...COMMON_KEYS, "keepStack"]);
      const common = resolveCommonOptions(where, options ?? {});
      stackNameFor(name, where);
      return common;
    },
    { passphrase: true, directories: true },
  );
  const stackName = stackNameFor(name, where);
  const events = createEngineEventMapper(resolved.onProgress);
  const context = { operation: "destroy" as const, stack: stackName, backendUrl: resolved.backend.url, signal: resolved.signal };
  try {
    const stack = await automation.LocalWorkspace.selectStack(
      { stackName, projectName: PULUMI_PROJECT, program: inlineProgram },
      workspaceOptions({ ...resolved, cli }),
    );
    resolved.onProgress({ kind: "phase", phase: "stopping", message: `pulumi destroy: cluster ${stackName}` });
    const result = await stack.destroy({ onEvent: events.onEvent, signal: resolved.signal, color: "never" });
    const keep = options?.keepStack === true;
    if (!keep) await stack.workspace.removeStack(stackName);
    resolved.onProgress({ kind: "phase", phase: "stopped", message: `cluster ${stackName} destroyed` });
    return { name: stackName, summary: summaryOf(result.summary), stackRemoved: !keep };
  } catch (err) {
    throw toDvidcloudError(err, { ...context, diagnostics: events.errors() });
  }
}
