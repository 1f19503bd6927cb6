// Writes and commits of one version, coordinated through the store, so that a write either lands
// before the version is locked (and every node sees it) or is refused with DVID's locked-version
// error: a locked version never changes, which is what lets every process cache the block list
// of a locked version (voxels/block-lookup.ts).
//
// The lock check at the start of a request is not enough: a POST whose body is still arriving
// when the commit runs would otherwise put its blocks into a version that is already locked (and
// that another node has already listed and cached). So each versioned write registers itself in
// a per-version gate object, `writes/<version>`, by compare-and-swap, before anything of it
// becomes visible, and removes itself when done:
//
//   { "state": "open" | "closing" | "locked", "closer": "<commit id>", "writers": { "<id>": "<process>" } }
//
// - A write enters only an "open" gate (adding itself to `writers`); "closing" or "locked"
//   refuses it with the locked error. Its blocks are staged while its body arrives and published
//   only inside the gate (routes/raw-receive.ts), so a slow body holds no gate.
// - A commit (1) turns the gate to "closing" by compare-and-swap: from then on no write enters;
//   (2) waits until `writers` is empty: every write that entered has published all it will
//   publish; (3) locks the node in the repo object; (4) turns the gate to "locked".
// Every step is a compare-and-swap of the one gate object, so a write's entry and the commit's
// closing are ordered: either the write entered first (and the commit waits for it) or the
// commit closed first (and the write is refused). Nothing of a write is visible outside its
// time in the gate.
//
// Faults: an entry whose process is dead (its pid gone or reused, store/process-alive.ts) is
// removed by the waiting commit; the blocks such a writer published stay (whole blocks; its
// client got no answer). A "closing" gate whose committer died is reopened by the next write if
// the repo does not show the node locked, and taken over by the next commit. A commit still
// waiting after `drainTimeoutMs` for a live writer (e.g. a paused process) reopens the gate and
// fails with RETRIES_EXHAUSTED (503); writes refused meanwhile got the locked error.
// Processes must share one host (pids), as the nodes of a local cluster do.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalDvidError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { PROCESS_TOKEN, isTokenAlive } from "../store/process-alive.js";
import { updateWithRetry } from "../store/update-with-retry.js";
import { escapeSegment } from "./store-layout.js";

export const WRITES_PREFIX = "writes/";

/** The gate object of a version (its node UUID). */
export function writesKey(version: string): string {
  return WRITES_PREFIX + escapeSegment(version);
}

interface Gate {
  state: "open" | "closing" | "locked";
  closer?: string;
  writers: Record<string, string>;
}

/** What one round of VersionWrites#update decided. */
interface GateChange<R> {
  readonly write: Gate | undefined;
  readonly result: R;
}

export interface VersionWritesOptions {
  /** How long a commit waits for writes in progress before it gives up with 503 (ms). Default 60000. */
  readonly drainTimeoutMs?: number;
}

let counter = 0;

/**
 * This process's entry in a version's gate, shared by its concurrent writes: a client writing a
 * volume sends several sub-requests at once, and two compare-and-swaps of the one gate object
 * per sub-request made them queue behind each other (up to 200 ms per request, measured with
 * 8 MiB uint64 sub-requests, 4 in flight). `active` counts the writes using it.
 */
interface Entry {
  readonly id: string;
  /** Resolves once the entry is in the gate; rejects with the refusal. */
  entered: Promise<void>;
  active: number;
  inGate: boolean;
}

export class VersionWrites {
  readonly #store: ObjectStore;
  readonly #drainTimeoutMs: number;
  readonly #nonce = randomBytes(4).toString("hex");
  /** Per version, the entry this process's new writes join (see Entry). */
  readonly #entries = new Map<string, Entry>();

  constructor(store: ObjectStore, options: VersionWritesOptions = {}) {
    this.#store = store;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 60_000;
  }

  /**
   * Runs `fn` (which makes a write visible) registered in the version's gate. Throws
   * `lockedError()` when the version is locked or being committed; then `fn` does not run.
   * `isLockedInRepo` tells, from the repo object, whether the node is locked (asked only when a
   * committer died mid-commit).
   *
   * Concurrent writes of this process to one version share one entry in the gate (see Entry):
   * the first enters by compare-and-swap, the others join it after one plain read that shows
   * the gate still open with the entry in it, and the last to finish removes it.
   */
  async write<T>(version: string, lockedError: () => Error, isLockedInRepo: () => Promise<boolean>, fn: () => Promise<T>): Promise<T> {
    const entry = await this.#join(version, lockedError, isLockedInRepo);
    try {
      return await fn();
    } finally {
      await this.#leave(version, entry);
    }
  }

  /** An entry of this process in the version's gate that `write` can use: joined, or entered anew. */
  async #join(version: string, lockedError: () => Error, isLockedInRepo: () => Promise<boolean>): Promise<Entry> {
    const key = writesKey(version);
    const shared = this.#entries.get(version);
    if (shared !== undefined) {
      shared.active++;
      let open = false;
      try {
        await shared.entered;
        // A commit that began since the entry went in closed the gate: this write must not
        // join (the commit waits for the entry, not for writes that arrive after it closed).
        // A turn of the event loop first: the read may complete without one (FsStore reads
        // small objects synchronously), and writes joining back to back must not starve the
        // commit's compare-and-swap of its I/O.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const { gate } = await this.#read(key);
        open = gate.state === "open" && shared.id in gate.writers;
      } catch (err) {
        await this.#leave(version, shared);
        throw err;
      }
      if (open) return shared;
      await this.#leave(version, shared);
      // Refused, or a gate a dead committer left closing and that may be reopened: the full
      // entry decides, in an entry of its own.
      return this.#enter(key, version, lockedError, isLockedInRepo, false);
    }
    return this.#enter(key, version, lockedError, isLockedInRepo, true);
  }

  /** A new entry in the gate by compare-and-swap; `share`: other writes may join it meanwhile. */
  async #enter(key: string, version: string, lockedError: () => Error, isLockedInRepo: () => Promise<boolean>, share: boolean): Promise<Entry> {
    const entry = this.#newEntry(key, version, lockedError, isLockedInRepo);
    if (share) this.#entries.set(version, entry);
    try {
      await entry.entered;
    } catch (err) {
      await this.#leave(version, entry);
      throw err;
    }
    return entry;
  }

  #newEntry(key: string, version: string, lockedError: () => Error, isLockedInRepo: () => Promise<boolean>): Entry {
    const id = `${this.#nonce}.${counter++}`;
    const entry: Entry = { id, entered: Promise.resolve(), active: 1, inGate: false };
    entry.entered = this.#update(key, version, async (gate) => {
      if (gate.state === "locked") throw lockedError();
      if (gate.state === "closing") {
        if (gate.closer !== undefined && isTokenAlive(closerProcess(gate.closer))) throw lockedError();
        if (await isLockedInRepo()) throw lockedError();
        gate.state = "open"; // its committer died before locking the node
        delete gate.closer;
      }
      gate.writers[id] = PROCESS_TOKEN;
      return { write: gate, result: undefined };
    }).then(() => void (entry.inGate = true));
    return entry;
  }

  /** Ends one write's use of `entry`; the last one removes the entry from the gate. */
  async #leave(version: string, entry: Entry): Promise<void> {
    if (--entry.active > 0) return;
    if (this.#entries.get(version) === entry) this.#entries.delete(version);
    if (!entry.inGate) return; // its entry failed: nothing of it is in the gate
    await this.#update(writesKey(version), version, (gate) => {
      if (!(entry.id in gate.writers)) return { write: undefined, result: undefined };
      delete gate.writers[entry.id];
      return { write: gate, result: undefined };
    });
  }

  /**
   * Commits a version: closes its gate to new writes, waits for the writes in progress, runs
   * `lockInRepo` (which locks the node in the repo object) and marks the gate locked. Throws
   * `lockedError()` when the gate is already locked; RETRIES_EXHAUSTED when live writes do not
   * end within drainTimeoutMs (the gate is reopened). If `lockInRepo` throws, the gate is
   * reopened and the error rethrown.
   */
  async commit<T>(version: string, lockedError: () => Error, lockInRepo: () => Promise<T>): Promise<T> {
    const key = writesKey(version);
    const me = `${PROCESS_TOKEN}/${this.#nonce}.${counter++}`;
    const deadline = Date.now() + this.#drainTimeoutMs;
    let delayMs = 1;
    const wait = async (what: string): Promise<void> => {
      if (Date.now() >= deadline) {
        throw new LocalDvidError("RETRIES_EXHAUSTED", `${what} of version ${version} still in progress after ${this.#drainTimeoutMs} ms; retry the commit`);
      }
      await sleep(delayMs * (0.5 + Math.random()));
      delayMs = Math.min(delayMs * 2, 50);
    };
    // (1) close the gate; another live commit of the same version goes first.
    for (;;) {
      const closed = await this.#update(key, version, (gate) => {
        if (gate.state === "locked") throw lockedError();
        if (gate.state === "closing" && gate.closer !== undefined && isTokenAlive(closerProcess(gate.closer))) {
          return { write: undefined, result: false };
        }
        gate.state = "closing";
        gate.closer = me;
        return { write: gate, result: true };
      });
      if (closed) break;
      await wait("another commit");
    }
    let result: T;
    try {
      // (2) wait for the writes that entered before the gate closed; forget dead writers.
      for (;;) {
        const live = await this.#update(key, version, (gate) => {
          const dead = Object.entries(gate.writers).filter(([, owner]) => !isTokenAlive(owner));
          const live = Object.keys(gate.writers).length - dead.length;
          if (dead.length === 0) return { write: undefined, result: live };
          for (const [id] of dead) delete gate.writers[id];
          return { write: gate, result: live };
        });
        if (live === 0) break;
        await wait("writes");
      }
      // (3) lock the node in the repo.
      result = await lockInRepo();
    } catch (err) {
      await this.#reopen(key, me, version).catch(() => undefined);
      throw err;
    }
    // (4) the gate stays locked for good.
    await this.#update(key, version, (gate) => ({ write: { state: "locked", writers: gate.writers }, result: undefined }));
    return result;
  }

  async #reopen(key: string, me: string, version: string): Promise<void> {
    await this.#update(key, version, (gate) => {
      if (gate.state !== "closing" || gate.closer !== me) return { write: undefined, result: undefined };
      gate.state = "open";
      delete gate.closer;
      return { write: gate, result: undefined };
    });
  }

  /**
   * One compare-and-swap of the version's gate (updateWithRetry): `change` decides from the gate
   * as read, returning the gate to write (undefined: nothing to write) and the result.
   */
  #update<R>(key: string, version: string, change: (gate: Gate) => GateChange<R> | Promise<GateChange<R>>): Promise<R> {
    return updateWithRetry(
      this.#store,
      key,
      async () => {
        const { generation, gate } = await this.#read(key);
        const { write, result } = await change(gate);
        return { generation, data: write === undefined ? undefined : encode(write), result };
      },
      { what: `the write gate of version ${version}` },
    );
  }

  async #read(key: string): Promise<{ generation: number; gate: Gate }> {
    const obj = await this.#store.get(key);
    if (obj === undefined) return { generation: 0, gate: { state: "open", writers: {} } };
    let gate: Gate;
    try {
      gate = JSON.parse(obj.data.toString("utf8")) as Gate;
    } catch (err) {
      throw new LocalDvidError("CORRUPT_OBJECT", `stored object ${key} is not a write gate (JSON): ${(err as Error).message}`);
    }
    if (!["open", "closing", "locked"].includes(gate.state) || typeof gate.writers !== "object" || gate.writers === null) {
      throw new LocalDvidError("CORRUPT_OBJECT", `stored object ${key} is not a write gate: no state and writers`);
    }
    return { generation: obj.generation, gate };
  }
}

/** The process part of a commit id "<process token>/<nonce>.<n>". */
function closerProcess(closer: string): string {
  return closer.slice(0, closer.indexOf("/"));
}

function encode(gate: Gate): Buffer {
  return Buffer.from(JSON.stringify(gate), "utf8");
}
