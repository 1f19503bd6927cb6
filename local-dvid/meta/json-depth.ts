// How deeply a JSON text nests, found by a scan of its brackets (outside strings) before it is
// parsed: a body nested thousands of levels deep is refused with a 400 instead of exhausting the
// call stack of whatever walks the parsed value (Go's encoding/json stops at 10000 levels too).

/** The deepest nesting a request body may have; DVID's bodies need at most 4. */
export const MAX_JSON_DEPTH = 64;

/** The first depth above `max` that `text` reaches, or undefined when it stays within `max`. */
export function jsonDepthOver(text: string, max = MAX_JSON_DEPTH): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}
