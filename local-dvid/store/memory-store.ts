// An in-memory ObjectStore for tests: the same semantics as the filesystem store, in one process.
import { LocalDvidError } from "../errors.js";
import type { ByteRange, DeleteOptions, ObjectStore, PutOptions, SliceInfo, StagedObject, StoredObject } from "./object-store.js";
import { stageCopy } from "./staging.js";
import { checkGenerationOption, checkPrecondition } from "./preconditions.js";
import { checkRange, checkRoom } from "./ranges.js";
import { checkKey } from "./keys.js";
import { fitsKeyLimits } from "./key-limits.js";

export class MemoryStore implements ObjectStore {
  readonly #objects = new Map<string, StoredObject>();
  #nextGeneration = 1;
  #closed = false;

  async get(key: string): Promise<StoredObject | undefined> {
    this.#check(key);
    const obj = this.#objects.get(key);
    // Hand out a copy: a caller that mutates what it read must not change the store.
    return obj && { data: Buffer.from(obj.data), generation: obj.generation };
  }

  async readInto(key: string, target: Uint8Array, targetOffset: number): Promise<number | undefined> {
    return (await this.readSlice(key, target, targetOffset))?.size;
  }

  async readSlice(key: string, target: Uint8Array, targetOffset: number, range?: ByteRange): Promise<SliceInfo | undefined> {
    this.#check(key);
    const obj = this.#objects.get(key);
    if (!obj) return undefined;
    const { start, length } = checkRange(key, obj.data.length, range);
    checkRoom(key, length, target, targetOffset);
    target.set(obj.data.subarray(start, start + length), targetOffset);
    return { size: obj.data.length, generation: obj.generation };
  }

  async put(key: string, data: Uint8Array, options: PutOptions = {}): Promise<number> {
    this.#check(key);
    this.#precondition(key, options.ifGenerationMatch);
    const generation = this.#nextGeneration++;
    this.#objects.set(key, { data: Buffer.from(data), generation });
    return generation;
  }

  async stage(key: string, data: Uint8Array): Promise<StagedObject> {
    this.#check(key);
    return stageCopy(this, key, data);
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    this.#check(key);
    this.#precondition(key, options.ifGenerationMatch);
    return this.#objects.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    if (this.#closed) throw new LocalDvidError("STORE_CLOSED", "the store is closed");
    if (!fitsKeyLimits(prefix)) return []; // as FsStore: no key can be that long
    return [...this.#objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async hasPrefix(prefix: string): Promise<boolean> {
    if (this.#closed) throw new LocalDvidError("STORE_CLOSED", "the store is closed");
    for (const k of this.#objects.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(key: string): void {
    if (this.#closed) throw new LocalDvidError("STORE_CLOSED", "the store is closed");
    checkKey(key);
  }

  #precondition(key: string, expected: number | undefined): void {
    checkGenerationOption(expected);
    checkPrecondition(key, this.#objects.get(key)?.generation ?? 0, expected);
  }
}
