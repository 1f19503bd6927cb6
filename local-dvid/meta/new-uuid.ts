// DVID's node and data UUIDs: a random v4 UUID printed as 32 lowercase hex digits (dvid.NewUUID).
import { randomUUID } from "node:crypto";

export function newUuid(): string {
  return randomUUID().replace(/-/g, "");
}

/** dvid.StringToUUID: exactly 32 hexadecimal characters. */
export function isDvidUuid(s: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(s);
}
