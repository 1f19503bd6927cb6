// JSON bodies decoded the way DVID's Go handlers decode them: into fixed structs (keys matched
// case-insensitively, unknown keys ignored, wrong types rejected) with the `Malformed JSON
// request in body: …` prefix DVID uses (dvid-api.md §1.3, §3.6).
import { badRequest } from "../http/errors.js";
import { readBody } from "../http/read-body.js";
import { limitHint } from "../limits.js";
import { jsonDepthOver, MAX_JSON_DEPTH } from "../meta/json-depth.js";
import type { RequestContext } from "./app-state.js";

const PREFIX = "Malformed JSON request in body";

/** The body as text, at most the server's maxJsonBytes (refused before reading when Content-Length says more). */
export async function readText(ctx: RequestContext): Promise<string> {
  const { limits } = ctx.app.options;
  return (await readBody(ctx.req, limits.maxJsonBytes, "JSON body", limitHint("maxJsonBytes", limits))).toString("utf8");
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v === "object" ? "object" : typeof v;
}

/**
 * json.Unmarshal: an empty body is `unexpected end of JSON input` unless `emptyOk` (handlers that
 * use a Decoder and ignore io.EOF, or check for an empty body first).
 */
export function parseJson(text: string, emptyOk: boolean): unknown {
  if (text.trim() === "") {
    if (emptyOk) return undefined;
    throw badRequest(`${PREFIX}: unexpected end of JSON input`);
  }
  const depth = jsonDepthOver(text);
  if (depth !== undefined) {
    throw badRequest(`${PREFIX}: JSON nested deeper than ${MAX_JSON_DEPTH} levels (it reaches ${depth} at least)`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`${PREFIX}: invalid JSON: ${(err as Error).message}`, err);
  }
}

export type FieldType = "string" | "string[]";

/** Decodes into a struct of string / []string fields; absent or null fields are undefined. */
export function decodeStruct<F extends string>(
  value: unknown,
  fields: Record<F, FieldType>,
): Partial<Record<F, string | string[]>> {
  const out: Partial<Record<F, string | string[]>> = {};
  if (value === undefined || value === null) return out;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(`${PREFIX}: json: cannot unmarshal ${kindOf(value)} into Go value of type struct`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  for (const field of Object.keys(fields) as F[]) {
    const exact = entries.find(([k]) => k === field);
    const entry = exact ?? entries.find(([k]) => k.toLowerCase() === field.toLowerCase());
    if (!entry || entry[1] === null) continue;
    const v = entry[1];
    if (fields[field] === "string") {
      if (typeof v !== "string") {
        throw badRequest(`${PREFIX}: json: cannot unmarshal ${kindOf(v)} into Go struct field .${field} of type string`);
      }
      out[field] = v;
    } else {
      if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
        throw badRequest(`${PREFIX}: json: cannot unmarshal ${kindOf(v)} into Go struct field .${field} of type []string`);
      }
      out[field] = v as string[];
    }
  }
  return out;
}

/** Decodes into Go's map[string]<T> where T is string or []string (note and log handlers). */
export function decodeMap(value: unknown, valueType: FieldType): Map<string, string | string[]> {
  const out = new Map<string, string | string[]>();
  if (value === undefined) return out;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest(`${PREFIX}: json: cannot unmarshal ${kindOf(value)} into Go value of type map[string]${valueType === "string" ? "string" : "[]string"}`);
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const ok = valueType === "string" ? typeof v === "string" : Array.isArray(v) && v.every((s) => typeof s === "string");
    if (!ok && v !== null) {
      throw badRequest(`${PREFIX}: json: cannot unmarshal ${kindOf(v)} into Go value of type ${valueType === "string" ? "string" : "[]string"}`);
    }
    out.set(k, v === null ? (valueType === "string" ? "" : []) : (v as string | string[]));
  }
  return out;
}
