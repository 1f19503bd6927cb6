// A cross-process lock on one store key, for the filesystem store. Node has no flock(2), and
// several local-dvid processes share one store directory, so the lock is a file whose creation
// is atomic and exclusive.
//
// The lock is a symbolic link whose target text is "<pid>:<token>". symlink(2) creates the link
// and its content in one system call and fails with EEXIST when the name exists, so there is no
// moment when the lock exists without its owner written in it (a file created with "wx" and then
// written has such a moment, and an owner killed inside it would leave an anonymous lock).
// Acquiring costs one system call and releasing one more, which matters: every put takes it.
//
// A lock is stale when its owner pid is dead, or when the link was not touched for `staleMs`
// (owners refresh its mtime every staleMs / 3 while they hold it, so a live owner is never
// broken; the age rule covers a pid reused by an unrelated process, e.g. after a container
// restart). Breaking a stale lock is itself done under a second lock ("<lock>-break"), and the
// breaker re-reads the lock under it and removes it only if it still carries the stale token: two
// processes that both saw the same stale lock can therefore not remove a fresh lock that a third
// one took in between.
import { lstat, lutimes, mkdir, readlink, symlink, unlink } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalDvidError } from "../errors.js";
import { isProcessAlive } from "./process-alive.js";

export interface FileLockOptions {
  /** A lock not refreshed for this long is stale even if its pid looks alive (ms). */
  readonly staleMs: number;
  /** Give up with STORE_LOCK_TIMEOUT after waiting this long for a live owner (ms). */
  readonly timeoutMs: number;
  /** Names the locked thing in error messages. */
  readonly what: string;
}

export interface FileLock {
  /** Removes the lock (only if it is still ours). */
  release(): Promise<void>;
}

interface Holder {
  readonly owner: string; // the link's text, "<pid>:<token>"
  readonly pid: number;
  readonly mtimeMs: number;
}

// One random nonce per process plus a counter make every acquisition's token unique, so a lock
// can be told apart from a later lock of the same pid.
const NONCE = randomBytes(6).toString("hex");
let counter = 0;

export async function acquireFileLock(lockPath: string, options: FileLockOptions): Promise<FileLock> {
  const owner = `${process.pid}:${NONCE}.${(counter++).toString(36)}`;
  const deadline = Date.now() + options.timeoutMs;
  let delayMs = 1;
  for (;;) {
    if (await tryCreate(lockPath, owner)) return heldLock(lockPath, owner, options.staleMs);
    const holder = await readHolder(lockPath);
    if (holder === undefined) continue; // released between our attempt and the read: retry now
    if (isStale(holder, options.staleMs)) {
      await breakStaleLock(lockPath, holder, options);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LocalDvidError(
        "STORE_LOCK_TIMEOUT",
        `the lock of ${options.what} is still held by live process ${holder.pid} after ${options.timeoutMs} ms; expected it to be released`,
      );
    }
    // Holders keep a lock for one object write (well under a millisecond for small objects),
    // so poll fast first and back off with jitter so that waiters do not move in lockstep.
    await sleep(delayMs * (0.5 + Math.random()));
    delayMs = Math.min(delayMs * 2, 25);
  }
}

async function tryCreate(lockPath: string, owner: string): Promise<boolean> {
  try {
    await symlink(owner, lockPath);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "ENOENT") throw err;
  }
  // The key's directory does not exist yet (first object under this prefix).
  await mkdir(dirname(lockPath), { recursive: true });
  return tryCreate(lockPath, owner);
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  try {
    const [owner, stats] = await Promise.all([readlink(lockPath), lstat(lockPath)]);
    const pid = Number.parseInt(owner.slice(0, owner.indexOf(":")), 10);
    return { owner, pid, mtimeMs: stats.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function isStale(holder: Holder, staleMs: number): boolean {
  return !isProcessAlive(holder.pid) || Date.now() - holder.mtimeMs > staleMs;
}

async function breakStaleLock(lockPath: string, stale: Holder, options: FileLockOptions): Promise<void> {
  const breakPath = `${lockPath}-break`;
  const breaker = `${process.pid}:${NONCE}.${(counter++).toString(36)}`;
  if (!(await tryCreate(breakPath, breaker))) {
    // Someone else is breaking it. Their break lock is held for a few system calls; if its
    // owner died inside them, remove it (the residual race is two processes both removing a
    // dead breaker's lock within microseconds of each other, after a process died in a
    // window of microseconds).
    const other = await readHolder(breakPath);
    if (other !== undefined && isStale(other, options.staleMs)) await unlinkIfOwned(breakPath, other.owner);
    else await sleep(1);
    return;
  }
  try {
    const current = await readHolder(lockPath);
    if (current !== undefined && current.owner === stale.owner) await unlink(lockPath).catch(ignoreEnoent);
  } finally {
    await unlink(breakPath).catch(ignoreEnoent);
  }
}

function heldLock(lockPath: string, owner: string, staleMs: number): FileLock {
  const acquiredAt = Date.now();
  // Refresh the link's mtime while held, so that a slow put (a huge object with fsync) is not
  // taken for a dead one. The timer is unref'd: a held lock must not keep a process alive.
  let refresher: NodeJS.Timeout | undefined;
  const refresh = (): void => {
    refresher = setTimeout(() => {
      const now = new Date();
      lutimes(lockPath, now, now).catch(() => undefined);
      refresh();
    }, staleMs / 3);
    refresher.unref();
  };
  refresh();
  return {
    async release(): Promise<void> {
      clearTimeout(refresher);
      // If the event loop stalled for longer than staleMs, another process may have broken the
      // lock and taken it: only remove it if it is still ours. Otherwise skip the extra read.
      if (Date.now() - acquiredAt > staleMs / 2) await unlinkIfOwned(lockPath, owner);
      else await unlink(lockPath).catch(ignoreEnoent);
    },
  };
}

async function unlinkIfOwned(path: string, owner: string): Promise<void> {
  const current = await readHolder(path);
  if (current?.owner === owner) await unlink(path).catch(ignoreEnoent);
}

function ignoreEnoent(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
}
