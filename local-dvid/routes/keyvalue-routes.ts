// keyvalue instance endpoints (dvid-api.md §5): key GET/HEAD/POST/DELETE, keys, keyrange.
// Versioned like blocks: a read at V takes the entry of the first version in V's ancestry that
// has the key; DELETE in a versioned instance writes a tombstone at V (ancestors keep the value,
// V and its descendants see 404).
import { isLocalDvidError } from "../errors.js";
import { badApiCall, badRequest, notFound } from "../http/errors.js";
import { goQuote } from "../../volume-client/wire/go-format.js";
import { readBody } from "../http/read-body.js";
import { sendBody, sendEmpty, sendJson } from "../http/respond.js";
import { MAX_KV_KEY_BYTES, kvKeyFromTail, kvKeyTail, kvPrefix } from "../meta/store-layout.js";
import { versionRefs, type VersionRef } from "../meta/version-ref.js";
import { typeHelp } from "../types/help-text.js";
import { baseJson } from "./instance-json.js";
import type { InstanceRequest } from "./instance-request.js";
import { inVersionWriteGate } from "./version-write-gate.js";

const MAX_VALUE_BYTES = 1 << 30;
const VALUE = 1;
const TOMBSTONE = 0;

function checkKey(key: string | undefined): string {
  if (key === undefined || key === "") throw badRequest("key endpoint requires a key name after 'key/'");
  if (Buffer.byteLength(key, "utf8") > MAX_KV_KEY_BYTES) {
    throw badRequest(`keys of local-dvid are at most ${MAX_KV_KEY_BYTES} bytes of UTF-8; got ${Buffer.byteLength(key, "utf8")}`);
  }
  return key;
}

/** The value visible at ancestry[0], or undefined (absent or deleted). */
async function getValue(r: InstanceRequest, refs: readonly VersionRef[], key: string): Promise<Buffer | undefined> {
  const tail = kvKeyTail(key);
  for (const ref of refs) {
    const obj = await r.ctx.app.store.get(kvPrefix(r.inst.dataUUID, ref.uuid) + tail);
    if (!obj) continue;
    return obj.data[0] === VALUE ? obj.data.subarray(1) : undefined;
  }
  return undefined;
}

/** True when the stored entry is a tombstone: exactly the one byte 0 (values carry a 1 first). */
async function isTombstone(r: InstanceRequest, storeKey: string): Promise<boolean> {
  const one = Buffer.alloc(1);
  try {
    const n = await r.ctx.app.store.readInto(storeKey, one, 0);
    return n === 1 && one[0] === TOMBSTONE;
  } catch (err) {
    if (isLocalDvidError(err, "OBJECT_TOO_LARGE")) return false;
    throw err;
  }
}

/** Every key visible at ancestry[0], sorted by UTF-8 bytes (DVID's key order). */
async function visibleKeys(r: InstanceRequest, refs: readonly VersionRef[]): Promise<string[]> {
  const winner = new Map<string, string>(); // key -> store key of the entry that decides it
  for (const ref of refs) {
    const prefix = kvPrefix(r.inst.dataUUID, ref.uuid);
    for (const storeKey of await r.ctx.app.store.list(prefix)) {
      const key = kvKeyFromTail(storeKey.slice(prefix.length));
      if (!winner.has(key)) winner.set(key, storeKey);
    }
  }
  const keys: string[] = [];
  await Promise.all(
    [...winner].map(async ([key, storeKey]) => {
      if (!(await isTombstone(r, storeKey))) keys.push(key);
    }),
  );
  return keys.sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
}

export async function handleKeyvalue(r: InstanceRequest): Promise<void> {
  const { ctx, inst, keyword, parts } = r;
  const method = ctx.method;
  if (!["GET", "HEAD", "POST", "DELETE"].includes(method)) {
    throw badRequest(`Data ${goQuote(inst.name)} can only handle GET, HEAD, POST or DELETE HTTP verbs`);
  }
  const refs = versionRefs(r.repo, r.node, inst);
  const bad = (): never => {
    throw badApiCall(ctx.path, inst.name, inst.typeName, ctx.host);
  };
  const get = method === "GET" || method === "HEAD";
  switch (keyword) {
    case "help":
      return get ? sendBody(ctx.res, 200, "text/plain", typeHelp("keyvalue")) : bad();
    case "info":
      return get ? sendJson(ctx.res, { Base: baseJson(inst, ctx.app.storeName), Extended: {} }) : bad();
    case "keys":
      return get ? sendJson(ctx.res, await visibleKeys(r, refs)) : bad();
    case "keyrange": {
      if (!get) return bad();
      if (parts.length < 2) throw badRequest("keyrange requires two keys: keyrange/<key1>/<key2>");
      const lo = Buffer.from(parts[0], "utf8");
      const hi = Buffer.from(parts[1], "utf8");
      const keys = (await visibleKeys(r, refs)).filter((k) => {
        const b = Buffer.from(k, "utf8");
        return Buffer.compare(b, lo) >= 0 && Buffer.compare(b, hi) <= 0;
      });
      return sendJson(ctx.res, keys);
    }
    case "key":
      break;
    default:
      return bad();
  }
  const key = checkKey(parts[0]);
  const storeKey = kvPrefix(inst.dataUUID, refs[0].uuid) + kvKeyTail(key);
  switch (method) {
    case "GET":
    case "HEAD": {
      const value = await getValue(r, refs, key);
      if (value === undefined) throw notFound(`Key ${goQuote(key)} not found`);
      return sendBody(ctx.res, 200, "application/octet-stream", value);
    }
    case "POST": {
      const body = await readBody(ctx.req, MAX_VALUE_BYTES, "keyvalue value");
      const stored = Buffer.allocUnsafe(body.length + 1);
      stored[0] = VALUE;
      body.copy(stored, 1);
      await inVersionWriteGate(r, () => ctx.app.store.put(storeKey, stored));
      return sendEmpty(ctx.res);
    }
    default: {
      // DELETE: a tombstone hides ancestors' values from this version on; in an unversioned
      // instance (everything at the root) removing the entry is the same thing.
      await inVersionWriteGate(r, async () => {
        if (inst.versioned) await ctx.app.store.put(storeKey, Buffer.from([TOMBSTONE]));
        else await ctx.app.store.delete(storeKey);
      });
      return sendEmpty(ctx.res);
    }
  }
}
