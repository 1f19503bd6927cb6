// The processes of a local cluster: is a pid still one of our nodes, stopping nodes (SIGTERM,
// then SIGKILL after a grace period), and the heartbeat a node must answer to count as up.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { isProcessAlive } from "./store/process-alive.js";

/**
 * True when `pid` is alive and, where /proc can tell (Linux), is a local-dvid node on
 * `storeDir`. A state file outlives its processes (a reboot, a SIGKILL), and the kernel reuses
 * pids: signalling a pid from an old state file without this check could kill a stranger.
 */
export function isClusterNodeAlive(pid: number, storeDir: string): boolean {
  if (!isProcessAlive(pid)) return false;
  if (process.platform !== "linux") return true;
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return false; // exited between the two checks
  }
  const store = args.indexOf("--store");
  return args.some((a) => a.endsWith("cli.ts")) && store !== -1 && args[store + 1] === storeDir;
}

export interface NodeProcess {
  readonly pid: number;
  /** Present when this process spawned the node: its exit event is then exact. */
  readonly child?: ChildProcess;
}

/**
 * Stops the nodes: SIGTERM to each (a local-dvid node then closes its server and store and
 * exits 0), SIGKILL to those still running after `timeoutMs`. Resolves when all are gone.
 */
export async function terminateNodes(nodes: readonly NodeProcess[], storeDir: string, timeoutMs: number): Promise<void> {
  const running = nodes.filter((node) => isRunning(node, storeDir));
  for (const node of running) signal(node.pid, "SIGTERM");
  const exited = await Promise.all(running.map((node) => waitForExit(node, storeDir, timeoutMs)));
  const stubborn = running.filter((_, i) => !exited[i]);
  for (const node of stubborn) signal(node.pid, "SIGKILL");
  // SIGKILL cannot be caught; the wait only covers the kernel's teardown.
  await Promise.all(stubborn.map((node) => waitForExit(node, storeDir, 5000)));
}

function isRunning(node: NodeProcess, storeDir: string): boolean {
  if (node.child !== undefined) return node.child.exitCode === null && node.child.signalCode === null;
  return isClusterNodeAlive(node.pid, storeDir);
}

/** Resolves true when the node has exited, false after `timeoutMs`. */
export async function waitForExit(node: NodeProcess, storeDir: string, timeoutMs: number): Promise<boolean> {
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
  while (isClusterNodeAlive(node.pid, storeDir)) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  // It has exited but may still be a zombie until its new parent (init) reaps it; give that a
  // moment so that callers see the pid gone (some inits reap on a timer: about 1 to 1.5 s was
  // measured on the project's VMs). A pid 1 that never reaps must not hang us.
  const reapDeadline = Date.now() + 3000;
  while (pidExists(node.pid) && Date.now() < reapDeadline) await sleep(10);
  return true;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
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
