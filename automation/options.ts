// The options of `up()` and the other lifecycle calls: one interface each, every field with its
// default and unit, resolved and checked once (unknown keys rejected, the key named in the error).
import { DvidcloudError } from "./errors.js";
import type { ProgressEvent } from "./progress.js";

export type Target = "local" | "gcp";
export const TARGETS: readonly Target[] = ["local", "gcp"];

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
}

/** Options of `up()`. */
export interface UpOptions {
  /** Cluster name: 1 to 40 of [a-z0-9-], starting with a letter. Names the local state file or the Pulumi stack. */
  readonly name: string;
  /** Where the cluster runs. Default "local". */
  readonly target?: Target;
  /** Number of DVID nodes: one writer and `nodes - 1` read-only readers. 1 to 16, default 3. */
  readonly nodes?: number;
  /** Wait until every node answers `GET /api/heartbeat` before returning. Default true. */
  readonly waitForHealth?: boolean;
  /** Budget for that wait, in ms. Default 15 000 (local) or 600 000 (gcp: a new load balancer takes minutes). */
  readonly healthTimeoutMs?: number;
  /** Local target settings. */
  readonly local?: LocalTargetOptions;
  /** Google Cloud settings, passed to the Pulumi program's config (see infra/README.md). */
  readonly gcp?: Readonly<Record<string, unknown>>;
  /** Progress of the long steps (node starts, Pulumi resource steps, health). */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Cancels: local nodes started so far are stopped; Pulumi receives SIGINT. */
  readonly signal?: AbortSignal;
}

/** Options of `down()`, `status()` and `list()`. */
export interface TargetOptions {
  /** Default "local". */
  readonly target?: Target;
  readonly local?: Pick<LocalTargetOptions, "stateDir">;
  readonly gcp?: Readonly<Record<string, unknown>>;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
}

export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function invalid(message: string): DvidcloudError {
  return new DvidcloudError("INVALID_OPTION", message);
}

export function checkKeys(where: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw invalid(`${where}: unknown option "${key}"; known options are ${known.join(", ")}`);
  }
}

export function checkName(name: unknown, where: string): string {
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw invalid(`${where}: name must be 1 to 40 characters of [a-z0-9-] starting with a letter; got ${describe(name)}`);
  }
  return name;
}

export function checkTarget(target: unknown, where: string): Target {
  if (target === undefined) return "local";
  if (!TARGETS.includes(target as Target)) {
    throw new DvidcloudError("UNKNOWN_TARGET", `${where}: target must be "local" or "gcp"; got ${describe(target)}`);
  }
  return target as Target;
}

export function checkSignal(signal: unknown, where: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw invalid(`${where}: signal must be an AbortSignal; got ${describe(signal)}`);
  return signal;
}

export function checkInteger(value: unknown, key: string, min: number, max: number, fallback: number, where: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${where}: ${key} must be an integer between ${min} and ${max}; got ${describe(value)}`);
  }
  return value;
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
}

const UP_KEYS = ["name", "target", "nodes", "waitForHealth", "healthTimeoutMs", "local", "gcp", "onProgress", "signal"];
const LOCAL_KEYS = ["stateDir", "storeDir", "readersReadonly", "detached"];

export function resolveUpOptions(options: UpOptions): ResolvedUpOptions {
  const where = "up()";
  if (options === null || typeof options !== "object") throw invalid(`${where}: options must be an object with at least a name; got ${describe(options)}`);
  checkKeys(where, options, UP_KEYS);
  const target = checkTarget(options.target, where);
  if (options.waitForHealth !== undefined && typeof options.waitForHealth !== "boolean") {
    throw invalid(`${where}: waitForHealth must be a boolean; got ${describe(options.waitForHealth)}`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw invalid(`${where}: onProgress must be a function; got ${describe(options.onProgress)}`);
  }
  const local = options.local ?? {};
  if (typeof local !== "object" || local === null) throw invalid(`${where}: local must be an object; got ${describe(local)}`);
  checkKeys(`${where} local`, local, LOCAL_KEYS);
  for (const key of ["stateDir", "storeDir"] as const) {
    if (local[key] !== undefined && (typeof local[key] !== "string" || local[key] === "")) {
      throw invalid(`${where}: local.${key} must be a non-empty path; got ${describe(local[key])}`);
    }
  }
  for (const key of ["readersReadonly", "detached"] as const) {
    if (local[key] !== undefined && typeof local[key] !== "boolean") throw invalid(`${where}: local.${key} must be a boolean; got ${describe(local[key])}`);
  }
  const gcp = options.gcp ?? {};
  if (typeof gcp !== "object" || gcp === null) throw invalid(`${where}: gcp must be an object; got ${describe(gcp)}`);
  return {
    name: checkName(options.name, where),
    target,
    nodes: checkInteger(options.nodes, "nodes", 1, 16, 3, where),
    waitForHealth: options.waitForHealth ?? true,
    healthTimeoutMs: checkInteger(options.healthTimeoutMs, "healthTimeoutMs", 1, 3_600_000, target === "gcp" ? 600_000 : 15_000, where),
    local,
    gcp,
    onProgress: options.onProgress ?? (() => {}),
    signal: checkSignal(options.signal, where),
  };
}
