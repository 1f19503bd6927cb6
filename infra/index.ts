export { DvidCluster, NODE_IMAGE, type DvidClusterArgs, type DvidNodeOutput } from "./components/dvid-cluster.js";
export { DvidBucket, type DvidBucketArgs, type DvidIdentity, type DvidIdentityArgs } from "./components/dvid-bucket.js";
export { DvidFirewall, type DvidFirewallArgs } from "./components/dvid-firewall.js";
export {
  DvidLoadBalancer,
  BACKEND_TIMEOUT_SECONDS,
  NAMED_PORT,
  type DvidLoadBalancerArgs,
} from "./components/dvid-load-balancer.js";
export { readClusterConfig } from "./config.js";
export { dvidClusterProgram, type DvidClusterStackOutputs } from "./program.js";
export {
  CLUSTER_DEFAULTS,
  CLUSTER_KEYS,
  DEFAULT_IMAGE,
  MAX_NODES,
  defaultZone,
  resolveClusterSettings,
  type ClusterInput,
  type ClusterKey,
  type ClusterSettings,
} from "./plan/cluster-settings.js";
export { parseConfigValues, parseListValue } from "./plan/config-values.js";
export { clusterLabels, clusterNames, planNodes, type ClusterNames, type NodePlan, type NodeRole } from "./plan/naming.js";
export { renderDvidToml, CONSOLE_DIR, type DvidTomlInput } from "./plan/dvid-toml.js";
export {
  renderStartupScript,
  renderSystemdUnit,
  renderDvidCommand,
  HOST_DVID_DIR,
  CONTAINER_DVID_DIR,
  type StartupScriptInput,
} from "./plan/startup-script.js";
export {
  renderNodeTools,
  renderWatchUnit,
  nodeToolCommand,
  NODE_TOOLS_PATH,
  WATCH_UNIT,
  type NodeToolsInput,
} from "./plan/node-tools.js";
export {
  INIT_OBJECT,
  MAX_RESTART_DELAY_SECONDS,
  METADATA_PREFIX,
  MUTATION_ID_PREFIX,
  REFRESH_READERS_OBJECT,
  RESTART_SLOTS,
  RESTART_SLOT_SECONDS,
  WATCH_POLL_SECONDS,
  restartDelaySeconds,
} from "./plan/gbucket-layout.js";
export {
  GOOGLE_FRONT_END_RANGES,
  planArmorRules,
  type ArmorRulePlan,
} from "./plan/access-rules.js";
export { parseIpv4Cidr, RESERVED_PORTS, validateClusterName } from "./plan/validation.js";
export { InfraError, isInfraError, type InfraErrorCode } from "./errors.js";
