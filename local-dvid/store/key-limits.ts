// How long a store key may be. Both stores refuse longer keys with INVALID_KEY (a 400 to HTTP
// clients, whose names and UUIDs the keys are built from), so a name can never reach the
// filesystem as ENAMETOOLONG: FsStore maps every key segment to a file or directory name and
// adds at most 29 characters to it (`#lock`, `#`, `#tmp.<pid>.<counter>`), and file names are at
// most 255 bytes on common filesystems. The MemoryStore applies the same bounds, so that what one
// store accepts the other accepts too.
import { LocalDvidError } from "../errors.js";

/** Characters of a whole key. */
export const MAX_KEY_CHARS = 1024;
/** Characters of one key segment (between slashes): 255 minus FsStore's longest suffix. */
export const MAX_KEY_SEGMENT_CHARS = 224;

/** Whether a key (or a list prefix) fits the bounds; a prefix that does not can match no key. */
export function fitsKeyLimits(key: string): boolean {
  return key.length <= MAX_KEY_CHARS && key.split("/").every((s) => s.length <= MAX_KEY_SEGMENT_CHARS);
}

/** Throws INVALID_KEY when `key` or one of its segments is too long; `what` names the operation. */
export function checkKeyLength(key: string, what = "store key"): void {
  if (key.length > MAX_KEY_CHARS) {
    throw new LocalDvidError("INVALID_KEY", `${what} is ${key.length} characters; at most ${MAX_KEY_CHARS} are allowed`);
  }
  let start = 0;
  for (;;) {
    const end = key.indexOf("/", start);
    const length = (end < 0 ? key.length : end) - start;
    if (length > MAX_KEY_SEGMENT_CHARS) {
      throw new LocalDvidError(
        "INVALID_KEY",
        `${what} segment of ${length} characters is too long: at most ${MAX_KEY_SEGMENT_CHARS} (a segment is a file name); key starts ${JSON.stringify(key.slice(0, 80))}`,
      );
    }
    if (end < 0) return;
    start = end + 1;
  }
}
