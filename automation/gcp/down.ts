import { checkBoolean, checkKeys, describe as describeValue, invalid } from "../option-checks.js";
import { DvidcloudError } from "../errors.js";
import { COMMON_KEYS, resolveCommonOptions, type GcpCommonOptions } from "./options.js";
import { preflight } from "./preflight.js";
import { createEngineEventMapper } from "./progress.js";
import { toDvidcloudError } from "./pulumi-errors.js";
import { selectClusterStack } from "./stack-open.js";
import { PULUMI_PROJECT, stackNameFor } from "./stack-naming.js";
import { bucketUrnOf, cloudResources, describeResource } from "./stack-state.js";
import { summaryOf, type GcpOperationSummary } from "./operation-summary.js";
import { plainOutputs } from "./stack-outputs.js";

export interface GcpDownOptions extends GcpCommonOptions {
  /** Keep the (then empty) stack and its config after destroying the resources. Default false. */
  readonly keepStack?: boolean;
  /**
   * Delete the bucket the cluster created, with everything DVID stored in it, whatever the
   * stack's earlier config said. Default false: the bucket and its data are kept. Refused for an
   * attached bucket (config `bucket`), which a cluster never deletes.
   */
  readonly deleteData?: boolean;
  /**
   * Refresh the state against Google Cloud first, so VMs stopped, started or deleted outside
   * Pulumi do not fail the destroy. Default true.
   */
  readonly refresh?: boolean;
}

export interface GcpDownResult {
  readonly name: string;
  readonly summary: GcpOperationSummary;
  /** Whether the stack itself was removed from the backend. */
  readonly stackRemoved: boolean;
  /** The cluster's bucket (undefined when the stack never recorded one). */
  readonly bucket: string | undefined;
  /** True when the bucket and its data are still there (attach it again with `bucket`). */
  readonly bucketKept: boolean;
  /** True when the bucket was attached (config `bucket`) rather than created by the cluster. */
  readonly bucketAttached: boolean;
}

const DOWN_KEYS = [...COMMON_KEYS, "keepStack", "deleteData", "refresh"];

/**
 * Destroys every resource of the cluster except its bucket, which keeps DVID's data (Pulumi
 * forgets it: `retainOnDelete`), then removes the stack. `deleteData: true` deletes a created
 * bucket too. Either way the call's choice wins over the stack's earlier config: when the state
 * says otherwise, it is recorded there first (config, then a `pulumi up` targeted at the bucket,
 * because `pulumi destroy` reads `forceDestroy` and `retainOnDelete` from the state, never from
 * the config), then the destroy runs. Afterwards the stack must hold no cloud resource, or the
 * call fails (PULUMI_FAILED naming what is left) and the stack is kept. A missing cluster
 * rejects with STACK_NOT_FOUND.
 */
export async function gcpDown(name: string, options: GcpDownOptions = {}): Promise<GcpDownResult> {
  const where = "gcpDown()";
  const { options: resolved, cli } = await preflight(
    where,
    options,
    () => {
      checkKeys(where, options ?? {}, DOWN_KEYS);
      const common = resolveCommonOptions(where, options ?? {});
      stackNameFor(name, where);
      checkBoolean(options?.keepStack, "keepStack", false, where);
      checkBoolean(options?.deleteData, "deleteData", false, where);
      checkBoolean(options?.refresh, "refresh", true, where);
      return common;
    },
    { passphrase: true, directories: true, stack: typeof name === "string" ? name : undefined },
  );
  const stackName = stackNameFor(name, where);
  const deleteData = options?.deleteData === true;
  const refresh = options?.refresh !== false;
  const keep = options?.keepStack === true;
  const { onProgress, signal } = resolved;
  const events = createEngineEventMapper(onProgress);
  let operation: "destroy" | "up" = "destroy";
  const context = () => ({ operation, stack: stackName, backendUrl: resolved.backend.url, signal, diagnostics: events.errors() });
  try {
    const stack = await selectClusterStack(stackName, resolved, cli);
    const outputs = plainOutputs(await stack.outputs());
    const config = await stack.getAllConfig();
    const configuredBucket = config[`${PULUMI_PROJECT}:bucket`]?.value ?? "";
    const bucketAttached = outputs.bucketCreated === false || configuredBucket !== "";
    const bucket = typeof outputs.bucketName === "string" ? outputs.bucketName : configuredBucket || undefined;
    if (deleteData && bucketAttached) {
      throw invalid(
        `${where}: deleteData cannot delete bucket ${describeValue(bucket ?? configuredBucket)} of cluster "${stackName}": it was attached ` +
          `(config bucket), and a cluster never deletes an attached bucket. Tear the cluster down without deleteData, then delete ` +
          `the bucket yourself if you mean it: gcloud storage rm --recursive gs://${bucket ?? configuredBucket}`,
      );
    }
    const before = await stack.exportStack();
    const bucketUrn = bucketUrnOf(before);
    // destroy decides from the state (retainOnDelete, forceDestroy), never from the config: when
    // the state says otherwise than this call (an earlier deleteData, or a stack of a program
    // without the bucketKept output), an up targeted at the bucket records this call's choice.
    const stateKeeps = outputs.bucketKept === true ? true : outputs.bucketKept === false ? false : undefined;
    if (bucketUrn !== undefined && stateKeeps !== !deleteData) {
      onProgress({ kind: "phase", phase: "provisioning", message: `recording deleteData=${deleteData} in the state of bucket ${bucket ?? bucketUrn} (pulumi up --target)` });
      await stack.setConfig(`${PULUMI_PROJECT}:deleteData`, { value: String(deleteData) });
      operation = "up";
      await stack.up({ target: [bucketUrn], onEvent: events.onEvent, signal, color: "never" });
      operation = "destroy";
    }
    const dataDeleted = deleteData && bucketUrn !== undefined;
    onProgress({
      kind: "phase",
      phase: "stopping",
      message: `pulumi destroy${refresh ? " --refresh" : ""}: cluster ${stackName}${bucket === undefined ? "" : dataDeleted ? `, bucket ${bucket} and its data` : `; bucket ${bucket} is kept`}`,
    });
    const result = await stack.destroy({ refresh, onEvent: events.onEvent, signal, color: "never" });
    // The seed's "partial teardown": a destroy that reports success but leaves resources behind.
    const left = cloudResources(await stack.exportStack());
    if (left.length > 0) {
      throw new DvidcloudError(
        "PULUMI_FAILED",
        `pulumi destroy of cluster "${stackName}" left ${left.length} resource(s) in the stack: ${left.map(describeResource).join(", ")}; ` +
          `the stack is kept; run down again (it refreshes first), or look at them with \`pulumi stack --stack ${stackName}\``,
      );
    }
    if (!keep) await stack.workspace.removeStack(stackName);
    const bucketKept = bucket !== undefined && !dataDeleted;
    if (bucketKept) {
      onProgress({
        kind: "log",
        severity: "info",
        message:
          `bucket ${bucket} was kept with all of DVID's data${bucketAttached ? " (attached: never deleted by the cluster)" : ""}; ` +
          `bring the cluster back on it with up(… gcp: { bucket: "${bucket}" }) or dvidcloud up ${stackName} --target gcp --bucket ${bucket} …; ` +
          `delete it with dvidcloud down --delete-data${bucketAttached ? ` (not for an attached bucket: gcloud storage rm --recursive gs://${bucket})` : " before the down"}`,
      });
    }
    onProgress({
      kind: "phase",
      phase: "stopped",
      message: `cluster ${stackName} destroyed${bucket === undefined ? "" : bucketKept ? `; bucket ${bucket} kept with its data` : `; bucket ${bucket} and its data deleted`}`,
    });
    return { name: stackName, summary: summaryOf(result.summary), stackRemoved: !keep, bucket, bucketKept, bucketAttached };
  } catch (err) {
    throw toDvidcloudError(err, context());
  }
}
