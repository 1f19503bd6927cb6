/**
 * One Pulumi stack per cluster, in one Pulumi project. Pure.
 */
import { isInfraError, validateClusterName } from "../../infra/index.js";
import { DvidcloudError } from "../errors.js";

/** The Pulumi project every gcp cluster stack belongs to (also the config namespace). */
export const PULUMI_PROJECT = "dvidcloud";

/**
 * The stack of a cluster is named after it. The gcp name rule is the infra program's and applies
 * only here: at most 20 characters of [a-z0-9-], starting with a letter and not ending with a
 * hyphen, and no "goog" prefix nor "google" inside, because the name becomes GCE resource names,
 * service-account ids and the bucket name. (The local target's rule is local-dvid's
 * `checkClusterName`.) Checked before Pulumi runs.
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
