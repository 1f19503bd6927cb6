// The options of a local cluster: the interface, its defaults, and their validation (resolved
// once, with local-dvid's one option-checking kit, option-checks.ts), and the cluster-name rule.
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { checkBoolean, checkIntegerIn, checkMs, checkOptionKeys, checkSignal, checkString, describeValue, invalidOption } from "./option-checks.js";

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
  /**
   * Turn tokens on: a read, a write and an admin token are made at random, written to
   * `<stateDir>/<name>/tokens` (mode 0600) and given to every node with `--token-file`; the
   * cluster handle's `tokens` has them. Default false (no token needed).
   */
  auth?: boolean;
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
  readonly auth: boolean;
  readonly note?: string;
  readonly signal?: AbortSignal;
}

const KEYS: readonly (keyof LocalClusterOptions)[] = [
  "name",
  "nodes",
  "storeDir",
  "stateDir",
  "readersReadonly",
  "detached",
  "startTimeoutMs",
  "adminToken",
  "auth",
  "note",
  "signal",
];

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
    throw invalidOption(`cluster name must be 1 to 40 characters of [a-z0-9-]; got ${describeValue(name)}`);
  }
  return name;
}

/** `$DVIDCLOUD_HOME/local`, else `~/.dvidcloud/local`; or the given directory, made absolute. */
export function resolveStateDir(stateDir: unknown): string {
  const given = checkString(stateDir, "stateDir", { nonEmpty: true });
  if (given !== undefined) return resolve(given);
  const home = process.env.DVIDCLOUD_HOME;
  return home ? resolve(home, "local") : join(homedir(), ".dvidcloud", "local");
}

export function resolveClusterOptions(options: LocalClusterOptions): ResolvedClusterOptions {
  checkOptionKeys(options, KEYS, "local cluster");
  const name = checkClusterName(options.name);
  const stateDir = resolveStateDir(options.stateDir);
  return {
    name,
    nodes: checkIntegerIn(options.nodes, "nodes", 1, 16) ?? 3,
    storeDir: resolve(checkString(options.storeDir, "storeDir", { nonEmpty: true }) ?? join(stateDir, name, "store")),
    stateDir,
    readersReadonly: checkBoolean(options.readersReadonly, "readersReadonly") ?? true,
    detached: checkBoolean(options.detached, "detached") ?? false,
    startTimeoutMs: checkMs(options.startTimeoutMs, "startTimeoutMs") ?? 15000,
    adminToken: checkString(options.adminToken, "adminToken"),
    auth: checkBoolean(options.auth, "auth") ?? false,
    note: checkString(options.note, "note"),
    signal: checkSignal(options.signal),
  };
}

/** How long a stop waits after SIGTERM before SIGKILL: `timeoutMs`, default 5000. */
export function resolveStopTimeout(timeoutMs: unknown): number {
  return checkMs(timeoutMs, "timeoutMs", { zeroOk: true }) ?? 5000;
}
