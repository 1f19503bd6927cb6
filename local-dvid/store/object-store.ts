// The storage interface of local-dvid, modelled on a cloud bucket (Google Cloud Storage):
// flat keys, whole-object get/put/delete, prefix listing, and a conditional put on a generation
// number (GCS `ifGenerationMatch`). Every local-dvid node of a cluster opens the same store, as
// every DVID of a GCP cluster opens the same bucket.

/** An object as read from the store. */
export interface StoredObject {
  readonly data: Buffer;
  /**
   * Changes on every successful put of the key (GCS semantics). Never 0 for an existing object:
   * 0 in `ifGenerationMatch` means "the object must not exist yet".
   */
  readonly generation: number;
}

export interface PutOptions {
  /**
   * Compare-and-swap: the put succeeds only if the object's current generation equals this value
   * (0 = the object must not exist). Otherwise it throws a `PreconditionFailedError`
   * (`isStoreError(err, "PRECONDITION_FAILED")`) and the stored object is unchanged.
   */
  readonly ifGenerationMatch?: number;
}

export interface DeleteOptions {
  /** As for `put`: delete only if the current generation equals this value. */
  readonly ifGenerationMatch?: number;
}

/** A byte range of an object (GCS ranged reads). */
export interface ByteRange {
  /** First byte. */
  readonly start: number;
  /** Number of bytes; `start + length` must not exceed the object's size. */
  readonly length: number;
}

/** How the caller of `readSlice` waits for it. */
export interface ReadOptions {
  /**
   * The caller has no other read to overlap this one with (the one block of a one-block GET):
   * a store may then read on the calling thread where that is faster than handing the read to
   * other threads (FsStore: a block in the page cache is copied in microseconds, a trip through
   * libuv's thread pool costs a hundred). Default false.
   */
  readonly alone?: boolean;
}

/** What `readSlice` found. */
export interface SliceInfo {
  /** The whole object's size in bytes (not the slice's). */
  readonly size: number;
  readonly generation: number;
}

/**
 * Bytes written to the store but not visible under their key yet (`ObjectStore.stage`): a
 * request stages what it writes while its body arrives and publishes it only once all of it has.
 */
export interface StagedObject {
  /**
   * Makes the staged bytes the object under the key, atomically, as `put` would (same options,
   * same errors, returns the new generation). Once only; a failed publish leaves it staged.
   */
  publish(options?: PutOptions): Promise<number>;
  /** Drops the staged bytes if they were not published; nothing becomes visible. */
  discard(): Promise<void>;
}

export interface ObjectStore {
  /** The object, or undefined when the key does not exist. */
  get(key: string): Promise<StoredObject | undefined>;
  /**
   * Reads the object straight into `target` at `targetOffset` (no intermediate buffer) and
   * returns its byte length, or undefined when the key does not exist. Throws if the object is
   * larger than the room left in `target`.
   */
  readInto(key: string, target: Uint8Array, targetOffset: number): Promise<number | undefined>;
  /**
   * Reads `range` of the object (default: all of it) into `target` at `targetOffset` and returns
   * the object's size and generation, or undefined when the key does not exist. The generation
   * and the bytes come from the same version of the object, so the pair can feed a
   * compare-and-swap. Throws OBJECT_TOO_LARGE when the bytes do not fit in the room left in
   * `target`, INVALID_OPTION when the range runs past the end of the object.
   */
  readSlice(key: string, target: Uint8Array, targetOffset: number, range?: ByteRange, options?: ReadOptions): Promise<SliceInfo | undefined>;
  /**
   * The object's current generation, without its bytes (GCS: a metadata get), or undefined when
   * the key does not exist: a cheap check whether a copy read earlier is still current. Optional;
   * callers without it use `get`.
   */
  generationOf?(key: string): Promise<number | undefined>;
  /**
   * Stores `data` under `key` atomically: a reader sees the old object or the new one, never a
   * torn mix, even if the writing process is killed midway. Returns the new generation.
   */
  put(key: string, data: Uint8Array, options?: PutOptions): Promise<number>;
  /**
   * Writes `data` for `key` without making it visible: no get, list or hasPrefix sees it until
   * `publish` (GCS: an upload to a temporary object, then a rewrite). The caller may reuse
   * `data` once this resolves. Stores without it are staged in memory by `stageObject`
   * (staging.ts). Staged bytes of a killed process are never visible and are cleaned up by the
   * store.
   */
  stage?(key: string, data: Uint8Array): Promise<StagedObject>;
  /** Removes the key; returns false when it did not exist. */
  delete(key: string, options?: DeleteOptions): Promise<boolean>;
  /** Every key that starts with `prefix`, in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  /**
   * Whether any key starts with `prefix`: `list` stopped at the first key (GCS: a list with
   * maxResults 1), so its cost does not grow with the number of keys.
   */
  hasPrefix(prefix: string): Promise<boolean>;
  /** Releases resources (file handles); the store must not be used afterwards. */
  close(): Promise<void>;
}
