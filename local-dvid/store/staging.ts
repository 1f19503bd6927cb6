// Staging writes (ObjectStore.stage) on any store: the store's own staging when it has one (the
// filesystem store writes a temp file beside the object and renames it into place on publish),
// else a copy of the bytes kept in memory and put on publish.
import { LocalDvidError } from "../errors.js";
import type { ObjectStore, PutOptions, StagedObject } from "./object-store.js";

/** Stages `data` for `key` on `store` (see ObjectStore.stage). */
export async function stageObject(store: ObjectStore, key: string, data: Uint8Array): Promise<StagedObject> {
  return store.stage ? store.stage(key, data) : stageCopy(store, key, data);
}

/** Staging by a copy of `data` kept in memory, put under `key` on `store` at publish. */
export function stageCopy(store: ObjectStore, key: string, data: Uint8Array): StagedObject {
  let copy: Buffer | undefined = Buffer.from(data);
  let published = false;
  return {
    async publish(options?: PutOptions): Promise<number> {
      if (copy === undefined) throw notStaged(key, published);
      const generation = await store.put(key, copy, options);
      copy = undefined;
      published = true;
      return generation;
    },
    async discard(): Promise<void> {
      copy = undefined;
    },
  };
}

/** The error of a second publish, or of a publish after discard. */
export function notStaged(key: string, published: boolean): LocalDvidError {
  return new LocalDvidError(
    "INVALID_OPTION",
    `the staged object for ${key} was already ${published ? "published" : "discarded"}; stage it again`,
  );
}
