/**
 * Options of the gcp operations, checked once on input: unknown keys rejected, every cluster
 * setting validated by the infra program's own rules (so nothing is sent to Pulumi that the
 * program would refuse), the key named in every error.
 */
import { CLUSTER_KEYS, isInfraError, resolveClusterSettings, type ClusterInput, type ClusterSettings } from "../../infra/index.js";
import { checkBoolean, checkFunction, checkKeys, checkSignal, describe, invalid } from "../option-checks.js";
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
  /**
   * false (default): a cluster of that name that already holds resources is refused with
   * CLUSTER_EXISTS. true: update it, as `gcpUpdate()` does (only the settings given change).
   */
  readonly update?: boolean;
  /** Refresh the state against Google Cloud before deploying. Default true with `update`, else false. */
  readonly refresh?: boolean;
}

/**
 * Options of `gcpUpdate()` (or `gcpUp({ update: true, … })`): an existing cluster's name, and
 * only the settings to change; every other setting keeps the value in the stack's config (the
 * default `nodes: 3` never shrinks a larger cluster).
 */
export interface GcpUpdateOptions extends GcpCommonOptions, Partial<Omit<ClusterSettings, "name">> {
  readonly name: string;
  /** Refresh the state against Google Cloud before the update (VMs stopped, started or deleted outside Pulumi). Default true. */
  readonly refresh?: boolean;
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
  readonly update: false;
  readonly refresh: boolean;
}

export interface ResolvedGcpUpdateOptions extends ResolvedCommonOptions {
  readonly name: string;
  /** The settings given, checked; merged with the stack's config once it is read. */
  readonly given: ClusterInput;
  readonly update: true;
  readonly refresh: boolean;
}

const DEPLOY_KEYS = ["update", "refresh"];

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
  checkKeys(where, options, [...CLUSTER_KEYS, ...COMMON_KEYS, ...DEPLOY_KEYS]);
  if (options.update !== undefined && options.update !== false) {
    throw invalid(`${where}: update must be a boolean (use gcpUpdate() or resolveGcpUpdateOptions() for an update); got ${describe(options.update)}`);
  }
  const common = resolveCommonOptions(where, options);
  const refresh = checkBoolean(options.refresh, "refresh", false, where);
  const settings = settingsOf(givenSettings(options), where);
  return { ...common, settings, update: false, refresh };
}

/** The cluster settings present in `options`, copied. */
function givenSettings(options: object): ClusterInput {
  const input: ClusterInput = {};
  for (const key of CLUSTER_KEYS) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) input[key] = Array.isArray(value) ? [...value] : value;
  }
  return input;
}

/** Settings from loose input by the infra program's own rules, as INVALID_OPTION naming `where`. */
export function settingsOf(input: ClusterInput, where: string): ClusterSettings {
  try {
    return resolveClusterSettings(input);
  } catch (err) {
    if (isInfraError(err)) throw invalid(`${where}: ${err.message}`, err);
    throw err;
  }
}

/**
 * Checks the options of an update before any work: unknown keys, the common options, and every
 * setting given by the same rules as for a new cluster (the required ones, which the stack's
 * config supplies, stand in with placeholders for this check only).
 */
export function resolveGcpUpdateOptions(options: GcpUpdateOptions & { update?: boolean }, where = "gcpUpdate()"): ResolvedGcpUpdateOptions {
  if (options === null || typeof options !== "object") {
    throw invalid(`${where}: options must be an object with at least the cluster's name; got ${describe(options)}`);
  }
  checkKeys(where, options, [...CLUSTER_KEYS, ...COMMON_KEYS, ...DEPLOY_KEYS]);
  const common = resolveCommonOptions(where, options);
  const refresh = checkBoolean(options.refresh, "refresh", true, where);
  const given = givenSettings(options);
  settingsOf({ project: "placeholder-project", sourceRanges: ["192.0.2.0/32"], ...given }, where);
  return { ...common, name: String(given.name), given, update: true, refresh };
}
