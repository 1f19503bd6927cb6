/**
 * Maps validated cluster settings to the stack configuration the shared program reads
 * (infra/config.ts), so `gcpUp()` and `pulumi up` go through the same validation and code. Pure.
 */
import type { automation } from "@pulumi/pulumi";
import { CLUSTER_KEYS, type ClusterSettings } from "../../infra/index.js";
import { PULUMI_PROJECT } from "./stack-naming.js";

function configText(value: ClusterSettings[keyof ClusterSettings]): string {
  // Lists as the comma-separated form `pulumi config set sourceRanges a,b` would store.
  return Array.isArray(value) ? value.join(",") : String(value);
}

export function stackConfigFor(settings: ClusterSettings): automation.ConfigMap {
  const config: automation.ConfigMap = {};
  for (const key of CLUSTER_KEYS) config[`${PULUMI_PROJECT}:${key}`] = { value: configText(settings[key]) };
  // The provider's own defaults too: every resource names its project and location explicitly,
  // but calls the provider makes on its own (API lookups) use these.
  config["gcp:project"] = { value: settings.project };
  config["gcp:region"] = { value: settings.region };
  config["gcp:zone"] = { value: settings.zone };
  return config;
}
