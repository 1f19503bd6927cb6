// The options of every entry point, with their defaults, and their validation with the
// checking kit (checks.ts): once, on input; an unknown or ill-typed key fails with the key named.
import { abortSignal, bool, checkedByCaller, checkOptions, fn, intIn, nonEmptyStr, oneOf, type Check } from "./checks.js";
import type { WritableArray } from "./array-input.js";
import { invalidArgument } from "./errors.js";

/** An access token: printable ASCII without spaces (it goes into a header); never shown in the error. */
const tokenStr: Check = (value, key, where) => {
  if (typeof value !== "string" || !/^[\x21-\x7e]+$/.test(value)) {
    const got = typeof value === "string" ? `a string of ${value.length} characters that is not` : `a ${value === null ? "null" : typeof value}`;
    throw invalidArgument(`${where}: ${key} must be a non-empty string of printable ASCII without spaces; got ${got}`);
  }
};

/**
 * How label volumes' voxels travel: `"lz4"` as DVID's `raw?compression=lz4` (one raw LZ4 block
 * per sub-request, on reads and writes), `"none"` as plain bytes, `"auto"` lz4 for the volumes
 * whose server offers it (labelblk, labelmap, labelarray) when a node is off this machine, and
 * plain bytes for the others and on an all-loopback cluster (where the wire costs nothing).
 */
export type WireCompression = "auto" | "none" | "lz4";
const WIRE_COMPRESSIONS: readonly WireCompression[] = ["auto", "none", "lz4"];

/** Progress of one read or write, reported after every finished sub-request. */
export interface Progress {
  /** Voxel bytes of the caller's box transferred so far. */
  readonly bytesDone: number;
  /** Voxel bytes of the caller's box (voxels × bytes per voxel). */
  readonly bytesTotal: number;
  /** Blocks of the volume's block grid finished so far. */
  readonly blocksDone: number;
  /** Blocks of the volume's block grid the box touches. */
  readonly blocksTotal: number;
}

/** Options of `connect()`; each one also serves as the default of the per-call options. */
export interface ConnectOptions {
  /**
   * Target size of one voxel sub-request, in bytes. Large reads and writes are split into
   * block-aligned sub-requests of about this size. Default 8 MiB (see README "Measured").
   * Range 4 KiB .. 1 GiB (DVID refuses single GETs above 3 GiB, dvid-api.md §4.3).
   */
  readonly chunkBytes?: number;
  /** Sub-requests in flight at once per read or write. Default 4. Range 1 .. 64. */
  readonly concurrency?: number;
  /**
   * Extra attempts per request after a 503 or a connection error, across all nodes. Default 5.
   * Range 0 .. 50.
   */
  readonly retries?: number;
  /** First backoff delay in milliseconds; doubles per attempt up to 2 s, with jitter. Default 100. */
  readonly retryDelayMs?: number;
  /** How long a node that failed (refused, dropped, 503) is skipped for reads, in ms. Default 2000. */
  readonly nodeCooldownMs?: number;
  /** TCP connect timeout in milliseconds. Default 5000. */
  readonly connectTimeoutMs?: number;
  /**
   * A request fails (and is retried) when its socket stays silent this long, in ms. Default
   * 120000. DVID's own read/write timeouts are 600 s.
   */
  readonly idleTimeoutMs?: number;
  /**
   * DVID's admin token (`DVID_ADMIN_TOKEN` of the server). Sent as `?admintoken=` on repo
   * creation only: on DVID it also bypasses the lock on committed versions (dvid-api.md §1.6),
   * so it must never ride along on other requests. Default: none.
   */
  readonly adminToken?: string;
  /**
   * An access token of a server that requires them (local-dvid's tokens with roles), sent as
   * `Authorization: Bearer <token>` on every request. The token's role decides what the client
   * may do (read, write, admin for repo creation). Default: none.
   */
  readonly token?: string;
  /**
   * Use server extensions advertised in `GET /api/server/info` `"Extensions"` (local-dvid's
   * `nonaligned-raw-post`). Default true. Set false to behave exactly as against a real DVID.
   */
  readonly serverExtensions?: boolean;
  /** Default of `WriteOptions.nonAlignedWrites`. Default false. */
  readonly nonAlignedWrites?: boolean;
  /** Default of `ReadOptions.wireCompression` and `WriteOptions.wireCompression`. Default "auto". */
  readonly wireCompression?: WireCompression;
}

/** Options of `Volume.read()`. */
export interface ReadOptions {
  /** See `ConnectOptions.chunkBytes`. Default: the client's. */
  readonly chunkBytes?: number;
  /** See `ConnectOptions.concurrency`. Default: the client's. */
  readonly concurrency?: number;
  /** Called after every finished sub-request. Default: none. */
  readonly onProgress?: (progress: Progress) => void;
  /** Cancels every request in flight; the read rejects with code ABORTED. */
  readonly signal?: AbortSignal;
  /**
   * Compressed transfer of label volumes (see `WireCompression`). `"lz4"` on a volume that is not
   * a label volume fails with INVALID_ARGUMENT. Default: the client's ("auto").
   */
  readonly wireCompression?: WireCompression;
  /**
   * Read into this array instead of a fresh one, and return it (numpy's `out=`). It must hold
   * the volume's dtype, have the box's shape `[nz, ny, nx]` and be C-order contiguous (an
   * ndarray view with C strides, or `{ data, shape }`); anything else is refused before any
   * request. Reusing one array across reads saves the first-touch page faults of a fresh
   * array's memory, which on these machines cost more CPU than receiving the bytes (README
   * "Performance"). If the read fails, the array's contents are unspecified. Default: none.
   */
  readonly out?: WritableArray;
}

/** Options of `Volume.write()`. */
export interface WriteOptions extends Omit<ReadOptions, "out"> {
  /**
   * Accept a box that is not on block boundaries. DVID itself only stores whole blocks
   * (dvid-api.md §4.3, §7.1), so the edge blocks are patched: server-side when the server
   * advertises `nonaligned-raw-post` (safe across processes), otherwise by the client, which
   * reads the edge blocks, patches them and writes them back under per-block locks (safe
   * between writers of one process only). Default: the client's (false).
   */
  readonly nonAlignedWrites?: boolean;
}

/** Options of a plain metadata call. */
export interface CallOptions {
  /** Cancels the request; the call rejects with code ABORTED. */
  readonly signal?: AbortSignal;
}

export interface ResolvedClientOptions {
  readonly chunkBytes: number;
  readonly concurrency: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly nodeCooldownMs: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly adminToken: string | undefined;
  readonly token: string | undefined;
  readonly serverExtensions: boolean;
  readonly nonAlignedWrites: boolean;
  readonly wireCompression: WireCompression;
}

const DEFAULT_OPTIONS: ResolvedClientOptions = Object.freeze({
  chunkBytes: 8 * 1024 * 1024,
  concurrency: 4,
  retries: 5,
  retryDelayMs: 100,
  nodeCooldownMs: 2000,
  connectTimeoutMs: 5000,
  idleTimeoutMs: 120_000,
  adminToken: undefined,
  token: undefined,
  serverExtensions: true,
  nonAlignedWrites: false,
  wireCompression: "auto",
});

const CONNECT_CHECKS: Record<keyof ConnectOptions, Check> = {
  chunkBytes: intIn(4096, 2 ** 30),
  concurrency: intIn(1, 64),
  retries: intIn(0, 50),
  retryDelayMs: intIn(0, 60_000),
  nodeCooldownMs: intIn(0, 3_600_000),
  connectTimeoutMs: intIn(1, 600_000),
  idleTimeoutMs: intIn(1, 3_600_000),
  adminToken: nonEmptyStr,
  token: tokenStr,
  serverExtensions: bool,
  nonAlignedWrites: bool,
  wireCompression: oneOf(WIRE_COMPRESSIONS),
};
const TRANSFER_CHECKS = {
  chunkBytes: CONNECT_CHECKS.chunkBytes,
  concurrency: CONNECT_CHECKS.concurrency,
  onProgress: fn,
  signal: abortSignal,
  wireCompression: CONNECT_CHECKS.wireCompression,
} satisfies Record<keyof ReadOptions & keyof WriteOptions, Check>;
const READ_CHECKS: Record<keyof ReadOptions, Check> = { ...TRANSFER_CHECKS, out: checkedByCaller };
const WRITE_CHECKS: Record<keyof WriteOptions, Check> = { ...TRANSFER_CHECKS, nonAlignedWrites: bool };
const CALL_CHECKS: Record<keyof CallOptions, Check> = { signal: abortSignal };

export function resolveClientOptions(given: ConnectOptions | undefined): ResolvedClientOptions {
  const o = checkOptions(given, CONNECT_CHECKS, "connect()");
  const pick = <K extends keyof ResolvedClientOptions>(k: K): ResolvedClientOptions[K] =>
    ((o as Record<string, unknown>)[k] ?? DEFAULT_OPTIONS[k]) as ResolvedClientOptions[K];
  return Object.freeze({
    chunkBytes: pick("chunkBytes"),
    concurrency: pick("concurrency"),
    retries: pick("retries"),
    retryDelayMs: pick("retryDelayMs"),
    nodeCooldownMs: pick("nodeCooldownMs"),
    connectTimeoutMs: pick("connectTimeoutMs"),
    idleTimeoutMs: pick("idleTimeoutMs"),
    adminToken: pick("adminToken"),
    token: pick("token"),
    serverExtensions: pick("serverExtensions"),
    nonAlignedWrites: pick("nonAlignedWrites"),
    wireCompression: pick("wireCompression"),
  });
}

export function checkReadOptions(given: ReadOptions | undefined, where: string): ReadOptions {
  return checkOptions(given, READ_CHECKS, where);
}

export function checkWriteOptions(given: WriteOptions | undefined, where: string): WriteOptions {
  return checkOptions(given, WRITE_CHECKS, where);
}

export function checkCallOptions(given: CallOptions | undefined, where: string): CallOptions {
  return checkOptions(given, CALL_CHECKS, where);
}
