// Turning DVID's generic 400 for a mutation of a committed version into LOCKED_VERSION.
// DVID reports a locked node with a plain 400 and free text (dvid-api.md §3.7, §7.3); rather
// than match on that text, ask the node's status (`GET /api/node/{uuid}/status`, §3.6) after a
// 400 and name the version when it is locked.
import { VolumeClientError, isVolumeClientError } from "./errors.js";
import type { Transport } from "./transport.js";
import { encodePathSegment } from "./wire/raw-url.js";

export async function explainMutationError(
  transport: Transport,
  err: unknown,
  uuid: string,
  what: string,
): Promise<unknown> {
  if (!isVolumeClientError(err, "HTTP_ERROR") || err.status !== 400) return err;
  let locked = false;
  try {
    const status = await transport.json<{ Locked?: boolean }>({
      method: "GET",
      path: `/api/node/${encodePathSegment(uuid)}/status`,
      route: "writer",
      idempotent: true,
    });
    locked = status.Locked === true;
  } catch {
    // The status call failing leaves DVID's own error as the best explanation.
  }
  if (!locked) return err;
  return new VolumeClientError(
    "LOCKED_VERSION",
    `${what}: version ${uuid} is committed (locked) and takes no more writes; write to a new version (newVersion() or branch()) instead. DVID said: ${err.dvidMessage}`,
    { uuid, method: err.method, path: err.path, node: err.node, status: err.status, dvidMessage: err.dvidMessage, cause: err },
  );
}
