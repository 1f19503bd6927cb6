// Errors of local-dvid: one base class with a stable `code`, and a guard. Never match on text.

export type LocalDvidErrorCode =
  | "PRECONDITION_FAILED" // a conditional put/delete lost a compare-and-swap race
  | "OBJECT_TOO_LARGE" // readInto: the object does not fit in the room left in the target
  | "INVALID_KEY" // a store key that is empty or would escape the store
  | "STORE_CLOSED" // the store was used after close()
  | "STORE_LOCK_TIMEOUT" // a key's lock stayed held by a live process for longer than the wait allowed
  | "CORRUPT_OBJECT" // a stored file is not a well-formed object (bad header or shorter than it says)
  | "CLUSTER_START_FAILED" // a node of a local cluster did not come up
  | "CLUSTER_NOT_FOUND" // no state file for the named local cluster
  | "CLUSTER_EXISTS" // a local cluster of that name is already running (its state file names live nodes)
  | "CLUSTER_RUNNING" // deleteLocalClusterData: the cluster (or another one on its store) is running
  | "NOT_A_STORE" // deleteLocalClusterData: a recorded store directory holds files that are not the store's
  | "ABORTED" // the caller's AbortSignal aborted the operation (a local cluster start: the nodes started so far were stopped)
  | "INVALID_OPTION" // an option out of range or of the wrong type
  // What the server's repos, versions and voxels refuse (meta/, voxels/); http/errors.ts says
  // how DVID answers each (dvid-api.md §1.5):
  | "INVALID_ARGUMENT" // a value in a URL or body that DVID refuses (a bad point, setting or UUID)
  | "NOT_FOUND" // no such repo, version, branch or instance
  | "ALREADY_EXISTS" // a UUID, name or branch that is taken
  | "CONFLICT" // the repo's state does not allow it (e.g. a branch with two children)
  | "RETRIES_EXHAUSTED"; // a compare-and-swap kept losing to other writers

export class LocalDvidError extends Error {
  readonly code: LocalDvidErrorCode;
  constructor(code: LocalDvidErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LocalDvidError";
    this.code = code;
  }
}

export function isLocalDvidError(err: unknown, code?: LocalDvidErrorCode): err is LocalDvidError {
  return err instanceof LocalDvidError && (code === undefined || err.code === code);
}
