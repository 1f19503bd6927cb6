// The processes of a local cluster: which process a state file's pid is, stopping nodes (SIGTERM,
// then SIGKILL after a grace period), and the heartbeat a node must answer to count as up.
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { isProcessAlive, processStartTime } from "./store/process-alive.js";

/**
 * What tells one run of a process from another with the same pid: the kernel reuses pids, and
 * a state file outlives its processes (a SIGKILL, a reboot). On Linux, the boot's id and the
 * process's start time (/proc/<pid>/stat field 22, clock ticks since boot, proc(5)); elsewhere
 * the start time `ps -o lstart=` prints. Nothing about the command line (a renamed or compiled
 * entry file is the same node). Undefined when the process is gone or cannot be asked.
 */
export function processStartToken(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (process.platform === "linux") {
    const started = processStartTime(pid);
    return started === undefined ? undefined : `linux:${started}`;
  }
  try {
    const started = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return started === "" ? undefined : `ps:${started}`;
  } catch {
    return undefined; // ps exits 1 when no such process runs
  }
}

/**
 * True when `pid` is alive and is still the process that the state file recorded, started at
 * `startToken` (from processStartToken). A pid without a token is never taken for ours: better
 * to leave a node running than to signal a stranger.
 */
export function isClusterNodeAlive(pid: number, startToken: string | undefined): boolean {
  if (startToken === undefined || !isProcessAlive(pid)) return false;
  return processStartToken(pid) === startToken;
}

export interface NodeProcess {
  readonly pid: number;
  /** What processStartToken gave right after the spawn; without it only `child` can tell. */
  readonly startToken?: string;
  /** Present when this process spawned the node: its exit event is then exact. */
  readonly child?: ChildProcess;
}

/**
 * Stops the nodes: SIGTERM to each (a local-dvid node then closes its server and store and
 * exits 0), SIGKILL to those still running after `timeoutMs`. Resolves when all are gone.
 */
export async function terminateNodes(nodes: readonly NodeProcess[], timeoutMs: number): Promise<void> {
  const running = nodes.filter((node) => isRunning(node));
  for (const node of running) signal(node.pid, "SIGTERM");
  const exited = await Promise.all(running.map((node) => waitForExit(node, timeoutMs)));
  const stubborn = running.filter((_, i) => !exited[i]);
  for (const node of stubborn) if (isRunning(node)) signal(node.pid, "SIGKILL"); // checked again: the pid is signalled only while it is still ours
  // SIGKILL cannot be caught; the wait only covers the kernel's teardown.
  await Promise.all(stubborn.map((node) => waitForExit(node, 5000)));
}

function isRunning(node: NodeProcess): boolean {
  if (node.child !== undefined) return node.child.exitCode === null && node.child.signalCode === null;
  return isClusterNodeAlive(node.pid, node.startToken);
}

/** Resolves true when the node has exited, false after `timeoutMs`. */
export async function waitForExit(node: NodeProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const child = node.child;
  if (child !== undefined) {
    if (child.exitCode !== null || child.signalCode !== null) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        child.off("exit", onExit);
        resolve(false);
      }, timeoutMs);
      const onExit = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      child.once("exit", onExit);
    });
  }
  // Not our child: no exit event, so poll.
  while (isClusterNodeAlive(node.pid, node.startToken)) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  // It has exited but may still be a zombie until its new parent (init) reaps it; give that a
  // moment so that callers see the pid gone (some inits reap on a timer: about 1 to 1.5 s was
  // measured on the project's VMs). A pid 1 that never reaps must not hang us.
  const reapDeadline = Date.now() + 3000;
  // (A zombie keeps its start time; a new process on a reused pid has another.)
  while (node.startToken !== undefined && processStartToken(node.pid) === node.startToken && Date.now() < reapDeadline) await sleep(10);
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** One `GET /api/heartbeat`: true on 200 with body `OK` (dvid-api.md §2). */
export function heartbeat(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/api/heartbeat`, { method: "GET", agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(res.statusCode === 200 && body.trim() === "OK"));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}
