// How DVID's Go code prints values in its messages, for texts that must read as DVID's.

/** Go's %q for the strings DVID quotes in messages (close enough: JSON string syntax). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** dvid.Point's String(): `(x,y,z)`, as DVID's messages print points and sizes. */
export function goPoint(p: readonly number[]): string {
  return `(${p.join(",")})`;
}
