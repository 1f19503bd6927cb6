// The local cluster: N local-dvid processes on 127.0.0.1, each on its own port, all on one store
// directory, as N DVIDs share one bucket. One topology for both targets (ARCHITECTURE.md): DVID
// loads repo metadata once and saves it whole, so several writable DVIDs on one bucket corrupt
// each other (dvid-deploy.md §4); node 0 is therefore the writer and the others are read-only
// readers. `readers` lists every node that may serve reads, the writer included.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CLI_PATH, tsxNodeArgs } from "./cluster-tsx.js";
import { checkClusterName, resolveClusterOptions, resolveStateDir, type LocalClusterOptions, type ResolvedClusterOptions } from "./cluster-options.js";
import { heartbeat, terminateNodes } from "./cluster-process.js";
import {
  claimStateFile,
  isStateLive,
  readStateFile,
  removeStateFile,
  stateFilePath,
  toState,
  writeStateFile,
  type LocalClusterNode,
  type LocalClusterState,
  type StateFileContent,
} from "./cluster-state.js";
import { LocalDvidError, isLocalDvidError } from "./errors.js";

export type { LocalClusterOptions } from "./cluster-options.js";
export type { LocalClusterNode, LocalClusterState } from "./cluster-state.js";

export interface LocalCluster extends LocalClusterState {
  /** URL of node 0: metadata changes and writes go here. */
  writer: string;
  /** URLs of every node that may serve reads, the writer included. */
  readers: string[];
  /** SIGTERM every node, SIGKILL after `timeoutMs` (default 5000), remove the state file. The store is kept. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

const DEFAULT_STOP_TIMEOUT_MS = 5000;
const STDERR_TAIL_CHARS = 2000;

interface StartedNode {
  readonly index: number;
  readonly readonly: boolean;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logPath: string;
}

/** Starts the nodes, waits until each answers `GET /api/heartbeat`, and records the state file. */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const opts = resolveClusterOptions(options);
  if (opts.signal?.aborted) throw startFailed(opts.name, "the start was aborted before it began", opts.signal.reason);
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
  try {
    const logDir = join(opts.stateDir, opts.name, "logs");
    await mkdir(logDir, { recursive: true });
    const deadline = Date.now() + opts.startTimeoutMs;
    for (let index = 0; index < opts.nodes; index++) started.push(spawnNode(index, opts, logDir));
    // Record the pids before waiting, so that `stopLocalCluster(name)` from another process can
    // already find and stop them if this start hangs.
    content.nodes = started.map((node) => describeNode(node, ""));
    await writeStateFile(stateFile, content);

    content.nodes = await Promise.all(started.map((node) => waitUntilUp(node, opts, deadline)));
    content.status = "running";
    await writeStateFile(stateFile, content);
  } catch (err) {
    await terminateNodes(started, opts.storeDir, 2000).catch(() => undefined);
    await removeStateFile(stateFile, content.createdAt).catch(() => undefined);
    if (isLocalDvidError(err, "CLUSTER_START_FAILED")) throw err;
    throw startFailed(opts.name, (err as Error).message ?? String(err), err);
  }

  for (const node of started) letGo(node, opts.detached);
  return clusterHandle(toState(content, stateFile), started);
}

/** The state of the running cluster of that name, or undefined if none runs (or its state is stale). */
export async function findLocalCluster(name: string, options: { stateDir?: string } = {}): Promise<LocalClusterState | undefined> {
  checkClusterName(name);
  const stateFile = stateFilePath(resolveStateDir(options.stateDir), name);
  const content = await readStateFile(stateFile);
  if (content === undefined || content.status !== "running" || !isStateLive(content)) return undefined;
  return toState(content, stateFile);
}

/** Every running local cluster in the state directory, by name. */
export async function listLocalClusters(options: { stateDir?: string } = {}): Promise<LocalClusterState[]> {
  const stateDir = resolveStateDir(options.stateDir);
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const clusters = await Promise.all(
    names
      .map((file) => /^([a-z0-9-]{1,40})\.json$/.exec(file)?.[1])
      .filter((name): name is string => name !== undefined)
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
export async function stopLocalCluster(name: string, options: { stateDir?: string; timeoutMs?: number } = {}): Promise<boolean> {
  checkClusterName(name);
  const timeoutMs = checkTimeout(options.timeoutMs);
  const stateFile = stateFilePath(resolveStateDir(options.stateDir), name);
  const content = await readStateFile(stateFile);
  if (content === undefined) return false;
  const live = isStateLive(content);
  await terminateNodes(
    content.nodes.map((node) => ({ pid: node.pid })),
    content.storeDir,
    timeoutMs,
  );
  await removeStateFile(stateFile, content.createdAt);
  return live;
}

async function claimName(stateFile: string, content: StateFileContent): Promise<void> {
  // A few rounds: a stale file is removed, then the claim is retried (another launcher may
  // win the name in between, and is then reported as running).
  for (let attempt = 0; attempt < 5; attempt++) {
    let existing: StateFileContent | undefined;
    try {
      existing = await claimStateFile(stateFile, content);
    } catch (err) {
      throw startFailed(content.name, `cannot write the state file ${stateFile}: ${(err as Error).message}`, err);
    }
    if (existing === undefined) return;
    if (isStateLive(existing)) {
      const pids = existing.nodes.map((n) => n.pid).join(", ") || `launcher ${existing.launcherPid}`;
      throw new LocalDvidError(
        "CLUSTER_EXISTS",
        `local cluster "${content.name}" is already running (pids ${pids}; state file ${stateFile}); stop it first or choose another name`,
      );
    }
    await removeStateFile(stateFile, existing.createdAt);
  }
  throw startFailed(content.name, `could not claim the state file ${stateFile}: other launchers keep replacing it`);
}

function spawnNode(index: number, opts: ResolvedClusterOptions, logDir: string): StartedNode {
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
  return { index, readonly, child, pid: child.pid, logPath };
}

/** Resolves with the node's description once it listens and answers its heartbeat. */
async function waitUntilUp(node: StartedNode, opts: ResolvedClusterOptions, deadline: number): Promise<LocalClusterNode> {
  const stop = new AbortController();
  const failure = new Promise<never>((_, reject) => {
    const fail = (why: string, cause?: unknown): void => reject(startFailed(opts.name, `node ${node.index} (pid ${node.pid}) ${why}${stderrTail(node)}`, cause));
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited (${signal ?? `code ${code}`}) before it answered its heartbeat`);
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

function describeNode(node: StartedNode, url: string): LocalClusterNode {
  const port = url === "" ? 0 : Number(new URL(url).port);
  return { index: node.index, role: node.index === 0 ? "writer" : "reader", url, port, pid: node.pid, readonly: node.readonly };
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

function clusterHandle(state: LocalClusterState, started: readonly StartedNode[]): LocalCluster {
  let stopping: Promise<void> | undefined;
  return {
    ...state,
    writer: state.nodes[0]!.url,
    readers: state.nodes.map((node) => node.url),
    stop(options: { timeoutMs?: number } = {}): Promise<void> {
      const timeoutMs = checkTimeout(options.timeoutMs);
      stopping ??= (async () => {
        await terminateNodes(started, state.storeDir, timeoutMs);
        await removeStateFile(state.stateFile, state.createdAt);
      })();
      return stopping;
    },
  };
}

function checkTimeout(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return DEFAULT_STOP_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new LocalDvidError("INVALID_OPTION", `timeoutMs must be a non-negative number of ms; got ${String(timeoutMs)}`);
  }
  return timeoutMs;
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
