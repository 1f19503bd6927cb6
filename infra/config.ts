/**
 * Reads the stack configuration: every key once, in the project's namespace (`dvidcloud:` —
 * `pulumi config set nodes 5` sets `dvidcloud:nodes`), then validates it. Unknown keys in the
 * namespace are rejected (a typo such as `node` would otherwise be silently ignored).
 *
 * Call it inside the program function, never at module top level (Pulumi mocks in the tests set
 * the configuration first).
 */
import * as pulumi from "@pulumi/pulumi";
import { resolveClusterSettings, type ClusterSettings } from "./plan/cluster-settings.js";
import { parseConfigValues } from "./plan/config-values.js";

export function readClusterConfig(): ClusterSettings {
  const namespace = pulumi.getProject();
  const config = new pulumi.Config(namespace);
  const gcpConfig = new pulumi.Config("gcp");

  const raw: Record<string, string | undefined> = {
    name: config.get("name"), // default: "" = the stack name
    project: config.get("project") || gcpConfig.get("project"), // default: "" = gcp:project; one of the two is required
    region: config.get("region"), // default: us-central1
    zone: config.get("zone"), // default: "" = <region>-b
    nodes: config.get("nodes"), // default: 3 (1 writer + 2 readers); 1..16
    machineType: config.get("machineType"), // default: e2-standard-4
    diskSizeGb: config.get("diskSizeGb"), // default: 20
    image: config.get("image"), // default: gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12
    port: config.get("port"), // default: 8000
    sourceRanges: config.get("sourceRanges"), // default: none; required (a list, or comma-separated CIDRs)
    network: config.get("network"), // default: default
    subnetwork: config.get("subnetwork"), // default: "" = none (auto-mode VPCs); a subnet of the region
    bucket: config.get("bucket"), // default: "" = create one; else the name of an existing bucket to attach
    bucketLocation: config.get("bucketLocation"), // default: "" = the region, upper-case
    deleteData: config.get("deleteData"), // default: false = destroy keeps the bucket and its data
  };

  // Keys set in this namespace but unknown to the program (e.g. `dvidcloud:node`).
  const prefix = `${namespace}:`;
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix) && !(key.slice(prefix.length) in raw)) raw[key.slice(prefix.length)] = value;
  }

  // Pulumi.yaml declares computed defaults as "" (a key without default would be required).
  const input = parseConfigValues(raw);
  return resolveClusterSettings({ ...input, name: input.name ?? pulumi.getStack() });
}
