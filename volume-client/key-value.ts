// A DVID keyvalue instance seen at one version: small "files" next to the volumes
// (dvid-api.md §5). A missing key is not an error here: `get()` returns undefined, as Map.get
// does; DVID's 404 for it (§1.5) is the one 404 the client expects.
import { invalidArgument } from "./errors.js";
import { encodePathSegment } from "./wire/raw-url.js";
import { checkCallOptions, type CallOptions } from "./options.js";
import { describe } from "./checks.js";
import { explainMutationError } from "./locked-check.js";
import type { ClientContext } from "./client-context.js";
import type { VersionHandle } from "./version-handle.js";

/** Checks a key: DVID splits the decoded path on "/", so a key holding "/" would be cut short. */
function checkKey(key: unknown, what: string): string {
  if (typeof key !== "string" || key.length === 0) throw invalidArgument(`${what} must be a non-empty string; got ${describe(key)}`);
  if (key.includes("/")) {
    throw invalidArgument(`${what} must not contain "/" (DVID keys are single path segments); got ${describe(key)}`);
  }
  return key;
}

export class KeyValue {
  readonly name: string;
  readonly version: VersionHandle;
  readonly #ctx: ClientContext;

  /** @internal Use `Version.keyValue()` or `Version.createKeyValue()`. */
  constructor(ctx: ClientContext, version: VersionHandle, name: string) {
    this.#ctx = ctx;
    this.version = version;
    this.name = name;
  }

  /** Stores `value` (bytes, or a string as UTF-8) under `key` in this version. */
  async put(key: string, value: Uint8Array | string, options?: CallOptions): Promise<void> {
    const k = checkKey(key, "KeyValue.put(): key");
    if (typeof value !== "string" && !(value instanceof Uint8Array)) {
      throw invalidArgument(`KeyValue.put(): value must be a Uint8Array or a string; got ${describe(value)}`);
    }
    const { signal } = checkCallOptions(options, "KeyValue.put()");
    const uuid = await this.version.uuid({ signal });
    try {
      await this.#ctx.transport.buffer({
        method: "POST",
        path: this.#path(uuid, "key", k),
        route: "writer",
        idempotent: true,
        body: value,
        contentType: "application/octet-stream",
        signal,
      });
    } catch (err) {
      throw await explainMutationError(this.#ctx.transport, err, uuid, `KeyValue.put() of "${k}" in "${this.name}"`);
    }
  }

  /** Stores `value` as JSON text. */
  putJson(key: string, value: unknown, options?: CallOptions): Promise<void> {
    return this.put(key, JSON.stringify(value), options);
  }

  /** The bytes stored under `key`, or undefined when this version has no such key. */
  async get(key: string, options?: CallOptions): Promise<Buffer | undefined> {
    const k = checkKey(key, "KeyValue.get(): key");
    const { signal } = checkCallOptions(options, "KeyValue.get()");
    const uuid = await this.version.uuid({ signal });
    const res = await this.#ctx.transport.buffer({
      method: "GET",
      path: this.#path(uuid, "key", k),
      route: "read",
      idempotent: true,
      accept: [404],
      signal,
    });
    return res.status === 404 ? undefined : res.body;
  }

  /** The value as UTF-8 text, or undefined when missing. */
  async getText(key: string, options?: CallOptions): Promise<string | undefined> {
    return (await this.get(key, options))?.toString("utf8");
  }

  /** The value parsed as JSON, or undefined when missing. */
  async getJson<T = unknown>(key: string, options?: CallOptions): Promise<T | undefined> {
    const text = await this.getText(key, options);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** Whether this version has `key` (`HEAD`, no body transferred). */
  async has(key: string, options?: CallOptions): Promise<boolean> {
    const k = checkKey(key, "KeyValue.has(): key");
    const { signal } = checkCallOptions(options, "KeyValue.has()");
    const uuid = await this.version.uuid({ signal });
    const res = await this.#ctx.transport.buffer({
      method: "HEAD",
      path: this.#path(uuid, "key", k),
      route: "read",
      idempotent: true,
      accept: [404],
      signal,
    });
    return res.status !== 404;
  }

  /**
   * Deletes `key` in this version. In a versioned instance DVID writes a tombstone: ancestors
   * keep the value, this version and its descendants no longer see it (dvid-api.md §5).
   */
  async delete(key: string, options?: CallOptions): Promise<void> {
    const k = checkKey(key, "KeyValue.delete(): key");
    const { signal } = checkCallOptions(options, "KeyValue.delete()");
    const uuid = await this.version.uuid({ signal });
    try {
      await this.#ctx.transport.buffer({ method: "DELETE", path: this.#path(uuid, "key", k), route: "writer", idempotent: true, signal });
    } catch (err) {
      throw await explainMutationError(this.#ctx.transport, err, uuid, `KeyValue.delete() of "${k}" in "${this.name}"`);
    }
  }

  /** Every key visible in this version, sorted. */
  async keys(options?: CallOptions): Promise<string[]> {
    const { signal } = checkCallOptions(options, "KeyValue.keys()");
    const uuid = await this.version.uuid({ signal });
    const keys = await this.#ctx.transport.json<string[] | null>({ method: "GET", path: this.#path(uuid, "keys"), route: "read", idempotent: true, signal });
    return [...(keys ?? [])].sort();
  }

  /** Keys `k` with `first <= k <= last` (lexicographic, both ends included as DVID does), sorted. */
  async keyRange(first: string, last: string, options?: CallOptions): Promise<string[]> {
    const a = checkKey(first, "KeyValue.keyRange(): first");
    const b = checkKey(last, "KeyValue.keyRange(): last");
    const { signal } = checkCallOptions(options, "KeyValue.keyRange()");
    const uuid = await this.version.uuid({ signal });
    const keys = await this.#ctx.transport.json<string[] | null>({
      method: "GET",
      path: this.#path(uuid, "keyrange", a, b),
      route: "read",
      idempotent: true,
      signal,
    });
    return [...(keys ?? [])].sort();
  }

  #path(uuid: string, ...segments: string[]): string {
    return `/api/node/${encodePathSegment(uuid)}/${encodePathSegment(this.name)}/${segments.map(encodePathSegment).join("/")}`;
  }
}
