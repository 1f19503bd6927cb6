// Argument checks shared by the stores' ranged reads (ObjectStore.readSlice).
import { LocalDvidError } from "../errors.js";
import type { ByteRange } from "./object-store.js";

/** The range to read of an object of `size` bytes (all of it by default), checked. */
export function checkRange(key: string, size: number, range: ByteRange | undefined): ByteRange {
  if (range === undefined) return { start: 0, length: size };
  const { start, length } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < 0 || start + length > size) {
    throw new LocalDvidError(
      "INVALID_OPTION",
      `range start ${String(start)}, length ${String(length)} of ${key} must be non-negative integers within its ${size} bytes`,
    );
  }
  return range;
}

/** Throws OBJECT_TOO_LARGE unless `length` bytes fit in `target` from `targetOffset`. */
export function checkRoom(key: string, length: number, target: Uint8Array, targetOffset: number): void {
  if (!Number.isInteger(targetOffset) || targetOffset < 0 || targetOffset > target.length) {
    throw new LocalDvidError(
      "INVALID_OPTION",
      `targetOffset must be an integer from 0 to the target length ${target.length}; got ${targetOffset}`,
    );
  }
  if (length > target.length - targetOffset) {
    throw new LocalDvidError(
      "OBJECT_TOO_LARGE",
      `${length} bytes of object ${key} do not fit: only ${target.length - targetOffset} bytes of room at offset ${targetOffset}`,
    );
  }
}
