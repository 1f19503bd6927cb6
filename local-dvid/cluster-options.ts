// The options of a local cluster: the interface, its defaults, and their validation (resolved
// once, unknown keys rejected, every error naming the option and what it got).
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { LocalDvidError } from "./errors.js";

export interface LocalClusterOptions {
  /** [a-z0-9-], 1 to 40 characters; names the cluster's state file. */
  name: string;
  /** Number of nodes, 1 to 16. Default 3. Node 0 is the writer, the rest are readers. */
  nodes?: number;
  /** The shared store directory. Default `<stateDir>/<name>/store`. */
  storeDir?: string;
  /** Where state files (and node logs) live. Default `$DVIDCLOUD_HOME/local`, else `~/.dvidcloud/local`. */
  stateDir?: string;
  /** Readers run `--readonly`, as DVID `rwmode = "readonly"` on GCP (dvid-deploy.md §4). Default true. */
  readersReadonly?: boolean;
  /**
   * false (default): the nodes die with this process (their stdin is a pipe from it, and they
   * run `--parent-watch`). true: they outlive it (for `dvidcloud up`); stop them with
   * `stopLocalCluster(name)`.
   */
  detached?: boolean;
  /** How long every node may take to listen and answer its heartbeat (ms). Default 15000. */
  startTimeoutMs?: number;
  /** Admin token for repo creation (`POST /api/repos?admintoken=`). Default: none. */
  adminToken?: string;
  /** Server note shown by `/api/server/note`. Default: none. */
  note?: string;
  /** Aborts the start: the nodes started so far are stopped. */
  signal?: AbortSignal;
}

export interface ResolvedClusterOptions {
  readonly name: string;
  readonly nodes: number;
  readonly storeDir: string;
  readonly stateDir: string;
  readonly readersReadonly: boolean;
  readonly detached: boolean;
  readonly startTimeoutMs: number;
  readonly adminToken?: string;
  readonly note?: string;
  readonly signal?: AbortSignal;
}

const KEYS = new Set([
  "name",
  "nodes",
  "storeDir",
  "stateDir",
  "readersReadonly",
  "detached",
  "startTimeoutMs",
  "adminToken",
  "note",
  "signal",
]);

const NAME = /^[a-z0-9-]{1,40}$/;

/** Whether `name` follows the local cluster-name rule (see checkClusterName). */
export function isClusterName(name: unknown): name is string {
  return typeof name === "string" && NAME.test(name);
}

/**
 * The one cluster-name rule of the local target: 1 to 40 characters of [a-z0-9-]. The name
 * names the state file and the cluster's folder. Returns the name; throws INVALID_OPTION.
 */
export function checkClusterName(name: unknown): string {
  if (!isClusterName(name)) {
    throw invalid(`cluster name must be 1 to 40 characters of [a-z0-9-]; got ${JSON.stringify(name)}`);
  }
  return name;
}

/** `$DVIDCLOUD_HOME/local`, else `~/.dvidcloud/local`; or the given directory, made absolute. */
export function resolveStateDir(stateDir: string | undefined): string {
  if (stateDir !== undefined) {
    if (typeof stateDir !== "string" || stateDir === "") throw invalid(`stateDir must be a non-empty path; got ${JSON.stringify(stateDir)}`);
    return resolve(stateDir);
  }
  const home = process.env.DVIDCLOUD_HOME;
  return home ? resolve(home, "local") : join(homedir(), ".dvidcloud", "local");
}

export function resolveClusterOptions(options: LocalClusterOptions): ResolvedClusterOptions {
  if (typeof options !== "object" || options === null) throw invalid(`options must be an object; got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw invalid(`unknown local cluster option "${key}"; expected one of ${[...KEYS].join(", ")}`);
  }
  const name = checkClusterName(options.name);
  const nodes = options.nodes ?? 3;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) throw invalid(`nodes must be an integer from 1 to 16; got ${String(nodes)}`);
  const stateDir = resolveStateDir(options.stateDir);
  if (options.storeDir !== undefined && (typeof options.storeDir !== "string" || options.storeDir === "")) {
    throw invalid(`storeDir must be a non-empty path; got ${JSON.stringify(options.storeDir)}`);
  }
  const storeDir = resolve(options.storeDir ?? join(stateDir, name, "store"));
  const startTimeoutMs = options.startTimeoutMs ?? 15000;
  if (typeof startTimeoutMs !== "number" || !Number.isFinite(startTimeoutMs) || startTimeoutMs <= 0) {
    throw invalid(`startTimeoutMs must be a positive number of ms; got ${String(startTimeoutMs)}`);
  }
  for (const key of ["readersReadonly", "detached"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean") throw invalid(`${key} must be a boolean; got ${String(options[key])}`);
  }
  for (const key of ["adminToken", "note"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "string") throw invalid(`${key} must be a string; got ${typeof options[key]}`);
  }
  // Duck-typed: a signal from another realm (a test VM context) fails `instanceof AbortSignal`.
  const signal = options.signal as Partial<AbortSignal> | undefined;
  if (signal !== undefined && (typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function")) {
    throw invalid(`signal must be an AbortSignal; got ${String(signal)}`);
  }
  return {
    name,
    nodes,
    storeDir,
    stateDir,
    readersReadonly: options.readersReadonly ?? true,
    detached: options.detached ?? false,
    startTimeoutMs,
    adminToken: options.adminToken,
    note: options.note,
    signal: options.signal,
  };
}

/**
 * Rejects keys other than `allowed` in the options of `what` (e.g. "stopLocalCluster"), and
 * returns the options (an absent one reads as {}).
 */
export function checkOptionKeys<T extends object>(options: T | undefined, allowed: readonly (keyof T & string)[], what: string): T {
  if (options === undefined) return {} as T;
  if (typeof options !== "object" || options === null) throw invalid(`${what} options must be an object; got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!(allowed as readonly string[]).includes(key)) throw invalid(`unknown ${what} option "${key}"; expected one of ${allowed.join(", ")}`);
  }
  return options;
}

/** How long a stop waits after SIGTERM before SIGKILL: `timeoutMs`, default 5000. */
export function resolveStopTimeout(timeoutMs: unknown): number {
  if (timeoutMs === undefined) return DEFAULT_STOP_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw invalid(`timeoutMs must be a non-negative number of ms; got ${String(timeoutMs)}`);
  }
  return timeoutMs;
}

const DEFAULT_STOP_TIMEOUT_MS = 5000;

function invalid(message: string): LocalDvidError {
  return new LocalDvidError("INVALID_OPTION", message);
}
