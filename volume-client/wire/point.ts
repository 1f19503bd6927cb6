// DVID's point grammar in URLs (dvid.StringToPoint, dvid-api.md §4.3): integers separated by `_`
// (DVID also accepts `,`), x first, each parsed as Go's `strconv.ParseInt(s, 10, 32)`.
import { goQuote } from "./go-format.js";
import { INT32_MAX, INT32_MIN } from "./int32.js";
import { parsed, refused, type Parsed } from "./parse-result.js";

/** As many components as given; refused with Go's strconv text for the first bad one. */
export function parsePoint(text: string): Parsed<number[]> {
  const out: number[] = [];
  for (const part of text.split(/[_,]/)) {
    if (!/^[+-]?\d+$/.test(part)) return refused(`strconv.ParseInt: parsing ${goQuote(part)}: invalid syntax`);
    const n = Number(part);
    if (n < INT32_MIN || n > INT32_MAX) return refused(`strconv.ParseInt: parsing ${goQuote(part)}: value out of range`);
    out.push(n);
  }
  return parsed(out);
}

/** `[x, y, z]` → `"x_y_z"`. */
export function formatPoint(p: readonly number[]): string {
  return p.join("_");
}
