// Whether a process id names a running process on this host. Lock files of the filesystem store
// and the state files of local clusters record the pid of their owner; a dead owner is how a
// lock or a cluster is known to be stale.
import { readFileSync } from "node:fs";

/**
 * True when `pid` is a live process. A zombie (exited, not yet reaped by its parent: in a
 * container whose pid 1 does not reap, orphans stay zombies forever) counts as dead, because
 * `kill(pid, 0)` succeeds on zombies although they will never release anything.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/**
 * What tells one run of a process from another with the same pid (pids are reused, e.g. after a
 * container restart): on Linux the boot id and the start time in clock ticks since boot
 * (/proc/<pid>/stat field 22); undefined elsewhere or when the process is gone.
 */
export function processStartTime(pid: number): string | undefined {
  if (process.platform !== "linux" || !Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Fields after the last ")" start at field 3 (state); the start time is field 22.
    const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[22 - 3];
    return ticks === undefined ? undefined : `${bootId()}.${ticks}`;
  } catch {
    return undefined;
  }
}

/**
 * This process's identity for locks and in-flight markers in a shared store: "<pid>:<start>"
 * (just "<pid>" where start times cannot be read).
 */
export const PROCESS_TOKEN = ((): string => {
  const start = processStartTime(process.pid);
  return start === undefined ? String(process.pid) : `${process.pid}:${start}`;
})();

/**
 * Whether the process a token names (see PROCESS_TOKEN) still runs: its pid is alive and, when
 * the token has a start time, the pid's start time is the same (not a reused pid).
 */
export function isTokenAlive(token: string): boolean {
  const colon = token.indexOf(":");
  return colon < 0 ? isProcessAlive(Number(token)) : isRunAlive(Number(token.slice(0, colon)), token.slice(colon + 1));
}

/**
 * Whether `pid` is alive and, when `start` (its processStartTime, as recorded) is given, is still
 * that run of it, not a reused pid. An empty or unknown start time leaves the pid alone to decide.
 */
export function isRunAlive(pid: number, start: string | undefined): boolean {
  if (!isProcessAlive(pid)) return false;
  if (start === undefined || start === "") return true;
  const now = processStartTime(pid);
  return now === undefined || now === start;
}

let cachedBootId: string | undefined;

function bootId(): string {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      cachedBootId = "";
    }
  }
  return cachedBootId;
}

function isZombie(pid: number): boolean {
  if (process.platform !== "linux") return false;
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may contain spaces and parentheses, so the state
    // is the first field after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false; // gone between the two checks (then kill would fail next time) or no /proc
  }
}
