// The compare-and-swap condition of put and delete (GCS `ifGenerationMatch`), as every store
// checks it: the option first (before any work), then against the object's current generation.
import { LocalDvidError } from "../errors.js";

/** Throws INVALID_OPTION unless `expected` is undefined or a non-negative integer. */
export function checkGenerationOption(expected: number | undefined): void {
  if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) {
    throw new LocalDvidError("INVALID_OPTION", `ifGenerationMatch must be a non-negative integer; got ${String(expected)}`);
  }
}

/** Throws PRECONDITION_FAILED when `expected` is given and is not the current generation (0: absent). */
export function checkPrecondition(key: string, current: number, expected: number | undefined): void {
  if (expected !== undefined && current !== expected) {
    throw new LocalDvidError("PRECONDITION_FAILED", `precondition failed for ${key}: generation is ${current}, expected ${expected}`);
  }
}
