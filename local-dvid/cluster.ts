// The local cluster: N local-dvid processes on 127.0.0.1, each on its own port, all on one store
// directory, as N DVIDs share one bucket. One topology for both targets (ARCHITECTURE.md): DVID
// loads repo metadata once and saves it whole, so several writable DVIDs on one bucket corrupt
// each other (dvid-deploy.md §4); node 0 is therefore the writer and the others are read-only
// readers.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CLI_PATH, tsxNodeArgs } from "./cluster-tsx.js";
import {
  checkClusterName,
  isClusterName,
  resolveClusterOptions,
  resolveStateDir,
  resolveStopTimeout,
  type LocalClusterOptions,
  type ResolvedClusterOptions,
} from "./cluster-options.js";
import { heartbeat, processStartToken, terminateNodes } from "./cluster-process.js";
import {
  claimStateFile,
  clusterDirPath,
  isStateLive,
  readStateFile,
  removeStateFile,
  stateFilePath,
  toState,
  writeStateFile,
  writeStoreRecord,
  type StateFileContent,
  type StateFileNode,
} from "./cluster-state.js";
import type { LocalClusterState } from "./cluster-types.js";
import { LocalDvidError, isLocalDvidError } from "./errors.js";
import { checkOptionKeys } from "./option-checks.js";

export interface LocalCluster extends LocalClusterState {
  /** URL of node 0: metadata changes and writes go here. */
  writer: string;
  /** URLs of the read-only nodes 1…N-1; never the writer (`nodes` lists all of them). */
  readers: string[];
  /** SIGTERM every node, SIGKILL after `timeoutMs` (default 5000), remove the state file. The store is kept. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** With `auth: true`: the cluster's tokens, one per role, and the file (mode 0600) the nodes read them from. */
  tokens?: LocalClusterTokens;
}

export interface LocalClusterTokens {
  readonly read: string;
  readonly write: string;
  readonly admin: string;
  /** `<stateDir>/<name>/tokens`: `role:token` lines. */
  readonly file: string;
}

/** Makes a token per role at random and writes them where only this user can read them. */
async function writeTokenFile(clusterDir: string): Promise<LocalClusterTokens> {
  const make = (): string => randomBytes(24).toString("base64url");
  const tokens = { read: make(), write: make(), admin: make(), file: join(clusterDir, "tokens") };
  await writeFile(tokens.file, `# made by the local cluster launcher at its start\nread:${tokens.read}\nwrite:${tokens.write}\nadmin:${tokens.admin}\n`, { mode: 0o600 });
  await chmod(tokens.file, 0o600); // a file left by an earlier start keeps its mode otherwise
  return tokens;
}

const STDERR_TAIL_CHARS = 2000;

interface StartedNode {
  readonly index: number;
  readonly readonly: boolean;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startToken: string | undefined;
  readonly logPath: string;
}

/**
 * Starts the nodes, waits until each answers `GET /api/heartbeat`, and records the state file.
 * Throws INVALID_OPTION, CLUSTER_EXISTS, CLUSTER_START_FAILED, or ABORTED when `signal` aborts
 * (the nodes started so far are then stopped).
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const opts = resolveClusterOptions(options);
  if (isAborted(opts.signal)) throw aborted(opts.name, 0, opts.signal?.reason);
  const stateFile = stateFilePath(opts.stateDir, opts.name);
  const content: StateFileContent = {
    format: "dvidcloud-local-cluster",
    version: 1,
    status: "starting",
    launcherPid: process.pid,
    name: opts.name,
    storeDir: opts.storeDir,
    createdAt: new Date().toISOString(),
    nodes: [],
  };
  await claimName(stateFile, content);

  const started: StartedNode[] = [];
  let tokens: LocalClusterTokens | undefined;
  try {
    const clusterDir = clusterDirPath(opts.stateDir, opts.name);
    // Kept after `down`: where the store is, so that a kept store can be listed and deleted.
    await writeStoreRecord(clusterDir, opts.name, opts.storeDir);
    const logDir = join(clusterDir, "logs");
    await mkdir(logDir, { recursive: true });
    tokens = opts.auth ? await writeTokenFile(clusterDir) : undefined;
    const deadline = Date.now() + opts.startTimeoutMs;
    if (isAborted(opts.signal)) throw new Error("aborted"); // while the files above were written: start no node
    for (let index = 0; index < opts.nodes; index++) started.push(spawnNode(index, opts, logDir, tokens?.file));
    // Record the pids before waiting, so that `stopLocalCluster(name)` from another process can
    // already find and stop them if this start hangs.
    content.nodes = started.map((node) => describeNode(node, ""));
    await writeStateFile(stateFile, content);

    content.nodes = await Promise.all(started.map((node) => waitUntilUp(node, opts, deadline)));
    content.status = "running";
    await writeStateFile(stateFile, content);
  } catch (err) {
    await terminateNodes(started, 2000).catch(() => undefined);
    await removeStateFile(stateFile, content.createdAt).catch(() => undefined);
    if (isAborted(opts.signal)) throw aborted(opts.name, started.length, opts.signal?.reason);
    if (isLocalDvidError(err, "CLUSTER_START_FAILED")) throw err;
    throw startFailed(opts.name, (err as Error).message ?? String(err), err);
  }
  if (isAborted(opts.signal)) {
    // Aborted after the last heartbeat but before the caller got the handle: nobody could stop it.
    await terminateNodes(started, 2000).catch(() => undefined);
    await removeStateFile(stateFile, content.createdAt).catch(() => undefined);
    throw aborted(opts.name, started.length, opts.signal?.reason);
  }

  for (const node of started) letGo(node, opts.detached);
  return clusterHandle(toState(content, stateFile), started, tokens);
}

/** The state of the running cluster of that name, or undefined if none runs (or its state is stale). */
export async function findLocalCluster(name: string, options?: { stateDir?: string }): Promise<LocalClusterState | undefined> {
  checkClusterName(name);
  const { stateDir } = checkOptionKeys(options, ["stateDir"], "findLocalCluster");
  const stateFile = stateFilePath(resolveStateDir(stateDir), name);
  const content = await readStateFile(stateFile);
  if (content === undefined || content.status !== "running" || !isStateLive(content)) return undefined;
  return toState(content, stateFile);
}

/** Every running local cluster in the state directory, by name. */
export async function listLocalClusters(options?: { stateDir?: string }): Promise<LocalClusterState[]> {
  const stateDir = resolveStateDir(checkOptionKeys(options, ["stateDir"], "listLocalClusters").stateDir);
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const clusters = await Promise.all(
    names
      .filter((file) => file.endsWith(".json"))
      .map((file) => file.slice(0, -".json".length))
      .filter(isClusterName)
      .map((name) => findLocalCluster(name, { stateDir })),
  );
  return clusters.filter((c): c is LocalClusterState => c !== undefined).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Stops the cluster of that name from its state file alone (as `dvidcloud down NAME` does from
 * another process): SIGTERM its nodes, SIGKILL after `timeoutMs` (default 5000), remove the
 * state file. Returns true if nodes were running, false if none were (a stale state file is
 * removed all the same). The store directory is kept.
 */
export async function stopLocalCluster(name: string, options?: { stateDir?: string; timeoutMs?: number }): Promise<boolean> {
  checkClusterName(name);
  const checked = checkOptionKeys(options, ["stateDir", "timeoutMs"], "stopLocalCluster");
  const timeoutMs = resolveStopTimeout(checked.timeoutMs);
  const stateFile = stateFilePath(resolveStateDir(checked.stateDir), name);
  const content = await readStateFile(stateFile);
  if (content === undefined) return false;
  if (content.status === "deleting") return false; // no nodes: its data is being deleted
  const live = isStateLive(content);
  // Only pids whose start token still matches are signalled (cluster-process.ts).
  await terminateNodes(content.nodes, timeoutMs);
  await removeStateFile(stateFile, content.createdAt);
  return live;
}

async function claimName(stateFile: string, content: StateFileContent): Promise<void> {
  let existing: StateFileContent | undefined;
  try {
    existing = await claimStateFile(stateFile, content);
  } catch (err) {
    throw startFailed(content.name, `cannot claim the state file ${stateFile}: ${(err as Error).message}`, err);
  }
  if (existing === undefined) return;
  if (existing.status === "deleting") {
    throw new LocalDvidError(
      "CLUSTER_EXISTS",
      `local cluster "${content.name}" is having its data deleted by process ${existing.launcherPid} (state file ${stateFile}); try again when it is done`,
    );
  }
  const pids = existing.nodes.map((n) => n.pid).join(", ") || `launcher ${existing.launcherPid}`;
  throw new LocalDvidError(
    "CLUSTER_EXISTS",
    `local cluster "${content.name}" is already running (pids ${pids}; state file ${stateFile}); stop it first or choose another name`,
  );
}

function spawnNode(index: number, opts: ResolvedClusterOptions, logDir: string, tokenFile: string | undefined): StartedNode {
  const readonly = index > 0 && opts.readersReadonly;
  const args = ["--store", opts.storeDir, "--port", "0", "--host", "127.0.0.1"];
  if (readonly) args.push("--readonly");
  if (opts.note !== undefined) args.push("--note", opts.note);
  // Without --parent-watch a detached node outlives this process; with it, a node exits when
  // its stdin (a pipe whose write end only this process holds) reaches end-of-file.
  if (!opts.detached) args.push("--parent-watch");
  // The admin token goes through the environment, as DVID's DVID_ADMIN_TOKEN does, so it does
  // not show in `ps`. An inherited token is dropped: the option alone decides.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DVID_ADMIN_TOKEN;
  if (opts.adminToken !== undefined) env.DVID_ADMIN_TOKEN = opts.adminToken;
  // Tokens likewise: only the cluster's own file (a path, not a secret, in argv) turns them on.
  delete env.DVIDCLOUD_TOKENS;
  if (tokenFile !== undefined) args.push("--token-file", tokenFile);
  // stderr goes to a log file rather than a pipe: a detached node must be able to log after
  // this process has gone, and the tail of the log explains a node that failed to start.
  const logPath = join(logDir, `node-${index}.log`);
  const logFd = openSync(logPath, "w");
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, tsxNodeArgs(CLI_PATH, args), {
      stdio: [opts.detached ? "ignore" : "pipe", "pipe", logFd],
      detached: opts.detached,
      env,
    });
  } finally {
    closeSync(logFd);
  }
  child.on("error", () => undefined); // reported through the exit wait below
  if (child.pid === undefined) {
    throw startFailed(opts.name, `node ${index} could not be spawned (${process.execPath})`);
  }
  // Taken now, while the new process is certainly ours: later, with the pid alone, a process
  // that got the pid after ours exited could not be told apart from it.
  return { index, readonly, child, pid: child.pid, startToken: processStartToken(child.pid), logPath };
}

/** Resolves with the node's description once it listens and answers its heartbeat. */
async function waitUntilUp(node: StartedNode, opts: ResolvedClusterOptions, deadline: number): Promise<StateFileNode> {
  const stop = new AbortController();
  const failure = new Promise<never>((_, reject) => {
    const fail = (why: string, cause?: unknown): void => reject(startFailed(opts.name, `node ${node.index} (pid ${node.pid}) ${why}${stderrTail(node)}`, cause));
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${signal ?? `code ${code}`}) before it answered its heartbeat`);
    // The caller turns this into ABORTED once every node is stopped.
    const onAbort = (): void => fail("was stopped: the start was aborted", opts.signal?.reason);
    const timer = setTimeout(() => fail(`did not answer GET /api/heartbeat within ${opts.startTimeoutMs} ms`), Math.max(0, deadline - Date.now()));
    node.child.once("exit", onExit);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    stop.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      node.child.off("exit", onExit);
      opts.signal?.removeEventListener("abort", onAbort);
    });
    if (node.child.exitCode !== null || node.child.signalCode !== null) onExit(node.child.exitCode, node.child.signalCode);
    if (isAborted(opts.signal)) onAbort(); // aborted before the listener was added: no event comes
  });
  failure.catch(() => undefined); // raced below; never left unhandled
  try {
    const url = await Promise.race([listeningUrl(node), failure]);
    for (;;) {
      if (await Promise.race([heartbeat(url, 1000), failure])) return describeNode(node, url);
      await Promise.race([sleep(20), failure]);
    }
  } finally {
    stop.abort();
  }
}

/** The URL from the node's one stdout line `{"event":"listening","url":…,"pid":…}`. */
function listeningUrl(node: StartedNode): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const stdout = node.child.stdout!;
    stdout.setEncoding("utf8");
    const onData = (chunk: string): void => {
      text += chunk;
      let newline: number;
      while ((newline = text.indexOf("\n")) !== -1) {
        const line = text.slice(0, newline);
        text = text.slice(newline + 1);
        try {
          const event = JSON.parse(line) as { event?: string; url?: unknown };
          if (event.event === "listening" && typeof event.url === "string") {
            stdout.off("data", onData);
            resolve(event.url.replace(/\/$/, ""));
            return;
          }
        } catch {
          // not the line we are waiting for
        }
      }
    };
    stdout.on("data", onData);
  });
}

function describeNode(node: StartedNode, url: string): StateFileNode {
  const port = url === "" ? 0 : Number(new URL(url).port);
  const described: StateFileNode = { index: node.index, role: node.index === 0 ? "writer" : "reader", url, port, pid: node.pid, readonly: node.readonly };
  if (node.startToken !== undefined) described.startToken = node.startToken;
  return described;
}

/** After start: nothing of ours keeps this process alive, and a detached node is cut loose. */
function letGo(node: StartedNode, detached: boolean): void {
  const stdout = node.child.stdout as (NodeJS.ReadableStream & { unref?: () => void; destroy?: () => void }) | null;
  if (detached) {
    stdout?.destroy?.();
  } else {
    stdout?.resume();
    stdout?.unref?.();
    (node.child.stdin as { unref?: () => void } | null)?.unref?.();
  }
  node.child.unref();
}

function clusterHandle(state: LocalClusterState, started: readonly StartedNode[], tokens: LocalClusterTokens | undefined): LocalCluster {
  let stopping: Promise<void> | undefined;
  return {
    ...state,
    ...(tokens === undefined ? {} : { tokens }),
    writer: state.nodes[0]!.url,
    readers: state.nodes.slice(1).map((node) => node.url),
    stop(options?: { timeoutMs?: number }): Promise<void> {
      const timeoutMs = resolveStopTimeout(checkOptionKeys(options, ["timeoutMs"], "stop").timeoutMs);
      stopping ??= (async () => {
        await terminateNodes(started, timeoutMs);
        await removeStateFile(state.stateFile, state.createdAt);
      })();
      return stopping;
    },
  };
}

function stderrTail(node: StartedNode): string {
  try {
    const text = readFileSync(node.logPath, "utf8").trimEnd();
    if (text === "") return "; its stderr was empty";
    return `; its stderr ends with:\n${text.slice(-STDERR_TAIL_CHARS)}`;
  } catch {
    return "";
  }
}

function startFailed(name: string, why: string, cause?: unknown): LocalDvidError {
  return new LocalDvidError("CLUSTER_START_FAILED", `local cluster "${name}" did not start: ${why}`, { cause });
}

function aborted(name: string, started: number, cause: unknown): LocalDvidError {
  const stopped = started === 0 ? "no node had been started" : `the ${started} node(s) started so far were stopped`;
  return new LocalDvidError("ABORTED", `local cluster "${name}" was not started: the start was aborted; ${stopped}`, { cause });
}

/** A function, not `signal.aborted` inline: TypeScript would narrow it to false after a first check. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
