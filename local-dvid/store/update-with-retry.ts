// Read-modify-write of one object by compare-and-swap, as on a cloud bucket (GCS
// `ifGenerationMatch`): read the object and its generation, compute the new bytes, put them only
// if nobody wrote in between, else pause a random moment and start over. Repo metadata, extents
// and patched blocks all change this way, so concurrent writers through several processes all
// keep their changes instead of the last one winning.
import { LocalDvidError, isLocalDvidError } from "../errors.js";
import type { ObjectStore } from "./object-store.js";

/** What one round read and decided. */
export interface CasRound<T> {
  /** The generation the bytes were computed from (0: the object did not exist). */
  readonly generation: number;
  /** The new bytes, or undefined when the object is already as wanted (nothing is written). */
  readonly data: Uint8Array | undefined;
  readonly result: T;
}

export interface RetryOptions {
  /** What kept changing, for the RETRIES_EXHAUSTED message, e.g. `metadata of repo <root>`. */
  readonly what: string;
  /** Rounds at most. Default 200. */
  readonly maxAttempts?: number;
  /** The random pause before round n + 1 is at most min(maxDelayMs, n + 1) ms. Default 20. */
  readonly maxDelayMs?: number;
}

/** A lost race: another round may succeed. */
function isConflict(err: unknown): boolean {
  return isLocalDvidError(err, "PRECONDITION_FAILED");
}

/**
 * Runs `round` and puts what it decided under `key` with `ifGenerationMatch`, until a put
 * succeeds or nothing needs writing; returns that round's result. `round` may run several
 * times, so it must have no effect beyond what it returns; an error it throws ends the update
 * with nothing written. Throws RETRIES_EXHAUSTED after `maxAttempts` lost races.
 */
export async function updateWithRetry<T>(
  store: ObjectStore,
  key: string,
  round: () => Promise<CasRound<T>>,
  options: RetryOptions,
): Promise<T> {
  const { what, maxAttempts = 200, maxDelayMs = 20 } = options;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const { generation, data, result } = await round();
    if (data === undefined) return result;
    try {
      await store.put(key, data, { ifGenerationMatch: generation });
      return result;
    } catch (err) {
      // A key lock held by a live process for the whole lock timeout (a paused or stuck node:
      // locks are never broken while their owner lives) is not a race another round would win
      // soon; answer at once that the caller may retry (503), instead of waiting out many timeouts.
      if (isLocalDvidError(err, "STORE_LOCK_TIMEOUT")) {
        throw new LocalDvidError("RETRIES_EXHAUSTED", `${what} is held by another process that does not finish its change (${err.message}); retry`, { cause: err });
      }
      if (!isConflict(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(maxDelayMs, attempt + 1)));
    }
  }
  throw new LocalDvidError("RETRIES_EXHAUSTED", `${what} kept changing during ${maxAttempts} attempts; retry`);
}
