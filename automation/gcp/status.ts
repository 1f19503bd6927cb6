import { automation } from "@pulumi/pulumi";
import { checkBoolean, checkKeys } from "../option-checks.js";
import { COMMON_KEYS, resolveCommonOptions, type GcpCommonOptions } from "./options.js";
import { preflight } from "./preflight.js";
import { createEngineEventMapper } from "./progress.js";
import { toDvidcloudError } from "./pulumi-errors.js";
import { selectClusterStack } from "./stack-open.js";
import { clusterNameOfStack, stackNameFor } from "./stack-naming.js";
import { endpointsFromOutputs, plainOutputs, type GcpEndpoints } from "./stack-outputs.js";
import { workspaceOptions } from "./workspace.js";

export interface GcpStatus {
  readonly name: string;
  /** Undefined when the stack exists but holds no deployed cluster (never deployed, or destroyed). */
  readonly endpoints: GcpEndpoints | undefined;
  readonly bucket: string | undefined;
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The stack's most recent operation. */
  readonly lastUpdate:
    | { readonly kind: string; readonly result: string; readonly startTime: string; readonly endTime: string }
    | undefined;
}

export interface GcpStatusOptions extends GcpCommonOptions {
  /**
   * Refresh the state against Google Cloud first (`pulumi refresh`), so VMs stopped, started or
   * deleted outside Pulumi show as they are (their addresses in the outputs too). Default false:
   * the state as the last operation left it. A refresh takes the stack's lock.
   */
  readonly refresh?: boolean;
}

export interface GcpListEntry {
  readonly name: string;
  /** ISO time of the last update, if any. */
  readonly lastUpdate: string | undefined;
  readonly updateInProgress: boolean;
  readonly resourceCount: number | undefined;
  /** Pulumi Cloud console URL of the stack (Pulumi Cloud backends only). */
  readonly url: string | undefined;
}

function isoTime(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

/** The cluster's endpoints and last operation, read from its stack. STACK_NOT_FOUND when missing. */
export async function gcpStatus(name: string, options: GcpStatusOptions = {}): Promise<GcpStatus> {
  const where = "gcpStatus()";
  const { options: resolved, cli } = await preflight(
    where,
    options,
    () => {
      checkKeys(where, options ?? {}, [...COMMON_KEYS, "refresh"]);
      stackNameFor(name, where);
      checkBoolean(options?.refresh, "refresh", false, where);
      return resolveCommonOptions(where, options ?? {});
    },
    // Reading outputs decrypts the stack's secrets, hence the passphrase.
    { passphrase: true, directories: true, stack: typeof name === "string" ? name : undefined },
  );
  const stackName = stackNameFor(name, where);
  const refresh = options?.refresh === true;
  const events = createEngineEventMapper(resolved.onProgress);
  try {
    const stack = await selectClusterStack(stackName, resolved, cli);
    if (refresh) await stack.refresh({ onEvent: events.onEvent, signal: resolved.signal, color: "never" });
    const outputs = plainOutputs(await stack.outputs());
    const info = await stack.info();
    return {
      name: stackName,
      endpoints: endpointsFromOutputs(outputs),
      bucket: typeof outputs.bucketName === "string" ? outputs.bucketName : undefined,
      outputs,
      lastUpdate:
        info === undefined
          ? undefined
          : { kind: info.kind, result: info.result, startTime: isoTime(info.startTime), endTime: isoTime(info.endTime) },
    };
  } catch (err) {
    throw toDvidcloudError(err, {
      operation: refresh ? "refresh" : "status",
      stack: stackName,
      backendUrl: resolved.backend.url,
      signal: resolved.signal,
      diagnostics: events.errors(),
    });
  }
}

/** Every gcp cluster (stack of the dvidcloud project) in the backend. */
export async function gcpList(options: GcpCommonOptions = {}): Promise<GcpListEntry[]> {
  const where = "gcpList()";
  const { options: resolved, cli } = await preflight(
    where,
    options,
    () => {
      checkKeys(where, options ?? {}, COMMON_KEYS);
      return resolveCommonOptions(where, options ?? {});
    },
    { passphrase: false, directories: true },
  );
  try {
    const workspace = await automation.LocalWorkspace.create(workspaceOptions({ ...resolved, cli }));
    const stacks = await workspace.listStacks();
    return stacks.map((summary) => ({
      name: clusterNameOfStack(summary.name),
      lastUpdate: summary.lastUpdate === undefined ? undefined : isoTime(summary.lastUpdate),
      updateInProgress: summary.updateInProgress === true,
      resourceCount: summary.resourceCount,
      url: summary.url,
    }));
  } catch (err) {
    throw toDvidcloudError(err, { operation: "list", backendUrl: resolved.backend.url, signal: resolved.signal });
  }
}
