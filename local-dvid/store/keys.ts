// Store keys are slash-separated names of printable ASCII, like object names in a bucket. The
// filesystem store maps them to paths, so no segment may be empty, "." or "..".
import { LocalDvidError } from "../errors.js";
import { checkKeyLength } from "./key-limits.js";

const SEGMENT = /^[A-Za-z0-9._~:=+@-]+$/;

export function checkKey(key: string): void {
  if (typeof key !== "string" || key.length === 0 || key.length > 1024) {
    throw new LocalDvidError("INVALID_KEY", `store key must be 1 to 1024 characters; got ${JSON.stringify(key)}`);
  }
  for (const segment of key.split("/")) {
    if (segment === "." || segment === ".." || !SEGMENT.test(segment)) {
      throw new LocalDvidError(
        "INVALID_KEY",
        `store key segments must be non-empty, not "." or "..", of [A-Za-z0-9._~:=+@-]; got ${JSON.stringify(key)}`,
      );
    }
  }
  checkKeyLength(key);
}
