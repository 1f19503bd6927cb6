export { gcpUp, gcpUpdate, type GcpUpResult } from "./up.js";
export { gcpRepair, type GcpRepairResult } from "./repair.js";
export { refreshGcpReaders, type RefreshReadersResult } from "./refresh-readers.js";
export { checkImage, type ImageCheck } from "./image-check.js";
export { quotaWarnings, vcpusOf, DEFAULT_REGIONAL_ADDRESS_QUOTA, DEFAULT_REGIONAL_CPU_QUOTA } from "./quota.js";
export { detachedPulumiCommand } from "./pulumi-process.js";
export { cloudResources, bucketUrnOf, pendingOperationsOf, withoutPendingOperations, type PendingOperation, type StateResource } from "./stack-state.js";
export { summaryOf, type GcpOperationSummary } from "./operation-summary.js";
export { gcpDown, type GcpDownOptions, type GcpDownResult } from "./down.js";
export { gcpStatus, gcpList, type GcpStatus, type GcpStatusOptions, type GcpListEntry } from "./status.js";
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
  resolveGcpUpdateOptions,
  settingsOf,
  COMMON_KEYS,
  resolveCommonOptions,
  type GcpCommonOptions,
  type GcpUpOptions,
  type GcpUpdateOptions,
  type ResolvedGcpUpOptions,
  type ResolvedGcpUpdateOptions,
  type ResolvedCommonOptions,
} from "./options.js";
export { stackNameFor, clusterNameOfStack, PULUMI_PROJECT } from "./stack-naming.js";
export { stackConfigFor } from "./stack-config.js";
export { createEngineEventMapper, type GcpProgressEvent, type GcpPhase } from "./progress.js";
export { toDvidcloudError, fullyQualifiedStackName, type GcpOperation, type PulumiErrorContext } from "./pulumi-errors.js";
export { endpointsFromOutputs, plainOutputs, type GcpEndpoints } from "./stack-outputs.js";
export { inlineProgram, workDirFor, workspaceOptions } from "./workspace.js";
