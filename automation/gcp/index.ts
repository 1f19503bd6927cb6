export { gcpUp, type GcpUpResult } from "./up.js";
export { summaryOf, type GcpOperationSummary } from "./operation-summary.js";
export { gcpDown, type GcpDownOptions, type GcpDownResult } from "./down.js";
export { gcpStatus, gcpList, type GcpStatus, type GcpListEntry } from "./status.js";
export {
  checkPulumiCli,
  findPulumiCli,
  requirePulumiCli,
  PULUMI_INSTALL_HINT,
  type PulumiCliInfo,
  type PulumiCliLocation,
} from "./pulumi-cli.js";
export { chooseBackend, dvidcloudHome, fileBackendDir, requirePassphrase, type BackendChoice } from "./backend.js";
export {
  resolveGcpUpOptions,
  COMMON_KEYS,
  resolveCommonOptions,
  type GcpCommonOptions,
  type GcpUpOptions,
  type ResolvedGcpUpOptions,
  type ResolvedCommonOptions,
} from "./options.js";
export { stackNameFor, clusterNameOfStack, PULUMI_PROJECT } from "./stack-naming.js";
export { stackConfigFor } from "./stack-config.js";
export { createEngineEventMapper, type GcpProgressEvent, type GcpPhase } from "./progress.js";
export { toDvidcloudError, type GcpOperation, type PulumiErrorContext } from "./pulumi-errors.js";
export { endpointsFromOutputs, plainOutputs, type GcpEndpoints } from "./stack-outputs.js";
export { inlineProgram, workDirFor, workspaceOptions } from "./workspace.js";
