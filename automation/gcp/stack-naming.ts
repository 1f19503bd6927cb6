/**
 * One Pulumi stack per cluster, in one Pulumi project. Pure.
 */
import { isInfraError } from "../../infra/errors.js";
import { validateClusterName } from "../../infra/plan/validation.js";
import { DvidcloudError } from "../errors.js";

/** The Pulumi project every gcp cluster stack belongs to (also the config namespace). */
export const PULUMI_PROJECT = "dvidcloud";

/**
 * The stack of a cluster is named after it. The name rules are the infra program's (they become
 * GCE resource names and service-account ids), so they are checked here too, before Pulumi runs.
 */
export function stackNameFor(clusterName: unknown, where = "gcp"): string {
  try {
    return validateClusterName("name", clusterName);
  } catch (err) {
    if (isInfraError(err)) throw new DvidcloudError("INVALID_OPTION", `${where}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The cluster name of a stack as listed by a backend (`org/project/stack`, `project/stack` or `stack`). */
export function clusterNameOfStack(stackName: string): string {
  const parts = stackName.split("/");
  return parts[parts.length - 1]!;
}
