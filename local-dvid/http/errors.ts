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
};

/** The answer DVID gives for `err`, or undefined when it is a server fault (500). */
export function dvidAnswerFor(err: unknown): DvidRequestError | undefined {
  if (err instanceof DvidRequestError) return err;
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
