// Creating a data instance: DVID's `POST /api/repo/{uuid}/instance` with the instance's JSON
// config (dvid-api.md §2.3), sent to the writer. Not repeated on failure: a second POST after
// one that landed would answer "already exists". A 400 from a locked version becomes
// LOCKED_VERSION naming `what` (locked-check.ts).
import { explainMutationError } from "./locked-check.js";
import type { Transport } from "./transport.js";

export async function createInstance(
  transport: Transport,
  uuid: string,
  config: Readonly<Record<string, string>>,
  signal: AbortSignal | undefined,
  what: string,
): Promise<void> {
  try {
    await transport.buffer({
      method: "POST",
      path: `/api/repo/${uuid}/instance`,
      route: "writer",
      idempotent: false,
      body: JSON.stringify(config),
      contentType: "application/json",
      signal,
    });
  } catch (err) {
    throw await explainMutationError(transport, err, uuid, what);
  }
}
