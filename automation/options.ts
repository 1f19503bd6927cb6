// The options of `up()` and the other lifecycle calls: one interface each, every field with its
// default and unit, resolved and checked once, before any work starts (unknown keys and options
// that do not apply to the chosen target are refused, the key named in the error).
import { checkClusterName, isLocalDvidError } from "../local-dvid/index.js";
import { TARGETS, type Target } from "./cluster-types.js";
import { DvidcloudError } from "./errors.js";
import { checkBoolean, checkFunction, checkInteger, checkKeys, checkObject, checkPath, checkSignal, describe, invalid } from "./option-checks.js";
import type { ProgressEvent } from "./progress.js";

/** Options of the local target (N local-dvid processes on 127.0.0.1 sharing one store directory). */
export interface LocalTargetOptions {
  /** Where state files and node logs live. Default `$DVIDCLOUD_HOME/local`, else `~/.dvidcloud/local`. */
  readonly stateDir?: string;
  /** The shared store directory (the "bucket"). Default `<stateDir>/<name>/store`; kept after `down`. */
  readonly storeDir?: string;
  /** Readers refuse writes, as DVID `rwmode = "readonly"` on GCP. Default true. */
  readonly readersReadonly?: boolean;
  /**
   * false (default): the nodes stop when this process exits (tests, notebooks, `withCluster`).
   * true: they outlive it; stop them with `down(name)` or `dvidcloud down NAME`.
   */
  readonly detached?: boolean;
  /**
   * Turn tokens on: the nodes then need `Authorization: Bearer <token>` (local-dvid's tokens with
   * roles); a read, a write and an admin token are made at random for this start, written to
   * `<stateDir>/<name>/tokens` (mode 0600), and the cluster's `client()` uses the admin one.
   * Default false.
   */
  readonly auth?: boolean;
}

/** Options of `up()`. */
export interface UpOptions {
  /**
   * Cluster name; names the local state file or the Pulumi stack. Local: the local-dvid rule
   * (`checkClusterName`: 1 to 40 of [a-z0-9-]). gcp: at most 20 characters, starting with a
   * letter and not ending with a hyphen, since it becomes GCE resource and bucket names.
   */
  readonly name: string;
  /** Where the cluster runs. Default "local". */
  readonly target?: Target;
  /** Number of DVID nodes: one writer and `nodes - 1` read-only readers. 1 to 16, default 3. */
  readonly nodes?: number;
  /** Wait until every node answers `GET /api/heartbeat` before returning. Default true. */
  readonly waitForHealth?: boolean;
  /** Budget for that wait, in ms. Default 15 000 (local) or 600 000 (gcp: a new load balancer takes minutes). */
  readonly healthTimeoutMs?: number;
  /** Local target settings; refused on the gcp target. */
  readonly local?: LocalTargetOptions;
  /** Google Cloud settings, passed to the Pulumi program's config (see infra/README.md); refused on the local target. */
  readonly gcp?: Readonly<Record<string, unknown>>;
  /** Progress of the long steps (node starts, Pulumi resource steps, health). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Cancels: local nodes started so far are stopped; Pulumi receives SIGINT. The call rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
  /**
   * gcp: update the cluster of that name instead of refusing it with CLUSTER_EXISTS; only the
   * options given explicitly change its config (`nodes` too: the default 3 never shrinks a
   * larger cluster), and a failed health wait leaves it as it is. Default false. Refused on the
   * local target (a local cluster is stopped and started again instead). `update()` sets it.
   */
  readonly update?: boolean;
  /** gcp: refresh the state against Google Cloud before deploying. Default true with `update`, else false. */
  readonly refresh?: boolean;
}

/** Options of `status()`, `list()`, `purge()` and `listStores()`. */
export interface TargetOptions {
  /** Default "local". */
  readonly target?: Target;
  /** Local target: where the state files are. Refused on the gcp target. */
  readonly local?: Pick<LocalTargetOptions, "stateDir">;
  /** gcp target: `backendUrl`, `secretsProvider`, `env` (cluster settings are accepted and ignored). Refused on the local target. */
  readonly gcp?: Readonly<Record<string, unknown>>;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
}

/** Options of `down()`. */
export interface DownOptions extends TargetOptions {
  /**
   * Also delete the cluster's data. Local: its store and logs (by default the store is kept, as a
   * bucket would be; `listStores()` shows what is kept), also when the cluster no longer runs.
   * gcp: the bucket the cluster created, whatever its earlier config said; an attached bucket is
   * refused (INVALID_OPTION). Default false.
   */
  readonly deleteData?: boolean;
  /** gcp: refresh the state against Google Cloud before the destroy (VMs changed outside Pulumi). Default true. */
  readonly refresh?: boolean;
}

/** Options of `status()`. */
export interface StatusOptions extends TargetOptions {
  /** gcp: refresh the state against Google Cloud first (`pulumi refresh`; takes the stack's lock). Default false. */
  readonly refresh?: boolean;
}

export function checkTarget(target: unknown, where: string): Target {
  if (target === undefined) return "local";
  if (!TARGETS.includes(target as Target)) {
    throw new DvidcloudError("UNKNOWN_TARGET", `${where}: target must be "local" or "gcp"; got ${describe(target)}`);
  }
  return target as Target;
}

/**
 * The local target's cluster name: local-dvid's rule (`checkClusterName`), the one definition,
 * with `where` added. The gcp rule is checked in the gcp path (automation/gcp/stack-naming.ts).
 */
export function checkLocalName(name: unknown, where: string): string {
  try {
    return checkClusterName(name);
  } catch (err) {
    if (isLocalDvidError(err)) throw invalid(`${where}: ${err.message}`, err);
    throw err;
  }
}

/** Refuses the settings of the other target: they would be silently ignored otherwise. */
function checkApplicable(options: { local?: unknown; gcp?: unknown }, target: Target, where: string): void {
  const other = target === "local" ? "gcp" : "local";
  if (options[other] !== undefined) {
    throw invalid(`${where}: option "${other}" applies only to target "${other}", and the target is "${target}"; got ${other}: ${describe(options[other])}`);
  }
}

export interface ResolvedUpOptions {
  readonly name: string;
  readonly target: Target;
  readonly nodes: number;
  readonly waitForHealth: boolean;
  readonly healthTimeoutMs: number;
  readonly local: LocalTargetOptions;
  readonly gcp: Readonly<Record<string, unknown>>;
  readonly onProgress: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
  readonly update: boolean;
  /** undefined: the target's default. */
  readonly refresh: boolean | undefined;
  /** Whether `nodes` was given (an update changes only what was given). */
  readonly nodesGiven: boolean;
}

const UP_KEYS = ["name", "target", "nodes", "waitForHealth", "healthTimeoutMs", "local", "gcp", "onProgress", "signal", "update", "refresh"];
const LOCAL_KEYS = ["stateDir", "storeDir", "readersReadonly", "detached", "auth"];

/**
 * Checks and resolves `up()`'s options. The local name is checked here; a gcp cluster's name and
 * settings are checked by the gcp driver, still before any work (automation/gcp/options.ts).
 */
export function resolveUpOptions(options: UpOptions): ResolvedUpOptions {
  const where = "up()";
  if (options === null || typeof options !== "object") throw invalid(`${where}: options must be an object with at least a name; got ${describe(options)}`);
  checkKeys(where, options, UP_KEYS);
  const target = checkTarget(options.target, where);
  checkApplicable(options, target, where);
  const local = checkObject(options.local ?? {}, "local", where) as LocalTargetOptions;
  checkKeys(`${where} local`, local, LOCAL_KEYS);
  checkPath(local.stateDir, "local.stateDir", where);
  checkPath(local.storeDir, "local.storeDir", where);
  checkBoolean(local.readersReadonly, "local.readersReadonly", true, where);
  checkBoolean(local.detached, "local.detached", false, where);
  checkBoolean(local.auth, "local.auth", false, where);
  const gcp = checkObject(options.gcp ?? {}, "gcp", where);
  const update = checkBoolean(options.update, "update", false, where);
  if (update && target === "local") {
    throw invalid(`${where}: update applies only to target "gcp" (a local cluster is stopped with down and started again with up)`);
  }
  if (options.refresh !== undefined) checkBoolean(options.refresh, "refresh", false, where);
  if (options.refresh !== undefined && target === "local") throw invalid(`${where}: refresh applies only to target "gcp"`);
  return {
    update,
    refresh: options.refresh,
    nodesGiven: options.nodes !== undefined,
    name: target === "local" ? checkLocalName(options.name, where) : (options.name as string),
    target,
    nodes: checkInteger(options.nodes, "nodes", 1, 16, 3, where),
    waitForHealth: checkBoolean(options.waitForHealth, "waitForHealth", true, where),
    healthTimeoutMs: checkInteger(options.healthTimeoutMs, "healthTimeoutMs", 1, 3_600_000, target === "gcp" ? 600_000 : 15_000, where),
    local,
    gcp,
    onProgress: checkFunction<(event: ProgressEvent) => void>(options.onProgress, "onProgress", where) ?? (() => {}),
    signal: checkSignal(options.signal, where),
  };
}

/** What every target's down, find and list calls receive. */
export interface ResolvedTargetOptions {
  readonly target: Target;
  readonly local: { readonly stateDir?: string };
  readonly gcp: Readonly<Record<string, unknown>>;
  readonly onProgress: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
  /** down: delete the data too (local: the store; gcp: the bucket). */
  readonly deleteData?: boolean;
  /** gcp: refresh the state first (down: default true; status: default false). */
  readonly refresh?: boolean;
}

const TARGET_KEYS = ["target", "local", "gcp", "onProgress", "signal"];

/** Checks the options of down, status, list, purge and listStores; `extraKeys` are the call's own. */
export function resolveTargetOptions(options: TargetOptions, where: string, extraKeys: readonly string[] = []): ResolvedTargetOptions {
  checkObject(options, "options", where);
  checkKeys(where, options, [...TARGET_KEYS, ...extraKeys]);
  const target = checkTarget(options.target, where);
  checkApplicable(options, target, where);
  const local = checkObject(options.local ?? {}, "local", where) as { stateDir?: string };
  checkKeys(`${where} local`, local, ["stateDir"]);
  checkPath(local.stateDir, "local.stateDir", where);
  const extra = options as { deleteData?: unknown; refresh?: unknown };
  if (extraKeys.includes("refresh") && extra.refresh !== undefined) {
    checkBoolean(extra.refresh, "refresh", false, where);
    if (target === "local") throw invalid(`${where}: refresh applies only to target "gcp"`);
  }
  return {
    ...(extraKeys.includes("deleteData") && extra.deleteData !== undefined ? { deleteData: checkBoolean(extra.deleteData, "deleteData", false, where) } : {}),
    ...(extraKeys.includes("refresh") && extra.refresh !== undefined ? { refresh: extra.refresh as boolean } : {}),
    target,
    local,
    gcp: checkObject(options.gcp ?? {}, "gcp", where),
    onProgress: checkFunction<(event: ProgressEvent) => void>(options.onProgress, "onProgress", where) ?? (() => {}),
    signal: checkSignal(options.signal, where),
  };
}
