import { automation } from "@pulumi/pulumi";
import { isInfraError, parseConfigValues, type ClusterInput, type ClusterSettings } from "../../infra/index.js";
import { DvidcloudError } from "../errors.js";
import { invalid } from "../option-checks.js";
import { checkImage } from "./image-check.js";
import { resolveGcpUpdateOptions, resolveGcpUpOptions, settingsOf, type GcpUpdateOptions, type GcpUpOptions } from "./options.js";
import { preflight } from "./preflight.js";
import { createEngineEventMapper, type GcpProgressEvent } from "./progress.js";
import { toDvidcloudError } from "./pulumi-errors.js";
import { quotaWarnings } from "./quota.js";
import { stackConfigFor } from "./stack-config.js";
import { PULUMI_PROJECT, stackNameFor } from "./stack-naming.js";
import { cloudResources } from "./stack-state.js";
import { summaryOf, type GcpOperationSummary } from "./operation-summary.js";
import { endpointsFromOutputs, plainOutputs, type GcpEndpoints } from "./stack-outputs.js";
import { inlineProgram, providerPluginVersions, workspaceOptions } from "./workspace.js";

export interface GcpUpResult {
  readonly name: string;
  readonly endpoints: GcpEndpoints;
  /** The Cloud Storage bucket DVID stores everything in. */
  readonly bucket: string;
  /** Every stack output (infra/program.ts), unwrapped. */
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly summary: GcpOperationSummary;
  /** True when the cluster held resources before this call (an update): a failed wait afterwards must not destroy it. */
  readonly existed: boolean;
  /** The settings deployed (for an update: the stack's config with the given settings changed). */
  readonly settings: ClusterSettings;
}

/**
 * Creates the cluster's stack and deploys it (`pulumi up` with the inline program). A cluster of
 * that name that already holds resources is refused with CLUSTER_EXISTS, unless `update: true`
 * (see `gcpUpdate()`). Returns when Pulumi is done; the load balancer may need several more
 * minutes before it serves (the lifecycle's health wait covers it).
 */
export function gcpUp(options: GcpUpOptions): Promise<GcpUpResult> {
  if (options !== null && typeof options === "object" && options.update === true) {
    const { update: _update, ...rest } = options;
    return deploy(rest, true, "gcpUp()");
  }
  return deploy(options, false, "gcpUp()");
}

/**
 * Updates an existing cluster: only the settings given change; every other one keeps the value
 * in the stack's config. Refreshes the state first (unless `refresh: false`), so VMs stopped,
 * started or deleted outside Pulumi are seen. STACK_NOT_FOUND when there is no such cluster.
 * What each change does to running VMs: infra/README.md "What a config change does".
 */
export function gcpUpdate(options: GcpUpdateOptions): Promise<GcpUpResult> {
  return deploy(options, true, "gcpUpdate()");
}

/** The stack config (keys without the namespace) as cluster input. */
function inputOfConfig(config: automation.ConfigMap, where: string): ClusterInput {
  const raw: Record<string, string> = {};
  const prefix = `${PULUMI_PROJECT}:`;
  for (const [key, { value }] of Object.entries(config)) if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  try {
    return parseConfigValues(raw);
  } catch (err) {
    if (isInfraError(err)) throw invalid(`${where}: the stack's config: ${err.message}`, err);
    throw err;
  }
}

/** The given settings over the stack's: a new region without a zone drops the old zone (it derives from the region). */
function mergedSettings(current: ClusterInput, given: ClusterInput, name: string, where: string): ClusterSettings {
  const merged: ClusterInput = { ...current, ...given, name };
  if (given.region !== undefined && given.zone === undefined) delete merged.zone;
  return settingsOf(merged, where);
}

function emitSafely(onProgress: (event: GcpProgressEvent) => void, event: GcpProgressEvent): void {
  try {
    onProgress(event);
  } catch {
    // A failing progress renderer must not fail the deployment.
  }
}

/** The stack name the options ask for, if it is a string (checked properly later). */
function stackOf(options: unknown): string | undefined {
  const name = options !== null && typeof options === "object" ? (options as { name?: unknown }).name : undefined;
  return typeof name === "string" ? name : undefined;
}

async function deploy(options: GcpUpOptions | GcpUpdateOptions, update: boolean, where: string): Promise<GcpUpResult> {
  const { options: resolved, cli } = await preflight(
    where,
    options,
    () => (update ? resolveGcpUpdateOptions(options as GcpUpdateOptions, where) : resolveGcpUpOptions(options as GcpUpOptions, where)),
    { passphrase: true, directories: true, stack: stackOf(options) },
  );
  const { signal, onProgress } = resolved;
  const stackName = stackNameFor(resolved.update ? resolved.name : resolved.settings.name, where);
  const events = createEngineEventMapper(onProgress);
  const context = () => ({ operation: "up" as const, stack: stackName, backendUrl: resolved.backend.url, signal, diagnostics: events.errors() });
  try {
    const workspace = workspaceOptions({ ...resolved, cli });
    const project = { stackName, projectName: PULUMI_PROJECT, program: inlineProgram };
    let stack: automation.Stack;
    let existed = false;
    try {
      stack = await automation.LocalWorkspace.selectStack(project, workspace);
      existed = cloudResources(await stack.exportStack()).length > 0;
    } catch (err) {
      if (update || !(err instanceof automation.StackNotFoundError)) throw err;
      stack = await automation.LocalWorkspace.createStack(project, workspace);
    }
    if (existed && !update) {
      throw new DvidcloudError(
        "CLUSTER_EXISTS",
        `${where}: a gcp cluster named "${stackName}" already exists (its stack holds resources); update it with update: true ` +
          `(dvidcloud update ${stackName} --target gcp …), which changes only the settings given, or tear it down first (dvidcloud down ${stackName} --target gcp)`,
      );
    }
    const settings = resolved.update
      ? mergedSettings(inputOfConfig(await stack.getAllConfig(), where), resolved.given, stackName, where)
      : resolved.settings;
    for (const warning of quotaWarnings(settings)) emitSafely(onProgress, { kind: "log", severity: "warning", message: warning });
    const image = await checkImage(settings.image, { env: resolved.env, ...(signal ? { signal } : {}) });
    emitSafely(onProgress, { kind: "log", severity: image.outcome === "found" ? "info" : "warning", message: image.message });
    for (const plugin of await providerPluginVersions()) {
      await stack.workspace.installPlugin(plugin.name, plugin.version);
    }
    await stack.setAllConfig(stackConfigFor(settings));
    onProgress({
      kind: "phase",
      phase: "provisioning",
      message: `pulumi up${resolved.refresh ? " --refresh" : ""}: ${existed ? "updating" : "creating"} cluster ${stackName} (${settings.nodes} nodes) in ${settings.project}/${settings.zone}`,
    });
    const result = await stack.up({ refresh: resolved.refresh, onEvent: events.onEvent, signal, color: "never" });
    const outputs = plainOutputs(result.outputs);
    const endpoints = endpointsFromOutputs(outputs);
    if (endpoints === undefined) {
      throw new Error(`stack ${stackName} finished without writerUrl/loadBalancerUrl outputs`);
    }
    onProgress({ kind: "phase", phase: "ready", message: `cluster ${stackName} deployed; writer ${endpoints.writer}` });
    return {
      name: stackName,
      endpoints,
      bucket: String(outputs.bucketName ?? ""),
      outputs,
      summary: summaryOf(result.summary),
      existed,
      settings,
    };
  } catch (err) {
    throw toDvidcloudError(err, context());
  }
}
