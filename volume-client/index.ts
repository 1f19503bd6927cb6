export { connect, DvidClient, type CreateRepoOptions } from "./client.js";
export {
  Version,
  type CreateVolumeOptions,
  type OpenVolumeOptions,
  type CreateKeyValueOptions,
  type CommitOptions,
  type NewVersionOptions,
  type MergeOptions,
  type NeuroglancerVolume,
  type NeuroglancerUrlOptions,
} from "./version.js";
export { Volume } from "./volume.js";
export { KeyValue } from "./key-value.js";
export type { VolumeInfo } from "./volume-info.js";
export type { RepoInfo, VersionInfo, InstanceSummary } from "./repo-info.js";
export type { WritableArray, ShapedArray, VoxelNdArray } from "./array-input.js";
export type { Endpoints } from "./endpoints.js";
export type { ConnectOptions, ReadOptions, WriteOptions, CallOptions, Progress, ResolvedClientOptions, WireCompression } from "./options.js";
export { VolumeClientError, isVolumeClientError, type VolumeClientErrorCode } from "./errors.js";
export { DTYPES, type Dtype, type DtypeInfo, type TypedArrayFor, type VoxelArray } from "./wire/dtype.js";
export type { BoxZyx, Zyx } from "./wire/geometry.js";
