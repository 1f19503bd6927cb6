/**
 * Options of the gcp operations, checked once on input: unknown keys rejected, every cluster
 * setting validated by the infra program's own rules (so nothing is sent to Pulumi that the
 * program would refuse), the key named in every error.
 */
import { CLUSTER_KEYS, isInfraError, resolveClusterSettings, type ClusterInput, type ClusterSettings } from "../../infra/index.js";
import { checkFunction, checkKeys, checkSignal, describe, invalid } from "../option-checks.js";
import { chooseBackend, type BackendChoice } from "./backend.js";
import type { GcpProgressEvent } from "./progress.js";

/** Options every gcp operation takes. */
export interface GcpCommonOptions {
  /** Pulumi state backend URL. Default: $PULUMI_BACKEND_URL, else `file://<$DVIDCLOUD_HOME or ~/.dvidcloud>/pulumi`. */
  readonly backendUrl?: string;
  /**
   * Pulumi secrets provider for new stacks. Default "passphrase" on self-managed backends
   * (needs PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE), Pulumi Cloud's own otherwise.
   */
  readonly secretsProvider?: string;
  /** Environment used to find the CLI and choose the backend and passphrase. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Progress events derived from Pulumi's engine events. */
  readonly onProgress?: (event: GcpProgressEvent) => void;
  /** Aborting sends SIGINT to the pulumi CLI; the operation then rejects with code ABORTED. */
  readonly signal?: AbortSignal;
}

/**
 * Options of `gcpUp()`: the cluster settings (infra/README.md lists each with its default) plus
 * the common options. `name`, `project` and `sourceRanges` are required.
 */
export interface GcpUpOptions extends GcpCommonOptions, Partial<Omit<ClusterSettings, "name" | "project" | "sourceRanges">> {
  /** Cluster name (1-20 of [a-z0-9-]); also the Pulumi stack name. */
  readonly name: string;
  /** Google Cloud project id. */
  readonly project: string;
  /** IPv4 CIDR ranges allowed to reach DVID. No default: nothing is open to the world unless asked. */
  readonly sourceRanges: readonly string[];
}

export interface ResolvedCommonOptions {
  readonly backend: BackendChoice;
  readonly secretsProvider: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly onProgress: (event: GcpProgressEvent) => void;
  readonly signal: AbortSignal | undefined;
}

export interface ResolvedGcpUpOptions extends ResolvedCommonOptions {
  readonly settings: ClusterSettings;
}

export const COMMON_KEYS = ["backendUrl", "secretsProvider", "env", "onProgress", "signal"] as const;

export function resolveCommonOptions(where: string, options: GcpCommonOptions): ResolvedCommonOptions {
  const { backendUrl, secretsProvider, env, onProgress, signal } = options;
  if (backendUrl !== undefined && (typeof backendUrl !== "string" || !/^[a-z][a-z0-9+.-]*:\/\/./.test(backendUrl))) {
    throw invalid(`${where}: backendUrl must be a URL such as file:///path, gs://bucket or https://api.pulumi.com; got ${describe(backendUrl)}`);
  }
  if (secretsProvider !== undefined && (typeof secretsProvider !== "string" || secretsProvider === "")) {
    throw invalid(`${where}: secretsProvider must be "passphrase" or a KMS URL such as gcpkms://…; got ${describe(secretsProvider)}`);
  }
  if (env !== undefined && (env === null || typeof env !== "object")) {
    throw invalid(`${where}: env must be an object of environment variables; got ${describe(env)}`);
  }
  checkFunction(onProgress, "onProgress", where);
  checkSignal(signal, where);
  const resolvedEnv = env ?? process.env;
  return {
    backend: chooseBackend({ backendUrl, secretsProvider, env: resolvedEnv }),
    secretsProvider,
    env: resolvedEnv,
    onProgress: onProgress ?? (() => {}),
    signal,
  };
}

/** `where` names the caller in errors: "gcpUp()", or "up()" when the lifecycle checks them first. */
export function resolveGcpUpOptions(options: GcpUpOptions, where = "gcpUp()"): ResolvedGcpUpOptions {
  if (options === null || typeof options !== "object") {
    throw invalid(`${where}: options must be an object with at least name, project and sourceRanges; got ${describe(options)}`);
  }
  checkKeys(where, options, [...CLUSTER_KEYS, ...COMMON_KEYS]);
  const common = resolveCommonOptions(where, options);
  const input: ClusterInput = {};
  for (const key of CLUSTER_KEYS) {
    const value = (options as unknown as Record<string, unknown>)[key];
    if (value !== undefined) input[key] = Array.isArray(value) ? [...value] : value;
  }
  let settings: ClusterSettings;
  try {
    settings = resolveClusterSettings(input);
  } catch (err) {
    if (isInfraError(err)) throw invalid(`${where}: ${err.message}`, err);
    throw err;
  }
  return { ...common, settings };
}
