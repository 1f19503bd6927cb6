// The filesystem ObjectStore: the default store of local-dvid. Every node of a local cluster opens
// the same directory, as every DVID of a GCP cluster opens the same bucket (dvid-deploy.md §4),
// so everything below must hold across processes, not only across async tasks of one process.
//
// Layout. Key "a/b/c" is the file <root>/a#/b#/c: key segments become path segments, and the
// directory that holds the keys below a segment carries a "#" suffix. "#" is outside the key
// alphabet (keys.ts), so a key "a" and keys under "a/" coexist, as in a bucket, and nothing the
// store keeps beside the objects can be taken for one:
//   <seg>                    the object (header + bytes)
//   <seg>#                   directory of the keys below "<seg>/"
//   <seg>#lock               the key's lock, a hard link of its owner's file (fs-key-lock.ts)
//   <seg>#tmp.<pid>.<n>      a put in progress or a staged object (or left by a killed writer)
//   <root>/#owners/          one file per process that takes locks (fs-key-lock.ts)
//
// Object file. A 24-byte header, then the bytes: "LDVO", uint32 format version (1), the
// generation as uint64 LE, the byte length as uint64 LE. Keeping the generation inside the file
// means the object and its generation are replaced together by one rename, so no reader can pair
// new bytes with an old generation; the length makes a file that is shorter than it claims
// (a crash of the machine, not of the process, with fsync off) detectable as CORRUPT_OBJECT.
//
// Atomic replacement. A put writes a temp file in the object's directory and renames it over the
// object. rename(2) within one filesystem atomically swaps the directory entry, so a reader's
// open() gets either the old inode or the new one, and a file is never written after its rename:
// a reader sees the old or the new object, never a torn one, even if the writer is SIGKILLed at
// any instruction (the temp file then stays behind, unlisted; list() removes those of dead pids).
//
// Conditional writes. Every put and delete of a key (conditional or not) runs under the key's
// lock: a per-key promise chain inside the process, then the cross-process lock file. Under it
// the writer reads the current generation, checks `ifGenerationMatch`, and renames the new file
// into place; no other mutation of that key can happen between the check and the rename, so a
// compare-and-swap is atomic with respect to every other put/delete from any process. Readers take
// no lock (rename makes them safe).
//
// Staging. `stage` writes the temp file (header with the clock's generation at staging) and
// returns; `publish` takes the key's lock, checks ifGenerationMatch and renames the temp file into
// place: a put split in two, with nothing visible in between. The staged generation stands when
// it is above the current object's (then it is above every generation the key had, as below);
// otherwise, or when no object exists (a key deleted meanwhile may have had higher ones), publish
// first writes max(current + 1, clock) into the temp file's header. A staged file of a
// killed process is a temp file of a dead pid, removed by list() like any other.
//
// Generations. new = max(current + 1, wall clock in microseconds). The +1 makes generations grow
// strictly per key while the object exists; the clock makes a key that is deleted and created
// again get a generation above every one it had before (as long as the wall clock does not step
// back by more than the time between the delete and the new put), so a stale
// `ifGenerationMatch` never matches a newer object (no ABA). Microseconds since 1970 stay below
// 2^53 until the year 2255, so generations are exact JS numbers.
//
// Durability. Puts do not fsync by default: a killed process loses nothing that rename made
// visible (the page cache belongs to the kernel), only a machine crash can, and local-dvid is a
// development and test bed where throughput matters more. `{ fsync: true }` syncs the temp file
// before the rename and the directory after it.
import { close, close as fsClose, closeSync, fstat as fsFstat, fstatSync, open as fsOpen, fsyncSync, mkdirSync, openSync, read as fsRead, readSync, readv as fsReadv, readvSync, renameSync, unlinkSync, writeSync, writevSync } from "node:fs";
import { mkdir, open, opendir, readdir, rename, unlink, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { LocalDvidError } from "../errors.js";
import { checkBoolean, checkMs, checkOptionKeys, checkPath } from "../option-checks.js";
import type { ByteRange, DeleteOptions, ObjectStore, PutOptions, ReadOptions, SliceInfo, StagedObject, StoredObject } from "./object-store.js";
import { notStaged } from "./staging.js";
import { unlessMissing } from "./missing-path.js";
import { checkGenerationOption, checkPrecondition } from "./preconditions.js";
import { checkRange, checkRoom } from "./ranges.js";
import { checkKey } from "./keys.js";
import { fitsKeyLimits } from "./key-limits.js";
import { LockOwner } from "./fs-key-lock.js";
import { isProcessAlive } from "./process-alive.js";

export interface FsStoreOptions {
  /** fsync each object before it replaces the old one, and its directory after. Default false. */
  readonly fsync?: boolean;
  /**
   * A put/delete waiting this long for a key's lock held by a live process fails with
   * STORE_LOCK_TIMEOUT (ms). Default 30000. A lock is broken only when its owner is dead
   * (fs-key-lock.ts), never because its owner is slow or paused.
   */
  readonly lockTimeoutMs?: number;
}

const HEADER_BYTES = 24;
const MAGIC = 0x4f56444c; // "LDVO" read as uint32 LE
const FORMAT_VERSION = 1;
const DIR_SUFFIX = "#";
const OWNERS_DIR = "#owners"; // lock owner files (fs-key-lock.ts); not a key directory name
const SEGMENT = /^[A-Za-z0-9._~:=+@-]+$/; // as keys.ts
const TEMP_NAME = /^[A-Za-z0-9._~:=+@-]+#tmp\.(\d+)\.\d+$/;
const OPTION_KEYS = ["fsync", "lockTimeoutMs"] as const;

let tempCounter = 0;

/** A new temp file beside the object file `path` (the "<seg>#tmp.<pid>.<n>" that list() matches with TEMP_NAME). */
function tempPathOf(path: string): string {
  return `${path}${DIR_SUFFIX}tmp.${process.pid}.${tempCounter++}`;
}

/** How many objects' files generationOf keeps open at most. */
const MAX_WATCHED = 32;

/**
 * Puts up to this size are written on the calling thread when their key's lock is free at once
 * (#mutateNow): about a millisecond for 2 MiB in the page cache.
 */
const SYNC_PUT_BYTES = 2 * 1024 * 1024 + 4096;

/**
 * Test hook: with LOCAL_DVID_TEST_PAUSE_AT="locked:<key>", the first put, publish or delete of
 * <key> in this process stops the process (SIGSTOP) while it holds the key's lock, after its
 * compare-and-swap check and before it writes: tests resume it with SIGCONT. Nothing else reads it.
 */
const PAUSE_AT = process.env.LOCAL_DVID_TEST_PAUSE_AT;
let paused = false;

function pausePoint(point: string, key: string): void {
  if (PAUSE_AT === undefined || paused || PAUSE_AT !== `${point}:${key}`) return;
  paused = true;
  process.kill(process.pid, "SIGSTOP");
}

export class FsStore implements ObjectStore {
  /** The absolute store directory. */
  readonly rootDir: string;
  readonly #fsync: boolean;
  readonly #lockTimeoutMs: number;
  readonly #locks: LockOwner;
  /** Per key, the tail of the chain of mutations queued in this process. */
  readonly #tails = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  /** Per object path generationOf was asked about: its file, held open, and the generation in it. */
  readonly #watched = new Map<string, { fd: number; generation: number }>();
  #closed = false;

  constructor(rootDir: string, options: FsStoreOptions = {}) {
    checkPath(rootDir, "FsStore rootDir");
    checkOptionKeys(options, OPTION_KEYS, "FsStore");
    this.#fsync = checkBoolean(options.fsync, "fsync") ?? false;
    this.#lockTimeoutMs = checkMs(options.lockTimeoutMs, "lockTimeoutMs") ?? 30000;
    this.rootDir = resolve(rootDir);
    mkdirSync(this.rootDir, { recursive: true });
    this.#locks = new LockOwner(join(this.rootDir, OWNERS_DIR));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const path = this.#pathOf(key);
    return this.#track(async () => {
      const here = onThisThread();
      const fd = here ? openSyncIfExists(path) : await openAsyncIfExists(path);
      if (fd === undefined) return undefined;
      try {
        const size = here ? fstatSync(fd).size : await sizeAsync(fd);
        if (size < HEADER_BYTES) throw corrupt(key, `${size} bytes, shorter than the ${HEADER_BYTES}-byte header`);
        const buffer = Buffer.allocUnsafe(size);
        const got = await readFullyAt(fd, buffer, 0, size, 0, here ? SYNC_READ_BYTES : 0);
        const { generation, length } = parseHeader(key, buffer);
        if (got !== size || length !== size - HEADER_BYTES) {
          throw corrupt(key, `header says ${length} bytes of data; the file holds ${got - HEADER_BYTES}`);
        }
        return { data: buffer.subarray(HEADER_BYTES), generation };
      } finally {
        await closeOn(here, fd);
      }
    });
  }

  async readInto(key: string, target: Uint8Array, targetOffset: number): Promise<number | undefined> {
    return (await this.readSlice(key, target, targetOffset))?.size;
  }

  async readSlice(key: string, target: Uint8Array, targetOffset: number, range?: ByteRange, options?: ReadOptions): Promise<SliceInfo | undefined> {
    const path = this.#pathOf(key);
    if (range !== undefined) checkRange(key, Number.MAX_SAFE_INTEGER, range); // the shape; the size is known below
    return this.#track(async () => {
      const here = onThisThread();
      const syncBytes = !here ? 0 : options?.alone === true ? ALONE_SYNC_READ_BYTES : SYNC_READ_BYTES;
      const fd = here ? openSyncIfExists(path) : await openAsyncIfExists(path);
      if (fd === undefined) return undefined;
      try {
        // The header and the bytes are read from one open file: a rename that replaces the
        // object meanwhile cannot pair one version's generation with another's bytes.
        const fileSize = here ? fstatSync(fd).size : await sizeAsync(fd);
        if (fileSize < HEADER_BYTES) throw corrupt(key, `${fileSize} bytes, shorter than the ${HEADER_BYTES}-byte header`);
        const size = fileSize - HEADER_BYTES;
        const { start, length } = checkRange(key, size, range);
        checkRoom(key, length, target, targetOffset);
        const header = Buffer.allocUnsafe(HEADER_BYTES);
        const body = new Uint8Array(target.buffer, target.byteOffset + targetOffset, length);
        if (start === 0) {
          // One preadv(2): the header, then the bytes straight into the caller's memory.
          let got = await readvAt(fd, [header, body], 0, HEADER_BYTES + length, syncBytes);
          if (got < HEADER_BYTES) got += await readFullyAt(fd, header, got, HEADER_BYTES - got, got, syncBytes);
          if (got >= HEADER_BYTES && got < HEADER_BYTES + length) {
            got += await readFullyAt(fd, body, got - HEADER_BYTES, HEADER_BYTES + length - got, got, syncBytes);
          }
          if (got !== HEADER_BYTES + length) throw corrupt(key, `fewer than ${length} bytes could be read`);
        } else {
          if ((await readFullyAt(fd, header, 0, HEADER_BYTES, 0, syncBytes)) !== HEADER_BYTES) throw corrupt(key, "the header could not be read whole");
          if ((await readFullyAt(fd, body, 0, length, HEADER_BYTES + start, syncBytes)) !== length) {
            throw corrupt(key, `fewer than ${length} bytes at offset ${start}`);
          }
        }
        const parsed = parseHeader(key, header);
        if (parsed.length !== size) throw corrupt(key, `header says ${parsed.length} bytes of data; the file holds ${size}`);
        return { size, generation: parsed.generation };
      } finally {
        await closeOn(here, fd);
      }
    });
  }

  /**
   * The file of an object asked about is kept open (for the most recent MAX_WATCHED keys): while
   * it still has a name (fstat's nlink), it is still the object, with the generation read from
   * it before. An object file is never written once renamed into place, and every put, publish
   * and delete, by any process, renames another file over it or unlinks it, which leaves the
   * open one nameless. One fstat(2) instead of open, read and close: what a node checks its
   * repo with on every request (meta/metadata-store.ts).
   */
  async generationOf(key: string): Promise<number | undefined> {
    const path = this.#pathOf(key);
    // All on the calling thread, with no await: a close() cannot begin meanwhile (#pathOf
    // checked the store open), nor another call add this path to #watched.
    const known = this.#watched.get(path);
    if (known !== undefined) {
      if (fstatSync(known.fd).nlink > 0) return known.generation;
      this.#watched.delete(path);
      closeSync(known.fd);
    }
    const { generation, fd } = readGenerationSync(key, path);
    if (fd === undefined) return undefined;
    if (this.#watched.size >= MAX_WATCHED) {
      const [oldest, entry] = this.#watched.entries().next().value as [string, { fd: number }];
      this.#watched.delete(oldest);
      closeSync(entry.fd);
    }
    this.#watched.set(path, { fd, generation });
    return generation;
  }

  async put(key: string, data: Uint8Array, options: PutOptions = {}): Promise<number> {
    // Up to a uint64 block of 64^3 voxels, written on the calling thread when the key is free.
    if (data.length <= SYNC_PUT_BYTES) {
      const generation = this.#putNow(key, data, options.ifGenerationMatch);
      if (generation !== undefined) return generation;
    }
    return this.#mutate(key, options.ifGenerationMatch, async (path, current) => {
      const generation = Math.max(current + 1, nowMicros());
      const temp = tempPathOf(path);
      await this.#writeFile(temp, encodeHeader(generation, data.length), data);
      try {
        await rename(temp, path);
      } catch (err) {
        await unlink(temp).catch(() => undefined);
        throw err;
      }
      if (this.#fsync) await syncDir(join(path, ".."));
      return generation;
    });
  }

  async stage(key: string, data: Uint8Array): Promise<StagedObject> {
    const file = this.prepareStage(key, data.length);
    return this.#track(async () => {
      try {
        await this.#writeFile(file.path, file.header, data);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        // The key's directory does not exist yet (first object under this prefix).
        await mkdir(dirname(file.path), { recursive: true });
        await this.#writeFile(file.path, file.header, data);
      }
      return file.staged;
    });
  }

  /**
   * `stage` for a writer that writes the staged file itself (workers/stage-pool.ts, off the event
   * loop): the temp file to create ("wx", creating its directory if missing), the object's own
   * file (`target`, for a writer that reads it first), the header to write before the `length`
   * bytes, whether to fsync it, and the StagedObject that publishes or discards it. Nothing is
   * written here.
   */
  prepareStage(key: string, length: number): { path: string; target: string; header: Buffer; fsync: boolean; staged: StagedObject } {
    const path = this.#pathOf(key);
    const temp = tempPathOf(path);
    const stagedGeneration = nowMicros();
    /** The generation the publish gives the object; writes it into the header when the staged one does not do. */
    const generationFor = (current: number): number => {
      if (current !== 0 && stagedGeneration > current) return stagedGeneration;
      const next = Math.max(current + 1, nowMicros());
      this.#setGenerationSync(temp, next);
      return next;
    };
    let state: "staged" | "published" | "discarded" = "staged";
    const staged: StagedObject = {
      publish: async (options: PutOptions = {}): Promise<number> => {
        if (state !== "staged") throw notStaged(key, state === "published");
        const generation =
          this.#publishNow(key, temp, options.ifGenerationMatch, generationFor) ??
          (await this.#mutate(key, options.ifGenerationMatch, async (target, current) => {
            const next = generationFor(current);
            await rename(temp, target);
            if (this.#fsync) await syncDir(join(target, ".."));
            return next;
          }));
        state = "published";
        return generation;
      },
      discard: async (): Promise<void> => {
        if (state !== "staged") return;
        state = "discarded";
        await unlink(temp).catch(() => undefined);
      },
    };
    return { path: temp, target: path, header: encodeHeader(stagedGeneration, length), fsync: this.#fsync, staged };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    return this.#mutate(key, options.ifGenerationMatch, async (path, current) => {
      if (current === 0) return false;
      try {
        await unlink(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw err;
      }
      if (this.#fsync) await syncDir(join(path, ".."));
      return true;
    });
  }

  async list(prefix: string): Promise<string[]> {
    const at = this.#prefixDir(prefix, "list");
    return this.#track(async () => {
      if (at === undefined) return [];
      const keys: string[] = [];
      await this.#walk(at.dir, at.keyPrefix, at.partial, keys);
      // Sorting the keys (not the directory entries) gives bucket order, where "a-b" < "a/b".
      return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    });
  }

  async hasPrefix(prefix: string): Promise<boolean> {
    const at = this.#prefixDir(prefix, "hasPrefix");
    return this.#track(async () => (at === undefined ? false : this.#anyBelow(at.dir, at.partial)));
  }

  /**
   * The one directory whose subtree can hold the keys under `prefix` (its complete segments),
   * and the start of the last, partial segment; undefined when no key can match.
   */
  #prefixDir(prefix: string, what: string): { dir: string; keyPrefix: string; partial: string } | undefined {
    this.#checkOpen();
    if (typeof prefix !== "string") {
      throw new LocalDvidError("INVALID_KEY", `${what} prefix must be a string; got ${typeof prefix}`);
    }
    // A prefix longer than any key can be matches none (and must not reach the filesystem as ENAMETOOLONG).
    if (!fitsKeyLimits(prefix)) return undefined;
    const parts = prefix.split("/");
    const partial = parts.pop() as string;
    if (!parts.every((s) => SEGMENT.test(s))) return undefined;
    return {
      dir: join(this.rootDir, ...parts.map((s) => s + DIR_SUFFIX)),
      keyPrefix: parts.length === 0 ? "" : parts.join("/") + "/",
      partial,
    };
  }

  /** Whether the directory holds a key (or a directory holding one) whose segment starts with `partial`. */
  async #anyBelow(dir: string, partial: string): Promise<boolean> {
    const handle = await unlessMissing(opendir(dir));
    if (handle === undefined) return false;
    const subdirs: string[] = [];
    try {
      for await (const entry of handle) {
        const name = entry.name;
        if (entry.isDirectory()) {
          const segment = name.slice(0, -DIR_SUFFIX.length);
          if (name.endsWith(DIR_SUFFIX) && SEGMENT.test(segment) && segment.startsWith(partial)) subdirs.push(join(dir, name));
        } else if (SEGMENT.test(name) && name.startsWith(partial)) {
          return true; // leaving the loop early closes the directory
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    // A key directory can outlive its keys (deletes leave it), so look inside.
    for (const sub of subdirs) if (await this.#anyBelow(sub, "")) return true;
    return false;
  }

  async close(): Promise<void> {
    this.#closed = true;
    // Let started operations finish, so no lock or temp file is left behind by a close.
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    for (const { fd } of this.#watched.values()) closeSync(fd);
    this.#watched.clear();
    await this.#locks.dispose();
  }

  async #walk(dir: string, keyPrefix: string, partial: string, keys: string[]): Promise<void> {
    const entries = await unlessMissing(readdir(dir, { withFileTypes: true }));
    if (entries === undefined) return;
    const below: Promise<void>[] = [];
    for (const entry of entries) {
      const name = entry.name;
      if (entry.isDirectory()) {
        const segment = name.slice(0, -DIR_SUFFIX.length);
        if (name.endsWith(DIR_SUFFIX) && SEGMENT.test(segment) && segment.startsWith(partial)) {
          below.push(this.#walk(join(dir, name), `${keyPrefix}${segment}/`, "", keys));
        }
      } else if (SEGMENT.test(name)) {
        if (name.startsWith(partial)) keys.push(keyPrefix + name);
      } else {
        const temp = TEMP_NAME.exec(name);
        // A temp file of a dead process is the remains of a killed put: never an object.
        if (temp && !isProcessAlive(Number(temp[1]))) await unlink(join(dir, name)).catch(() => undefined);
      }
    }
    await Promise.all(below);
  }

  async #writeFile(path: string, header: Buffer, data: Uint8Array): Promise<void> {
    const fh = await open(path, "wx");
    try {
      let written = (await fh.writev([header, data], 0)).bytesWritten;
      const total = HEADER_BYTES + data.length;
      while (written < total) {
        const chunk = written < HEADER_BYTES ? header.subarray(written) : data.subarray(written - HEADER_BYTES);
        written += (await fh.write(chunk, 0, chunk.length, written)).bytesWritten;
      }
      if (this.#fsync) await fh.sync();
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw err;
    }
    await fh.close();
  }

  /**
   * Writes the generation into the header of a staged temp file (see stage). Synchronously: 8
   * bytes into a file in the page cache take microseconds, while three more trips through libuv's
   * thread pool (4 threads, shared by every put) cost aligned writes about a quarter of their
   * throughput. Most publishes skip it (see Staging above).
   */
  #setGenerationSync(temp: string, generation: number): void {
    const fd = openSync(temp, "r+");
    try {
      const bytes = Buffer.allocUnsafe(8);
      writeUint64(bytes, generation, 0);
      writeSync(fd, bytes, 0, 8, 8);
      if (this.#fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * A staged file's publish done at once on the calling thread (see #mutateNow): the generation
   * settled (see Staging above) and the temp file renamed into place.
   */
  #publishNow(key: string, temp: string, expected: number | undefined, generationFor: (current: number) => number): number | undefined {
    return this.#mutateNow(key, expected, (path, current) => {
      const next = generationFor(current);
      renameSync(temp, path);
      if (this.#fsync) syncDirSync(join(path, ".."));
      return next;
    });
  }

  /** A put done at once on the calling thread (see #mutateNow): the temp file written and renamed. */
  #putNow(key: string, data: Uint8Array, expected: number | undefined): number | undefined {
    return this.#mutateNow(key, expected, (path, current) => {
      const generation = Math.max(current + 1, nowMicros());
      const temp = tempPathOf(path);
      const fd = openSync(temp, "wx");
      try {
        const header = encodeHeader(generation, data.length);
        const total = HEADER_BYTES + data.length;
        let written = writevSync(fd, [header, data], 0);
        while (written < total) {
          const chunk = written < HEADER_BYTES ? header.subarray(written) : data.subarray(written - HEADER_BYTES);
          written += writeSync(fd, chunk, 0, chunk.length, written);
        }
        if (this.#fsync) fsyncSync(fd);
        closeSync(fd);
        renameSync(temp, path);
      } catch (err) {
        try {
          closeSync(fd);
        } catch {
          // closed already
        }
        try {
          unlinkSync(temp);
        } catch {
          // not there
        }
        throw err;
      }
      if (this.#fsync) syncDirSync(join(path, ".."));
      return generation;
    });
  }

  /**
   * #mutate done at once on the calling thread, when no mutation of the key is queued in this
   * process and its lock is free: the same steps (lock, read the generation, check
   * ifGenerationMatch, `fn`, unlock) as synchronous system calls on files in the page cache.
   * The #mutate path takes six or more trips through libuv's thread pool, a FileHandle and their
   * promises per key; for the 2 MiB blocks of a uint64 volume that was about 100 ms of
   * event-loop time and garbage per 128 MiB, more than the writes themselves. Undefined (nothing
   * done) when the lock is not free at once or the key's directory does not exist yet: then
   * #mutate waits for it or creates it.
   */
  #mutateNow<T>(key: string, expected: number | undefined, fn: (path: string, current: number) => T): T | undefined {
    const path = this.#pathOf(key);
    checkGenerationOption(expected);
    if (this.#tails.has(key)) return undefined;
    const lock = this.#locks.tryAcquireSync(`${path}${DIR_SUFFIX}lock`);
    if (lock === undefined) return undefined;
    let old: number | undefined;
    try {
      const current = readGenerationSync(key, path);
      old = current.fd;
      checkPrecondition(key, current.generation, expected);
      pausePoint("locked", key);
      return fn(path, current.generation);
    } finally {
      lock.release();
      // The replaced object's file is closed in libuv's thread pool: its last close frees its
      // inode and page cache, which took about 0.7 ms per 256 KiB block inside a rename(2) on
      // this machine (ext4) when the rename dropped the last reference on the event loop.
      if (old !== undefined) close(old, () => undefined);
    }
  }

  /**
   * Runs `fn(path, current generation)` holding the key's lock (first in this process, then
   * across processes), after checking `ifGenerationMatch` against the generation read under it.
   */
  #mutate<T>(key: string, expected: number | undefined, fn: (path: string, current: number) => Promise<T>): Promise<T> {
    const path = this.#pathOf(key);
    checkGenerationOption(expected);
    return this.#track(async () => {
      const previous = this.#tails.get(key);
      let done!: () => void;
      const mine = new Promise<void>((resolve) => (done = resolve));
      const tail = previous ? previous.then(() => mine) : mine;
      this.#tails.set(key, tail);
      try {
        if (previous) await previous;
        const lock = await this.#locks.acquire(`${path}${DIR_SUFFIX}lock`, {
          timeoutMs: this.#lockTimeoutMs,
          what: `store key ${key}`,
        });
        try {
          const current = await readGeneration(key, path);
          checkPrecondition(key, current, expected);
          pausePoint("locked", key);
          return await fn(path, current);
        } finally {
          await lock.release();
        }
      } finally {
        done();
        if (this.#tails.get(key) === tail) this.#tails.delete(key);
      }
    });
  }

  #pathOf(key: string): string {
    this.#checkOpen();
    checkKey(key);
    const segments = key.split("/");
    const last = segments.pop() as string;
    return join(this.rootDir, ...segments.map((s) => s + DIR_SUFFIX), last);
  }

  #checkOpen(): void {
    if (this.#closed) throw new LocalDvidError("STORE_CLOSED", `the store at ${this.rootDir} is closed`);
  }

  #track<T>(fn: () => Promise<T>): Promise<T> {
    const promise = fn();
    this.#inFlight.add(promise);
    const forget = (): void => void this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

function openIfExists(path: string): Promise<FileHandle | undefined> {
  return unlessMissing(open(path, "r"));
}

/**
 * readGeneration on the calling thread; also returns the open file (undefined when there is
 * none), for #mutateNow to close after the object is replaced and for generationOf to keep.
 */
function readGenerationSync(key: string, path: string): { generation: number; fd: number | undefined } {
  const fd = openSyncIfExists(path);
  if (fd === undefined) return { generation: 0, fd: undefined };
  try {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    const bytesRead = readSync(fd, header, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES) throw corrupt(key, `${bytesRead} bytes, shorter than the ${HEADER_BYTES}-byte header`);
    return { generation: parseHeader(key, header).generation, fd };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function syncDirSync(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The generation of the stored object, or 0 when there is none. */
async function readGeneration(key: string, path: string): Promise<number> {
  const fh = await openIfExists(path);
  if (fh === undefined) return 0;
  try {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    const { bytesRead } = await fh.read(header, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES) throw corrupt(key, `${bytesRead} bytes, shorter than the ${HEADER_BYTES}-byte header`);
    return parseHeader(key, header).generation;
  } finally {
    await fh.close();
  }
}

/**
 * Reads of objects open their file, stat it and close it on the calling thread, and read at
 * most SYNC_READ_BYTES there too; only larger reads go through libuv's thread pool. Opening,
 * stat and close of a file in the dentry and inode caches take microseconds, and so does a
 * small read from the page cache, while each trip through the thread pool costs tens to
 * hundreds of microseconds of latency (a wake-up of a pool thread and one of the event loop):
 * four trips per read (open, stat, read, close) were most of a one-block GET's time. The bytes
 * of a large read may have to come from the disk, so those stay off the event loop.
 */
const SYNC_READ_BYTES = 64 * 1024;
/**
 * The same for a read the caller waits for alone (ReadOptions.alone): a 64^3 block of uint64
 * (2 MiB) is copied from the page cache in about the time of one trip through the pool, and
 * with nothing to overlap, the trip is all the thread pool would add.
 */
const ALONE_SYNC_READ_BYTES = 4 * 1024 * 1024;

/**
 * How long reads may run on the calling thread in one turn of the event loop (ms). A one-block
 * GET takes a small fraction of it; a request that reads thousands of small objects one after
 * another (a labels call over 20,000 blocks) would otherwise never let the event loop run, and a
 * heartbeat sent meanwhile would wait for all of it. Past the budget, reads go through the
 * thread pool (each completion a new turn) until the turn ends.
 */
const SYNC_TURN_MS = 2;
let turnStarted: number | undefined;

/** Whether a read may still run on the calling thread in this turn of the event loop. */
function onThisThread(): boolean {
  const now = performance.now();
  if (turnStarted === undefined) {
    turnStarted = now;
    // Runs once this turn's I/O callbacks and the microtasks they started are done.
    setImmediate(() => (turnStarted = undefined));
    return true;
  }
  return now - turnStarted < SYNC_TURN_MS;
}

function openAsyncIfExists(path: string): Promise<number | undefined> {
  return unlessMissing(new Promise<number>((resolve, reject) => fsOpen(path, "r", (err, fd) => (err ? reject(err) : resolve(fd)))));
}

function sizeAsync(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fsFstat(fd, (err, stats) => (err ? reject(err) : resolve(stats.size))));
}

function closeOn(here: boolean, fd: number): Promise<void> | void {
  if (here) return closeSync(fd);
  return new Promise((resolve, reject) => fsClose(fd, (err) => (err ? reject(err) : resolve())));
}

/** The file opened read-only, or undefined when its path does not exist (as unlessMissing). */
function openSyncIfExists(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
}

/** One pread(2) of up to `length` bytes (fewer at the end of the file); on this thread up to `syncBytes`. */
function readAt(fd: number, into: Uint8Array, offset: number, length: number, position: number, syncBytes: number): Promise<number> | number {
  if (length <= syncBytes) return readSync(fd, into, offset, length, position);
  return new Promise((resolve, reject) => {
    fsRead(fd, into, offset, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}

/** One preadv(2) into `buffers` (`total` bytes in all); on this thread up to `syncBytes`. */
function readvAt(fd: number, buffers: Uint8Array[], position: number, total: number, syncBytes: number): Promise<number> | number {
  if (total <= syncBytes) return readvSync(fd, buffers, position);
  return new Promise((resolve, reject) => {
    fsReadv(fd, buffers, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}

async function readFullyAt(fd: number, into: Uint8Array, offset: number, length: number, position: number, syncBytes: number): Promise<number> {
  let done = 0;
  while (done < length) {
    const bytesRead = await readAt(fd, into, offset + done, length - done, position + done, syncBytes);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

function encodeHeader(generation: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(FORMAT_VERSION, 4);
  writeUint64(header, generation, 8);
  writeUint64(header, length, 16);
  return header;
}

function parseHeader(key: string, header: Buffer): { generation: number; length: number } {
  if (header.readUInt32LE(0) !== MAGIC || header.readUInt32LE(4) !== FORMAT_VERSION) {
    throw corrupt(key, "no LDVO version 1 header");
  }
  return { generation: readUint64(header, 8), length: readUint64(header, 16) };
}

function writeUint64(buffer: Buffer, value: number, offset: number): void {
  buffer.writeUInt32LE(value % 0x1_0000_0000, offset);
  buffer.writeUInt32LE(Math.floor(value / 0x1_0000_0000), offset + 4);
}

function readUint64(buffer: Buffer, offset: number): number {
  return buffer.readUInt32LE(offset) + buffer.readUInt32LE(offset + 4) * 0x1_0000_0000;
}

function corrupt(key: string, what: string): LocalDvidError {
  return new LocalDvidError("CORRUPT_OBJECT", `stored object ${key} is not a well-formed object: ${what}`);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
