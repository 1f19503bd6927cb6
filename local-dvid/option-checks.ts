// The one option-checking kit of local-dvid (STYLE.md 4): options are checked as they come in,
// unknown keys are refused, and every error is INVALID_OPTION naming the option, what it must be
// and what it got. The server, the stores and the local cluster check their options with it.
import { LocalDvidError } from "./errors.js";

export function invalidOption(message: string): LocalDvidError {
  return new LocalDvidError("INVALID_OPTION", message);
}

/** A value as an error message shows it: strings quoted, objects by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "an object";
  if (typeof value === "function") return "a function";
  return String(value);
}

/**
 * Refuses options that are not an object and every key not in `allowed`; absent options read as
 * {}. `what` names whose options they are in the message (`unknown FsStore option "x"`).
 */
export function checkOptionKeys<T extends object>(options: T | undefined, allowed: readonly (keyof T & string)[], what?: string): T {
  const whose = what === undefined ? "" : `${what} `;
  if (options === undefined) return {} as T;
  if (typeof options !== "object" || options === null) throw invalidOption(`${whose}options must be an object; got ${describeValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw invalidOption(`unknown ${whose}option ${JSON.stringify(key)}; expected one of ${allowed.join(", ")}`);
    }
  }
  return options;
}

/** undefined, or a string (a non-empty one with `nonEmpty`). */
export function checkString(value: unknown, name: string, { nonEmpty = false } = {}): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || (nonEmpty && value === "")) {
    throw invalidOption(`${name} must be a ${nonEmpty ? "non-empty " : ""}string; got ${describeValue(value)}`);
  }
  return value;
}

/** A file-system path: a non-empty string (not resolved here). */
export function checkPath(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") throw invalidOption(`${name} must be a non-empty path; got ${describeValue(value)}`);
  return value;
}

/** undefined, or a boolean. */
export function checkBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") throw invalidOption(`${name} must be a boolean; got ${describeValue(value)}`);
  return value;
}

/** undefined, or an integer from `min` to `max`. */
export function checkIntegerIn(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalidOption(`${name} must be an integer from ${min} to ${max}; got ${describeValue(value)}`);
  }
  return value as number;
}

/** undefined, or a duration in ms: positive, or also 0 with `zeroOk`. */
export function checkMs(value: unknown, name: string, { zeroOk = false } = {}): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk)) {
    throw invalidOption(`${name} must be a ${zeroOk ? "non-negative" : "positive"} number of ms; got ${describeValue(value)}`);
  }
  return value;
}

/** undefined, or an AbortSignal. Duck-typed: a signal from another realm (a test VM context) fails `instanceof`. */
export function checkSignal(value: unknown, name = "signal"): AbortSignal | undefined {
  const signal = value as Partial<AbortSignal> | undefined;
  if (signal !== undefined && (signal === null || typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function")) {
    throw invalidOption(`${name} must be an AbortSignal; got ${describeValue(value)}`);
  }
  return value as AbortSignal | undefined;
}
