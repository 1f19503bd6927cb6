// DVID parses every coordinate in a URL as a Go int32 (`strconv.ParseInt(s, 10, 32)`,
// dvid-api.md §4.3), so a box must lie within these bounds to be addressable at all.

export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;

export function isInt32(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX;
}
