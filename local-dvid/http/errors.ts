// Client errors of the HTTP layer. DVID answers almost every client error with 400 and a
// text/plain body `<message> (<URL path>).\n` (server.BadRequest, dvid-api.md §1.5); a few
// answers are written verbatim with http.Error instead (the "Bad API call" text, keyvalue's 404
// `Key "k" not found`, the router's `404 page not found`). Handlers throw these; the server turns
// them into responses, so a handler never writes an error itself.
import { LocalDvidError } from "../errors.js";

export class DvidRequestError extends LocalDvidError {
  readonly status: number;
  /** true: the body is the message as is; false: DVID's `<message> (<path>).` form. */
  readonly verbatim: boolean;
  constructor(status: 400 | 404 | 503, message: string, options: { verbatim?: boolean; cause?: unknown } = {}) {
    super(status === 404 ? "NOT_FOUND" : status === 503 ? "RETRIES_EXHAUSTED" : "BAD_REQUEST", message, {
      cause: options.cause,
    });
    this.name = "DvidRequestError";
    this.status = status;
    this.verbatim = options.verbatim ?? false;
  }
}

export function isDvidRequestError(err: unknown): err is DvidRequestError {
  return err instanceof DvidRequestError;
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

/** Go's %q for the strings DVID quotes in messages (close enough: JSON string syntax). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
