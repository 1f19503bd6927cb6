// The one option-checking kit of automation, for both targets: every check names where it ran
// (`up()`, `gcpUp()`, …), the option, what it expects and what it got, and throws
// `INVALID_OPTION`. Checks run on input, before any work starts.
import { DvidcloudError } from "./errors.js";

/** A short, readable rendering of a value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function invalid(message: string, cause?: unknown): DvidcloudError {
  return new DvidcloudError("INVALID_OPTION", message, cause === undefined ? undefined : { cause });
}

/** `value` must be a plain object (an options bag). */
export function checkObject(value: unknown, what: string, where: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw invalid(`${where}: ${what} must be an object; got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/** Rejects the first key of `value` that is not in `known`, naming it and the known ones. */
export function checkKeys(where: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw invalid(`${where}: unknown option "${key}"; known options are ${known.join(", ")}`);
  }
}

export function checkInteger(value: unknown, key: string, min: number, max: number, fallback: number, where: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${where}: ${key} must be an integer between ${min} and ${max}; got ${describe(value)}`);
  }
  return value;
}

export function checkBoolean(value: unknown, key: string, fallback: boolean, where: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw invalid(`${where}: ${key} must be a boolean; got ${describe(value)}`);
  return value;
}

/** An optional non-empty path. */
export function checkPath(value: unknown, key: string, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") throw invalid(`${where}: ${key} must be a non-empty path; got ${describe(value)}`);
  return value;
}

export function checkFunction<F extends (...args: never[]) => unknown>(value: unknown, key: string, where: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") throw invalid(`${where}: ${key} must be a function; got ${describe(value)}`);
  return value as F;
}

export function checkSignal(value: unknown, where: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw invalid(`${where}: signal must be an AbortSignal; got ${describe(value)}`);
  return value;
}
