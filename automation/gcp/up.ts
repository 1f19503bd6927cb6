import { automation } from "@pulumi/pulumi";
import { resolveGcpUpOptions, type GcpUpOptions } from "./options.js";
import { preflight } from "./preflight.js";
import { createEngineEventMapper } from "./progress.js";
import { toDvidcloudError } from "./pulumi-errors.js";
import { stackConfigFor } from "./stack-config.js";
import { PULUMI_PROJECT, stackNameFor } from "./stack-naming.js";
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
}

/**
 * Creates or updates the cluster's stack and deploys it (`pulumi up` with the inline program).
 * Returns when Pulumi is done; the load balancer may need several more minutes before it serves
 * (wait on the endpoints' /api/heartbeat with a budget of about 10 minutes).
 */
export async function gcpUp(options: GcpUpOptions): Promise<GcpUpResult> {
  const { options: resolved, cli } = await preflight("gcpUp()", options, () => resolveGcpUpOptions(options), {
    passphrase: true,
    directories: true,
  });
  const { settings, signal, onProgress } = resolved;
  const stackName = stackNameFor(settings.name, "gcpUp()");
  const events = createEngineEventMapper(onProgress);
  const context = { operation: "up" as const, stack: stackName, backendUrl: resolved.backend.url, signal };
  try {
    const workspace = workspaceOptions({ ...resolved, cli });
    const stack = await automation.LocalWorkspace.createOrSelectStack(
      { stackName, projectName: PULUMI_PROJECT, program: inlineProgram },
      workspace,
    );
    for (const plugin of await providerPluginVersions()) {
      await stack.workspace.installPlugin(plugin.name, plugin.version);
    }
    await stack.setAllConfig(stackConfigFor(settings));
    onProgress({ kind: "phase", phase: "provisioning", message: `pulumi up: cluster ${stackName} (${settings.nodes} nodes) in ${settings.project}/${settings.zone}` });
    const result = await stack.up({ onEvent: events.onEvent, signal, color: "never" });
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
    };
  } catch (err) {
    throw toDvidcloudError(err, { ...context, diagnostics: events.errors() });
  }
}
