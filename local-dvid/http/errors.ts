// The HTTP layer's answers to errors. DVID answers almost every client error with 400 and a
// text/plain body `<message> (<URL path>).\n` (server.BadRequest, dvid-api.md §1.5); a few
// answers are written verbatim with http.Error instead (the "Bad API call" text, keyvalue's 404
// `Key "k" not found`, the router's `404 page not found`). Handlers throw a DvidRequestError, or
// let through a LocalDvidError of meta/ or voxels/, which `dvidAnswerFor` maps to DVID's status;
// the server turns either into the response, so a handler never writes an error itself.
import { LocalDvidError, type LocalDvidErrorCode } from "../errors.js";
import { goQuote } from "../../volume-client/wire/go-format.js";

export class DvidRequestError extends Error {
  readonly status: number;
  /** true: the body is the message as is; false: DVID's `<message> (<path>).` form. */
  readonly verbatim: boolean;
  constructor(status: 400 | 404 | 503, message: string, options: { verbatim?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "DvidRequestError";
    this.status = status;
    this.verbatim = options.verbatim ?? false;
  }
}

export function isDvidRequestError(err: unknown): err is DvidRequestError {
  return err instanceof DvidRequestError;
}

/**
 * DVID's status for what the server's repos, versions and voxels refuse: 400 even for an unknown
 * UUID or branch (DVID has no 404 there), 503 for a compare-and-swap that kept losing (a retry
 * may succeed). Other codes are faults of the store or the server: 500.
 */
const STATUS: Partial<Record<LocalDvidErrorCode, 400 | 503>> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 400,
  ALREADY_EXISTS: 400,
  CONFLICT: 400,
  RETRIES_EXHAUSTED: 503,
  // Store keys are built from what clients name (UUIDs, keys); one too long for a file name is theirs.
  INVALID_KEY: 400,
};

/**
 * What the store's disk says when it cannot do its part. DVID's handlers answer an error of the
 * storage layer like any other, with server.BadRequest (400 `<message> (<path>).`), so these are
 * DVID's 400 too, with the cause named; a stack or a bare 500 would not tell the user that the
 * disk is full or read-only, and nothing is wrong with the server itself.
 */
const STORE_FAULTS: Record<string, string> = {
  ENOSPC: "the store's disk is full",
  EDQUOT: "the store's disk quota is used up",
  EROFS: "the store is on a read-only file system",
  EACCES: "the store's files may not be written or read by this process",
  EPERM: "the store's files may not be written or read by this process",
  EIO: "the store's disk reported an I/O error",
};

/** The Node system error (fs) somewhere in `err`'s cause chain whose code is a store fault. */
function storeFaultIn(err: unknown): (Error & { code: string }) | undefined {
  // Not `instanceof Error`: fs errors may come from another realm (a vm context, a worker).
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 8; e = (e as Error).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && Object.hasOwn(STORE_FAULTS, code)) return e as Error & { code: string };
  }
  return undefined;
}

/** The answer DVID gives for `err`, or undefined when it is a server fault (500). */
export function dvidAnswerFor(err: unknown): DvidRequestError | undefined {
  if (err instanceof DvidRequestError) return err;
  const fault = storeFaultIn(err);
  if (fault) return new DvidRequestError(400, `store fault: ${STORE_FAULTS[fault.code]} (${fault.message})`, { cause: err });
  const status = err instanceof LocalDvidError ? STATUS[err.code] : undefined;
  return status === undefined ? undefined : new DvidRequestError(status, (err as Error).message, { cause: err });
}

/** DVID's server.BadRequest: 400 `<message> (<path>).` */
export function badRequest(message: string, cause?: unknown): DvidRequestError {
  return new DvidRequestError(400, message, { cause });
}

/** A 404 written verbatim (keyvalue's missing key, the router's "404 page not found"). */
export function notFound(message = "404 page not found"): DvidRequestError {
  return new DvidRequestError(404, message, { verbatim: true });
}

/** DVID's BadAPIRequest: an unknown keyword on an instance, written verbatim with a help URL. */
export function badApiCall(path: string, dataName: string, typeName: string, host: string): DvidRequestError {
  return new DvidRequestError(
    400,
    `Bad API call (${path}) for data ${goQuote(dataName)}.  See API help at http://${host}/api/help/${typeName}`,
    { verbatim: true },
  );
}

/** The client went away before its body was complete: its fault, so a 400 that nobody will read. */
export function bodyAborted(cause?: unknown): DvidRequestError {
  return new DvidRequestError(400, "the client closed the connection before the body was complete", { cause });
}
