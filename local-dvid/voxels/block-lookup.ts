// Copy-on-write reads of blocks (ARCHITECTURE.md "Versioned blocks"): a read at version V takes,
// per block, the first version of V's ancestry (meta/dag.ts versionAncestry) that has the block;
// never-written blocks read as zeros.
//
// Probing the store once per ancestor and block would make reads at a version 10 commits deep
// much slower than at the version written. Locked versions never change (DVID refuses writes to
// committed nodes, dvid-api.md §3.7), so the set of blocks each locked version holds is listed
// once per process and cached; only unlocked versions (at most the version read itself) are
// probed, and not even those when they hold no block of the instance yet. Unversioned instances
// write to the root even when it is locked, so they are always probed; admin-token writes to
// locked nodes bump the node's dataEpoch, which keys the cache.
//
// Writes need none of this: a version's writes go to its own blocks only (OwnBlocks), and only a
// patch of a block the write covers in part reads what the block was (BlockLookup).
import { LocalDvidError, isLocalDvidError } from "../errors.js";
import { blockPrefix } from "../meta/store-layout.js";
import type { VersionRef } from "../meta/version-ref.js";
import type { ByteRange, ObjectStore, ReadOptions, SliceInfo } from "../store/object-store.js";

const MAX_CACHED_VERSIONS = 256;
const EMPTY: ReadonlySet<string> = new Set();

/** Per-process cache of the block names each locked version holds. */
export class LockedBlockIndex {
  readonly #sets = new Map<string, Promise<ReadonlySet<string>>>();

  blocksOf(store: ObjectStore, dataUUID: string, version: VersionRef): Promise<ReadonlySet<string>> {
    const key = `${dataUUID}/${version.uuid}/${version.epoch}`;
    let set = this.#sets.get(key);
    if (set) {
      // Refresh its place in the insertion-ordered map (least recently used goes first).
      this.#sets.delete(key);
      this.#sets.set(key, set);
      return set;
    }
    const prefix = blockPrefix(dataUUID, version.uuid);
    set = store.list(prefix).then((keys) => new Set(keys.map((k) => k.slice(prefix.length))));
    set.catch(() => this.#sets.delete(key));
    this.#sets.set(key, set);
    while (this.#sets.size > MAX_CACHED_VERSIONS) {
      const oldest = this.#sets.keys().next().value;
      if (oldest === undefined) break;
      this.#sets.delete(oldest);
    }
    return set;
  }

  clear(): void {
    this.#sets.clear();
  }
}

/** The blocks of one instance that one version holds itself: where its writes go. Making one reads nothing. */
export class OwnBlocks {
  readonly store: ObjectStore;
  readonly #prefix: string;

  constructor(store: ObjectStore, dataUUID: string, version: VersionRef) {
    this.store = store;
    this.#prefix = blockPrefix(dataUUID, version.uuid);
  }

  /** The store key of a block (`blockName`) at this version. */
  key(name: string): string {
    return this.#prefix + name;
  }
}

/** Where each block of one instance is read from at one version. */
export class BlockLookup {
  /** The version read and written (ancestry[0]). */
  readonly own: OwnBlocks;
  readonly #store: ObjectStore;
  readonly #blockBytes: number;
  /** Per entry of the ancestry (the version itself first): its block key prefix, and the names of the blocks it holds when known. */
  readonly #prefixes: string[];
  readonly #sets: (ReadonlySet<string> | undefined)[];

  private constructor(
    store: ObjectStore,
    dataUUID: string,
    blockBytes: number,
    ancestry: readonly VersionRef[],
    sets: (ReadonlySet<string> | undefined)[],
  ) {
    this.own = new OwnBlocks(store, dataUUID, ancestry[0]);
    this.#store = store;
    this.#blockBytes = blockBytes;
    this.#prefixes = ancestry.map((v) => blockPrefix(dataUUID, v.uuid));
    this.#sets = sets;
  }

  /**
   * `blocks` is how many blocks the caller will read, when it knows: a read of at most one block
   * does not ask whether an unlocked version holds any (see below).
   */
  static async create(
    store: ObjectStore,
    index: LockedBlockIndex,
    dataUUID: string,
    blockBytes: number,
    ancestry: readonly VersionRef[],
    blocks = Number.POSITIVE_INFINITY,
  ): Promise<BlockLookup> {
    // An unlocked version that holds no block of the instance at all (the usual new leaf of a
    // deep history) is seen at once, so its blocks are not probed one by one. The answer holds
    // for this request only: a block written meanwhile is seen by the next request. For one
    // block the question costs as much as the probe it could save (and more on a filesystem: a
    // directory read against one failed open), so it is not asked.
    const probeEach = blocks <= 1;
    const sets = await Promise.all(
      ancestry.map(async (v) => {
        if (v.cacheable) return index.blocksOf(store, dataUUID, v);
        if (probeEach) return undefined;
        return (await store.hasPrefix(blockPrefix(dataUUID, v.uuid))) ? undefined : EMPTY;
      }),
    );
    return new BlockLookup(store, dataUUID, blockBytes, ancestry, sets);
  }

  /**
   * Reads the block visible at this version into `target` at `offset`; false when no version in
   * the ancestry has it (the caller zero-fills). `from` skips the first ancestry entries. With
   * `range`, only those bytes of the block are read (e.g. the planes a thin box needs);
   * `options` go to the store (ReadOptions).
   */
  async readInto(name: string, target: Uint8Array, offset: number, from = 0, range?: ByteRange, options?: ReadOptions): Promise<boolean> {
    for (let i = from; i < this.#prefixes.length; i++) {
      const set = this.#sets[i];
      if (set && !set.has(name)) continue;
      const found = await this.#readChecked(this.#prefixes[i] + name, target, offset, range, options);
      if (found !== undefined) return true;
    }
    return false;
  }

  /**
   * Reads the block stored at the version written itself (ancestry[0]) into `target` and returns
   * its generation, for a compare-and-swap patch; undefined when that version has no own copy.
   */
  async readOwn(name: string, target: Uint8Array): Promise<number | undefined> {
    return (await this.#readChecked(this.#prefixes[0] + name, target, 0, undefined, undefined))?.generation;
  }

  async #readChecked(
    key: string,
    target: Uint8Array,
    offset: number,
    range: ByteRange | undefined,
    options: ReadOptions | undefined,
  ): Promise<SliceInfo | undefined> {
    let info: SliceInfo | undefined;
    try {
      info = await this.#store.readSlice(key, target, offset, range, options);
    } catch (err) {
      // Too large for the room, or too short for the range: not a block of this instance.
      if (isLocalDvidError(err, "OBJECT_TOO_LARGE") || (range !== undefined && isLocalDvidError(err, "INVALID_OPTION"))) {
        throw new LocalDvidError("CORRUPT_OBJECT", `block ${key} is not ${this.#blockBytes} bytes, the block size of this instance (${(err as Error).message})`);
      }
      throw err;
    }
    if (info !== undefined && info.size !== this.#blockBytes) {
      throw new LocalDvidError("CORRUPT_OBJECT", `block ${key} is ${info.size} bytes; blocks of this instance are ${this.#blockBytes} bytes`);
    }
    return info;
  }
}
