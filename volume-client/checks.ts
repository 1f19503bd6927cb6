// The checking kit of volume-client: every option and argument is checked once, on input,
// before any request. A bad value fails with INVALID_ARGUMENT naming where, which key, what was
// expected and what was got; an unknown option key is refused (got's way, STYLE.md 4).
import { invalidArgument } from "./errors.js";

/** Checks one option value; throws INVALID_ARGUMENT naming `key` and `where`. */
export type Check = (value: unknown, key: string, where: string) => void;

/** An integer from `min` to `max`, both included. */
export const intIn =
  (min: number, max: number): Check =>
  (value, key, where) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw invalidArgument(`${where}: ${key} must be an integer between ${min} and ${max}; got ${describe(value)}`);
    }
  };

export const bool: Check = (value, key, where) => {
  if (typeof value !== "boolean") throw invalidArgument(`${where}: ${key} must be a boolean; got ${describe(value)}`);
};

/** Any string, the empty one included. */
export const str: Check = (value, key, where) => {
  if (typeof value !== "string") throw invalidArgument(`${where}: ${key} must be a string; got ${describe(value)}`);
};

export const nonEmptyStr: Check = (value, key, where) => {
  if (typeof value !== "string" || value.length === 0) {
    throw invalidArgument(`${where}: ${key} must be a non-empty string; got ${describe(value)}`);
  }
};

export const stringList: Check = (value, key, where) => {
  if (!Array.isArray(value) || !value.every((e) => typeof e === "string")) {
    throw invalidArgument(`${where}: ${key} must be an array of strings; got ${describe(value)}`);
  }
};

export const fn: Check = (value, key, where) => {
  if (typeof value !== "function") throw invalidArgument(`${where}: ${key} must be a function; got ${describe(value)}`);
};

export const abortSignal: Check = (value, key, where) => {
  if (!(value instanceof AbortSignal)) throw invalidArgument(`${where}: ${key} must be an AbortSignal; got ${describe(value)}`);
};

/** One of the listed strings. */
export const oneOf =
  (allowed: readonly string[]): Check =>
  (value, key, where) => {
    if (typeof value !== "string" || !allowed.includes(value)) {
      throw invalidArgument(`${where}: ${key} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; got ${describe(value)}`);
    }
  };

/** A known key whose value the caller checks itself, where it converts it. */
export const checkedByCaller: Check = () => {};

/** Rejects unknown keys and ill-typed values; `undefined` values count as absent. */
export function checkOptions<T extends object>(given: T | undefined, checks: Record<string, Check>, where: string): T {
  if (given === undefined) return {} as T;
  if (given === null || typeof given !== "object") {
    throw invalidArgument(`${where}: options must be an object; got ${describe(given)}`);
  }
  for (const [key, value] of Object.entries(given)) {
    const check = checks[key];
    if (!check) {
      throw invalidArgument(`${where}: unknown option "${key}"; known options are ${Object.keys(checks).join(", ")}`);
    }
    if (value !== undefined) check(value, key, where);
  }
  return given;
}

/**
 * True for a non-empty string that can stand as one URL path segment as it is: DVID decodes
 * the path before splitting it on "/" (dvid-api.md §1.1), so even an encoded "/" would split it.
 */
export function isPathSegment(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && !/[/?#%\s]/.test(value);
}

/** True for an array of 3 numbers that each pass `ok`. */
export function isTriple(value: unknown, ok: (n: number) => boolean): value is [number, number, number] {
  return Array.isArray(value) && value.length === 3 && value.every((n) => typeof n === "number" && ok(n));
}

/** A short, safe rendering of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) {
    try {
      const text = JSON.stringify(value);
      return text.length > 80 ? `${text.slice(0, 80)}…` : text;
    } catch {
      return `an array of length ${value.length}`;
    }
  }
  const ctor = (value as object).constructor?.name;
  return ctor ? `a ${ctor}` : "an object";
}
