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
