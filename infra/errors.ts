/**
 * Errors raised by the infra program before any cloud resource is created.
 *
 * Codes are stable strings callers may switch on; messages name the key, the rule and the value
 * that was got (`nodes must be between 1 and 16; got 40`).
 */
export type InfraErrorCode =
  /** A configuration value or option broke a rule (range, format, type). */
  | "INVALID_CONFIG"
  /** A configuration key or option name the program does not know (a typo, usually). */
  | "UNKNOWN_CONFIG_KEY"
  /** A required configuration value is missing. */
  | "MISSING_CONFIG";

export class InfraError extends Error {
  override readonly name = "InfraError";
  readonly code: InfraErrorCode;
  /** The configuration key (or option name) at fault, without the `dvidcloud:` namespace. */
  readonly key: string | undefined;
  /** The offending value as given. */
  readonly value: unknown;

  constructor(
    code: InfraErrorCode,
    message: string,
    details: { key?: string; value?: unknown; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.key = details.key;
    this.value = details.value;
  }
}

export function isInfraError(err: unknown, code?: InfraErrorCode): err is InfraError {
  return err instanceof InfraError && (code === undefined || err.code === code);
}
