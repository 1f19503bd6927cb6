// A cross-process lock on one store key, for the filesystem store. Node has no flock(2), and
// several local-dvid processes share one store directory, so a lock is a name whose creation is
// atomic and exclusive.
//
// Each process that takes locks has an owner file, `<root>/#owners/<pid>-<nonce>`, holding
// "<pid>:<nonce>:<start time>". Taking a key's lock is link(2) of the owner file to the lock's
// name: atomic, EEXIST when the lock is held, and the lock carries its owner's identity from the
// first instant (a file created with "wx" and then written is anonymous for a moment, and an
// owner killed in that moment would leave a lock nobody can attribute). link(2) also creates no
// inode: on the project's VMs (ext4) creating an inode costs about 0.5 ms, a link about 20 µs,
// and every put takes a lock.
//
// A lock is stale only when its owner is dead: its pid is gone (or a zombie), or the pid now
// belongs to another process (its start time, /proc/<pid>/stat field 22 with the boot id, is not
// the one the owner recorded: a pid reused e.g. after a container restart). A live owner keeps
// its lock however long it holds it: slow, paused (SIGSTOP) or starved, it is still inside its
// compare-and-swap, and breaking its lock would let it rename its object over a newer one when
// it resumes (an acknowledged write lost). Waiters give up with STORE_LOCK_TIMEOUT instead, which
// callers retry or answer 503. (An earlier version broke locks whose owner looked idle for 5 s;
// that lost acknowledged writes of paused or busy nodes.) Owners must therefore share one host,
// as the processes of a local cluster do.
//
// Breaking a stale lock is itself done under a second lock ("<lock>-break"), and the breaker
// re-reads the lock under it and removes it only if the same owner still holds it and is still
// dead: two processes that both saw the same stale lock can therefore not remove a fresh lock
// that a third one took in between.
import { linkSync, unlinkSync } from "node:fs";
import { link, lstat, mkdir, readFile, readdir, unlink, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalDvidError } from "../errors.js";
import { isProcessAlive, isRunAlive, processStartTime } from "./process-alive.js";

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
  readonly owner: string; // "<pid>:<nonce>:<start time>" (older owners: "<pid>:<nonce>")
  readonly pid: number;
  /** The owner's start time as it recorded it; undefined when it recorded none. */
  readonly start: string | undefined;
  readonly ino: number;
}

const OWNER_FILE = /^(\d+)-[0-9a-f]+$/;

/** The identity of one process's locks on one store directory. */
export class LockOwner {
  readonly #dir: string;
  readonly #nonce = randomBytes(6).toString("hex");
  readonly #path: string;
  #ready: Promise<number> | undefined; // resolves to the owner file's inode number
  #created = false; // the owner file exists (#ready has resolved and no dispose since)

  /** `ownersDir` must be on the same filesystem as the locks (hard links cannot cross). */
  constructor(ownersDir: string) {
    this.#dir = ownersDir;
    this.#path = join(ownersDir, `${process.pid}-${this.#nonce}`);
  }

  /** Takes the lock at `lockPath`, waiting for a live holder and breaking a stale one. */
  async acquire(lockPath: string, options: FileLockOptions): Promise<FileLock> {
    await (this.#ready ??= this.#create());
    const deadline = Date.now() + options.timeoutMs;
    let delayMs = 1;
    for (;;) {
      if (await tryLink(this.#path, lockPath)) return this.#held(lockPath);
      const holder = await readHolder(lockPath);
      if (holder === undefined) continue; // released between our attempt and the read: retry now
      if (isStale(holder)) {
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

  /**
   * Takes the lock at `lockPath` at once, with one link(2) on the calling thread, when it is free
   * and this owner has taken a lock before; undefined otherwise (then `acquire`). For a critical
   * section of a few synchronous calls (FsStore's publish of a staged object), where two trips
   * through libuv's thread pool would cost more than the section itself.
   */
  tryAcquireSync(lockPath: string): { release(): void } | undefined {
    if (!this.#created) return undefined;
    try {
      linkSync(this.#path, lockPath);
    } catch {
      return undefined; // held, or its directory is missing: acquire() waits or creates it
    }
    return {
      release(): void {
        try {
          unlinkSync(lockPath);
        } catch (err) {
          ignoreEnoent(err);
        }
      },
    };
  }

  /** Removes the owner file; call when no lock is held any more (the store is closed). */
  async dispose(): Promise<void> {
    this.#created = false;
    if (this.#ready !== undefined) await unlink(this.#path).catch(() => undefined);
    this.#ready = undefined;
  }

  async #create(): Promise<number> {
    await mkdir(this.#dir, { recursive: true });
    await removeDeadOwners(this.#dir);
    const start = processStartTime(process.pid) ?? "";
    await writeFile(this.#path, `${process.pid}:${this.#nonce}:${start}`, { flag: "wx" });
    const { ino } = await lstat(this.#path);
    this.#created = true;
    return ino;
  }

  async #breakStale(lockPath: string, stale: Holder): Promise<void> {
    const breakPath = `${lockPath}-break`;
    if (!(await tryLink(this.#path, breakPath))) {
      // Someone else is breaking it. A break lock is held for a few system calls; if its owner
      // died inside them, remove it (the residual race: two processes removing a dead breaker's
      // lock within microseconds of each other, after a process died in a window of
      // microseconds).
      const other = await readHolder(breakPath);
      if (other !== undefined && isStale(other)) await unlinkIfInode(breakPath, other.ino);
      else await sleep(1);
      return;
    }
    try {
      // A lock's inode is its owner's file, the same for every lock that owner takes: the same
      // inode may be a new, rightful lock of the same owner. So staleness is judged again, from
      // what the lock shows now; an owner that is dead is stale for all its locks.
      const current = await readHolder(lockPath);
      if (current !== undefined && current.ino === stale.ino && isStale(current)) {
        await unlink(lockPath).catch(ignoreEnoent);
      }
    } finally {
      await unlink(breakPath).catch(ignoreEnoent);
    }
  }

  #held(lockPath: string): FileLock {
    return {
      async release(): Promise<void> {
        // Nobody breaks the lock of a live owner, so it is still ours.
        await unlink(lockPath).catch(ignoreEnoent);
      },
    };
  }
}

/** A lock is stale only when its owner is dead or its pid now names another process. */
function isStale(holder: Holder): boolean {
  return !isRunAlive(holder.pid, holder.start);
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
  const [pidText, , start] = owner.split(":");
  const pid = Number.parseInt(pidText ?? "", 10);
  return { owner, pid, start, ino: stats.ino };
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
