// The limits of one local-dvid server: how much one request may send or ask for. Each is a server
// option (`limits: { maxBodyBytes: … }`) and a CLI flag (`--max-body-bytes N`); a request over a
// limit is refused with a 400 naming the limit, its value and how to raise it, before its body is
// read (the points of a `labels` call, which only the body says, once the JSON is parsed).
import { checkIntegerIn, checkOptionKeys, invalidOption } from "./option-checks.js";

export interface Limits {
  /** Bytes of a raw POST body, and of the voxels a compressed one inflates to. Default 3 GiB (DVID's limit). */
  readonly maxBodyBytes: number;
  /** Bytes of a raw/isotropic GET answer (before compression). Default 3 GiB (DVID's server.MaxDataRequest). */
  readonly maxResponseBytes: number;
  /** Bytes of a JSON body (repo, node, instance and `labels` requests). Default 16 MiB. */
  readonly maxJsonBytes: number;
  /** Points of one `labels` GET. Default 1,000,000. */
  readonly maxLabelPoints: number;
  /** Voxel bytes of one 2-D slice (PNG) GET. Default 256 MiB (e.g. 16384 x 16384 uint8). */
  readonly maxSliceBytes: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxBodyBytes: 3 * 2 ** 30,
  maxResponseBytes: 3 * 2 ** 30,
  maxJsonBytes: 16 * 2 ** 20,
  maxLabelPoints: 1_000_000,
  maxSliceBytes: 256 * 2 ** 20,
});

/** Each limit's CLI flag (the server option is the key itself). */
export const LIMIT_FLAGS: Readonly<Record<keyof Limits, string>> = Object.freeze({
  maxBodyBytes: "max-body-bytes",
  maxResponseBytes: "max-response-bytes",
  maxJsonBytes: "max-json-bytes",
  maxLabelPoints: "max-label-points",
  maxSliceBytes: "max-slice-bytes",
});

const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/** The largest value a limit may be set to: Node's largest Buffer for bytes, and 2^31-1 points. */
const MAX_VALUE: Readonly<Record<keyof Limits, number>> = {
  maxBodyBytes: 2 ** 32,
  maxResponseBytes: 2 ** 32,
  maxJsonBytes: 2 ** 29, // V8's longest string is about 2^29 characters
  maxLabelPoints: 2 ** 31 - 1,
  maxSliceBytes: 2 ** 32,
};

/** The server option `limits`: a partial Limits (unknown keys and bad values are INVALID_OPTION), merged over the defaults. */
export function checkLimits(value: unknown): Limits {
  if (value === undefined) return DEFAULT_LIMITS;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidOption(`limits must be an object of ${LIMIT_KEYS.join(", ")}; got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`);
  }
  const given = checkOptionKeys(value as Partial<Limits>, LIMIT_KEYS, "limits");
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const key of LIMIT_KEYS) {
    const v = checkIntegerIn(given[key], `limits.${key}`, 1, MAX_VALUE[key]);
    if (v !== undefined) out[key] = v;
  }
  return Object.freeze(out) as unknown as Limits;
}

/** Parses a CLI flag's value for a limit: a positive integer, optionally with a KiB/MiB/GiB suffix (K, M, G). */
export function parseLimitFlag(key: keyof Limits, text: string): number {
  const m = /^(\d+)(?:([KMG])(?:iB)?)?$/i.exec(text.trim());
  const scale = m?.[2] ? 1024 ** ("KMG".indexOf(m[2].toUpperCase()) + 1) : 1;
  const n = m ? Number(m[1]) * scale : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_VALUE[key]) {
    throw invalidOption(`--${LIMIT_FLAGS[key]} expects an integer from 1 to ${MAX_VALUE[key]} (K, M, G suffixes allowed); got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The tail of a refusal: which limit, its value, and how to raise it. */
export function limitHint(key: keyof Limits, limits: Limits): string {
  return `local-dvid limit ${key} = ${limits[key]}; raise it with the server option limits.${key} or --${LIMIT_FLAGS[key]}`;
}
