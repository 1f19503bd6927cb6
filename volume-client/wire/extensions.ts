// What a DVID-compatible server may offer beyond DVID (ARCHITECTURE.md "local-dvid"). A server
// lists its extensions in `GET /api/server/info` under "Extensions"; a client uses one only when
// it sees the name there, so against a real DVID (which lacks them all) it behaves as DVID wants.

/**
 * `POST …/raw/0_1_2/<size>/<offset>?nonaligned=true` accepts any box: each block the box covers
 * in part is read, patched and written back by compare-and-swap (local-dvid).
 */
export const NONALIGNED_RAW_POST = "nonaligned-raw-post";

/** The query parameter of a raw POST that asks for NONALIGNED_RAW_POST. */
export const NONALIGNED_QUERY = "nonaligned";

/** The `"Extensions"` value of server info: the names, comma-separated. */
export function formatExtensions(names: readonly string[]): string {
  return names.join(",");
}

/** The names in an `"Extensions"` value (commas or spaces between them); none when absent. */
export function parseExtensions(value: unknown): ReadonlySet<string> {
  return new Set((typeof value === "string" ? value : "").split(/[\s,]+/).filter(Boolean));
}

/** Whether a query flag is on: `true`, `1` or `on`, in any case. */
export function isQueryFlagOn(value: string | null): boolean {
  return value !== null && ["true", "1", "on"].includes(value.toLowerCase());
}
