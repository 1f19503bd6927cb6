// A cross-process lock on one store key, for the filesystem store. Node has no flock(2), and
// several local-dvid processes share one store directory, so a lock is a name whose creation is
// atomic and exclusive.
//
// Each process that takes locks has an owner file, `<root>/#owners/<pid>-<nonce>`, holding
// "<pid>:<nonce>". Taking a key's lock is link(2) of the owner file to the lock's name: atomic,
// EEXIST when the lock is held, and the lock carries its owner's identity from the first instant
// (a file created with "wx" and then written is anonymous for a moment, and an owner killed in
// that moment would leave a lock nobody can attribute). link(2) also creates no inode: on the
// project's VMs (ext4) creating an inode costs about 0.5 ms, a link about 20 µs, and every put
// takes a lock.
//
// A lock is stale when its owner pid is dead, or when its owner file was not touched for
// `staleMs`: a live owner touches it every staleMs / 3 (a lock is a hard link of the owner file,
// so it shares that mtime), so only a stuck process or a pid reused by an unrelated process
// (e.g. after a container restart) ages out. Breaking a stale lock is itself done under a second
// lock ("<lock>-break"), and the breaker re-reads the lock under it and removes it only if the
// same owner still holds it and is still stale: two processes that both saw the same stale lock
// can therefore not remove a fresh lock that a third one took in between, and a lock released
// and taken again by a live owner is never broken (a lock's inode is its owner's, so the inode
// alone cannot tell one taking of the lock from the next).
import { link, lstat, mkdir, readFile, readdir, unlink, utimes, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalDvidError } from "../errors.js";
import { isProcessAlive } from "./process-alive.js";

export interface FileLockOptions {
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
  readonly owner: string; // "<pid>:<nonce>"
  readonly pid: number;
  readonly ino: number;
  readonly mtimeMs: number;
}

const OWNER_FILE = /^(\d+)-[0-9a-f]+$/;

/** The identity of one process's locks on one store directory. */
export class LockOwner {
  readonly #dir: string;
  readonly #staleMs: number;
  readonly #owner = `${process.pid}:${randomBytes(6).toString("hex")}`;
  readonly #path: string;
  #ready: Promise<number> | undefined; // resolves to the owner file's inode number
  #heartbeat: NodeJS.Timeout | undefined;

  /** `ownersDir` must be on the same filesystem as the locks (hard links cannot cross). */
  constructor(ownersDir: string, staleMs: number) {
    this.#dir = ownersDir;
    this.#staleMs = staleMs;
    this.#path = join(ownersDir, this.#owner.replace(":", "-"));
  }

  /** Takes the lock at `lockPath`, waiting for a live holder and breaking a stale one. */
  async acquire(lockPath: string, options: FileLockOptions): Promise<FileLock> {
    const ino = await (this.#ready ??= this.#create());
    const deadline = Date.now() + options.timeoutMs;
    let delayMs = 1;
    for (;;) {
      if (await tryLink(this.#path, lockPath)) return this.#held(lockPath, ino);
      const holder = await readHolder(lockPath);
      if (holder === undefined) continue; // released between our attempt and the read: retry now
      if (this.#isStale(holder)) {
        await this.#breakStale(lockPath, holder);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new LocalDvidError(
          "STORE_LOCK_TIMEOUT",
          `the lock of ${options.what} is still held by live process ${holder.pid} after ${options.timeoutMs} ms; expected it to be released`,
        );
      }
      // Holders keep a lock for one object write (about a millisecond), so poll fast first and
      // back off with jitter so that waiters do not move in lockstep.
      await sleep(delayMs * (0.5 + Math.random()));
      delayMs = Math.min(delayMs * 2, 25);
    }
  }

  /** Removes the owner file; call when no lock is held any more (the store is closed). */
  async dispose(): Promise<void> {
    clearInterval(this.#heartbeat);
    if (this.#ready !== undefined) await unlink(this.#path).catch(() => undefined);
    this.#ready = undefined;
  }

  async #create(): Promise<number> {
    await mkdir(this.#dir, { recursive: true });
    await removeDeadOwners(this.#dir);
    await writeFile(this.#path, this.#owner, { flag: "wx" });
    // The owner file's mtime is this process's heartbeat, seen through every lock it holds.
    // The timer is unref'd: an open store must not keep a process alive.
    this.#heartbeat = setInterval(() => {
      const now = new Date();
      utimes(this.#path, now, now).catch(() => undefined);
    }, this.#staleMs / 3);
    this.#heartbeat.unref();
    return (await lstat(this.#path)).ino;
  }

  #isStale(holder: Holder): boolean {
    return !isProcessAlive(holder.pid) || Date.now() - holder.mtimeMs > this.#staleMs;
  }

  async #breakStale(lockPath: string, stale: Holder): Promise<void> {
    const breakPath = `${lockPath}-break`;
    if (!(await tryLink(this.#path, breakPath))) {
      // Someone else is breaking it. A break lock is held for a few system calls; if its owner
      // died inside them, remove it (the residual race: two processes removing a dead breaker's
      // lock within microseconds of each other, after a process died in a window of
      // microseconds).
      const other = await readHolder(breakPath);
      if (other !== undefined && this.#isStale(other)) await unlinkIfInode(breakPath, other.ino);
      else await sleep(1);
      return;
    }
    try {
      // A lock's inode is its owner's file, the same for every lock that owner takes: the same
      // inode may be a new, rightful lock of the same owner. So staleness is judged again, from
      // what the lock shows now; an owner that is dead or silent is stale for all its locks.
      const current = await readHolder(lockPath);
      if (current !== undefined && current.ino === stale.ino && this.#isStale(current)) {
        await unlink(lockPath).catch(ignoreEnoent);
      }
    } finally {
      await unlink(breakPath).catch(ignoreEnoent);
    }
  }

  #held(lockPath: string, ino: number): FileLock {
    const acquiredAt = Date.now();
    const staleMs = this.#staleMs;
    return {
      async release(): Promise<void> {
        // If the event loop stalled for longer than staleMs, another process may have broken
        // the lock and taken it: only remove it if it is still ours. Otherwise skip the check.
        if (Date.now() - acquiredAt > staleMs / 2) await unlinkIfInode(lockPath, ino);
        else await unlink(lockPath).catch(ignoreEnoent);
      },
    };
  }
}

async function tryLink(ownerPath: string, lockPath: string): Promise<boolean> {
  try {
    await link(ownerPath, lockPath);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "ENOENT") throw err;
  }
  // The key's directory does not exist yet (first object under this prefix).
  await mkdir(dirname(lockPath), { recursive: true });
  return tryLink(ownerPath, lockPath);
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  let stats;
  try {
    stats = await lstat(lockPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  // Gone between the lstat and the read: released this instant, so there is no holder (reading
  // it as a holder with no live pid would call a lock stale that its owner may have taken again
  // by the time the breaker looks). Any other failure, or content that names no pid, is
  // something that is not a live lock: it reads as stale.
  let owner: string;
  try {
    owner = await readFile(lockPath, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    owner = "";
  }
  const pid = Number.parseInt(owner.slice(0, owner.indexOf(":")), 10);
  return { owner, pid, ino: stats.ino, mtimeMs: stats.mtimeMs };
}

async function unlinkIfInode(path: string, ino: number): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats?.ino === ino) await unlink(path).catch(ignoreEnoent);
}

/** Owner files of dead processes (killed without closing their store) are litter: remove them. */
async function removeDeadOwners(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = OWNER_FILE.exec(name)?.[1];
    if (pid !== undefined && !isProcessAlive(Number(pid))) await unlink(join(dir, name)).catch(() => undefined);
  }
}

function ignoreEnoent(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
}
