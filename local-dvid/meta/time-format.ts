// Timestamps as DVID prints them: Go's RFC3339Nano for Created/Updated, RFC3339 (seconds) in
// log entries, which read `<RFC3339 time>  <message>` with two spaces (dvid-api.md §3.3).

export function rfc3339Nano(date = new Date()): string {
  return date.toISOString();
}

function rfc3339(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

export function logEntries(messages: readonly string[], date = new Date()): string[] {
  const t = rfc3339(date);
  return messages.map((m) => `${t}  ${m}`);
}
