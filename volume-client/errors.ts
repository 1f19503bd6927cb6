// Errors of volume-client: one class with a stable `code`, typed fields and the `cause` kept,
// and a guard. Callers branch on `code`, never on message text.

export type VolumeClientErrorCode =
  /** A malformed argument or option (empty box, bad name, unknown option key…). No request sent. */
  | "INVALID_ARGUMENT"
  /** The array's element type is not the volume's dtype. No request sent. */
  | "DTYPE_MISMATCH"
  /** The array's shape or length does not fit (not 3-D, data length ≠ shape). No request sent. */
  | "SHAPE_MISMATCH"
  /** A write box not on block boundaries without `nonAlignedWrites: true`. No request sent. */
  | "NOT_ALIGNED"
  /** A mutation of a committed (locked) version; `uuid` names it. */
  | "LOCKED_VERSION"
  /** The server answered 404, or a version reference matched nothing. */
  | "NOT_FOUND"
  /** Any other non-success HTTP status (DVID answers 400 for almost every client error). */
  | "HTTP_ERROR"
  /** The caller's `signal` fired; every request of the operation was cancelled. */
  | "ABORTED"
  /** A response body whose byte length is not what the requested shape needs. */
  | "RESPONSE_LENGTH"
  /** No node answered after every retry and failover (503s, refused or dropped connections). */
  | "UNAVAILABLE";

interface VolumeClientErrorFields {
  /** HTTP method of the failed request (`GET`, `POST`…). */
  readonly method?: string;
  /** URL path of the failed request, without the query string. */
  readonly path?: string;
  /** Base URL of the node that answered (or failed). */
  readonly node?: string;
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** DVID's error text (the response body, trimmed). */
  readonly dvidMessage?: string;
  /** The version concerned (LOCKED_VERSION, NOT_FOUND on references). */
  readonly uuid?: string;
  /** NOT_ALIGNED: the nearest block-aligned box containing the requested one, ZYX. */
  readonly alignedBoxZyx?: readonly (readonly [number, number])[];
  readonly cause?: unknown;
}

export class VolumeClientError extends Error {
  readonly code: VolumeClientErrorCode;
  readonly method?: string;
  readonly path?: string;
  readonly node?: string;
  readonly status?: number;
  readonly dvidMessage?: string;
  readonly uuid?: string;
  readonly alignedBoxZyx?: readonly (readonly [number, number])[];

  constructor(code: VolumeClientErrorCode, message: string, fields: VolumeClientErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "VolumeClientError";
    this.code = code;
    this.method = fields.method;
    this.path = fields.path;
    this.node = fields.node;
    this.status = fields.status;
    this.dvidMessage = fields.dvidMessage;
    this.uuid = fields.uuid;
    this.alignedBoxZyx = fields.alignedBoxZyx;
  }
}

export function isVolumeClientError(
  err: unknown,
  code?: VolumeClientErrorCode,
): err is VolumeClientError {
  return err instanceof VolumeClientError && (code === undefined || err.code === code);
}

/** Shorthand for the most common error: a bad argument, detected before any request. */
export function invalidArgument(message: string): VolumeClientError {
  return new VolumeClientError("INVALID_ARGUMENT", message);
}
