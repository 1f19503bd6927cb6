// `POST /api/repo/{uuid}/instance` bodies (dvid-api.md §3.5): a JSON object read as DVID's
// case-insensitive config map whose type settings must be JSON strings (§1.3).
import { goQuote } from "../../volume-client/wire/go-format.js";
import { LocalDvidError } from "../errors.js";
import { DATA_TYPES, isVoxelType, type DataTypeName } from "../types/data-types.js";
import { jsonDepthOver, MAX_JSON_DEPTH } from "./json-depth.js";
import type { InstanceMeta } from "./repo-meta.js";

/** DVID's config map: keys lower-cased. */
export type InstanceConfig = Map<string, unknown>;

const RESERVED_NAMES = new Set(["log", "branch", "note", "commit", "newversion"]);
const DEFAULT_BLOCK = 32;
const MAX_BLOCK_SIDE = 1024;
const MAX_BLOCK_BYTES = 128 * 1024 * 1024;

/** A setting DVID refuses, in DVID's words (the HTTP layer answers 400). */
function invalid(message: string, cause?: unknown): LocalDvidError {
  return new LocalDvidError("INVALID_ARGUMENT", message, { cause });
}

/** Go's %v of a decoded JSON value, for error messages. */
function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  if (v !== null && typeof v === "object") {
    return `map[${Object.entries(v as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, x]) => `${k}:${goValue(x)}`)
      .join(" ")}]`;
  }
  return v === null ? "<nil>" : String(v);
}

/** The JSON body as a case-insensitive map; INVALID_ARGUMENT with DVID's prefix when it is not a JSON object. */
export function parseInstanceConfig(body: Buffer, prefix: string): InstanceConfig {
  const text = body.toString("utf8");
  if (text.trim() === "") throw invalid(`${prefix}: EOF`);
  const depth = jsonDepthOver(text);
  if (depth !== undefined) throw invalid(`${prefix}: JSON nested deeper than ${MAX_JSON_DEPTH} levels (it reaches ${depth} at least)`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(`${prefix}: invalid JSON: ${(err as Error).message}`, err);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    throw invalid(`${prefix}: json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
  }
  const config: InstanceConfig = new Map();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) config.set(k.toLowerCase(), v);
  return config;
}

/** DVID's Config.GetString: undefined when absent, INVALID_ARGUMENT when present but not a string. */
export function getString(config: InstanceConfig, key: string): string | undefined {
  const v = config.get(key.toLowerCase());
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalid(`Setting for '${key}' was not a string: ${goValue(v)}`);
  return v;
}

/** The `versioned` setting: a JSON boolean or one of the strings "true", "1", "false", "0". */
function getVersioned(config: InstanceConfig): boolean {
  const v = config.get("versioned");
  if (v === undefined) return true;
  if (typeof v === "boolean") return v;
  if (typeof v === "string") {
    const s = v.toLowerCase();
    if (s === "true" || s === "1") return true;
    if (s === "false" || s === "0") return false;
  }
  throw invalid(`Setting for 'versioned' must be a boolean or "true", "1", "false", "0": ${goValue(v)}`);
}

function compressionName(spec: string | undefined): string {
  if (spec === undefined) return "LZ4 compression, level -1";
  const [format, levelStr, ...rest] = spec.toLowerCase().split(":");
  const level = levelStr === undefined ? undefined : Number(levelStr);
  const bad = (): never => {
    throw invalid(`Illegal compression specified: ${goQuote(spec)} (expected none, snappy, lz4, gzip[:1-9] or jpeg[:1-100])`);
  };
  if (rest.length > 0 || (level !== undefined && !Number.isInteger(level))) bad();
  switch (format) {
    case "none":
      return level === undefined ? "No compression, level -1" : bad();
    case "snappy":
      return level === undefined ? "Snappy compression, level -1" : bad();
    case "lz4":
      return level === undefined ? "LZ4 compression, level -1" : bad();
    case "gzip":
      if (level !== undefined && (level < 1 || level > 9)) bad();
      return `gzip compression, level ${level ?? -1}`;
    case "jpeg":
      if (level !== undefined && (level < 1 || level > 100)) bad();
      return `jpeg compression, level ${level ?? 80}`;
    default:
      return bad();
  }
}

function checksumName(spec: string | undefined): string {
  switch (spec?.toLowerCase()) {
    case undefined:
    case "none":
      return "No checksum";
    case "crc32":
      return "CRC32 checksum";
    default:
      throw invalid(`Illegal checksum specified: ${goQuote(spec as string)} (expected none or crc32)`);
  }
}

function parseTags(spec: string | undefined): Record<string, string> | null {
  if (spec === undefined) return null;
  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of spec.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw invalid(`Tags must be "key=value" pairs separated by commas; got ${goQuote(spec)}`);
    tags[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return tags;
}

function parseTriple(name: string, spec: string, parse: (s: string) => number | undefined): [number, number, number] {
  const parts = spec.split(",").map((s) => parse(s.trim()));
  if (parts.length !== 3 || parts.some((p) => p === undefined)) {
    throw invalid(`${name} must be 3 comma-separated values "x,y,z"; got ${goQuote(spec)}`);
  }
  return parts as [number, number, number];
}

const int = (s: string): number | undefined => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);
const float = (s: string): number | undefined => (s !== "" && Number.isFinite(Number(s)) ? Number(s) : undefined);

/** Validates the instance name (reserved words, must be non-empty). */
function checkInstanceName(name: string): void {
  if (RESERVED_NAMES.has(name)) throw invalid(`cannot use reserved name ${goQuote(name)}`);
}

/** Builds the stored instance from a creation config (everything but the duplicate-name check). */
export function buildInstance(
  config: InstanceConfig,
  typeName: DataTypeName,
  name: string,
  dataUUID: string,
  nodeUuid: string,
  created: string,
): InstanceMeta {
  checkInstanceName(name);
  const type = DATA_TYPES[typeName];
  const inst: InstanceMeta = {
    name,
    typeName,
    dataUUID,
    repoUUID: nodeUuid,
    versioned: getVersioned(config),
    compression: compressionName(getString(config, "Compression")),
    checksum: checksumName(getString(config, "Checksum")),
    tags: parseTags(getString(config, "Tags")),
    created,
  };
  if (!isVoxelType(type)) return inst;

  const blockSpec = getString(config, "BlockSize");
  const blockSizeXyz: [number, number, number] = blockSpec
    ? parseTriple("BlockSize", blockSpec, int)
    : [DEFAULT_BLOCK, DEFAULT_BLOCK, DEFAULT_BLOCK];
  const blockBytes = blockSizeXyz[0] * blockSizeXyz[1] * blockSizeXyz[2] * type.bytesPerVoxel;
  if (blockSizeXyz.some((b) => b < 1 || b > MAX_BLOCK_SIDE) || blockBytes > MAX_BLOCK_BYTES) {
    throw invalid(
      `BlockSize must be 1 to ${MAX_BLOCK_SIDE} voxels per axis and at most ${MAX_BLOCK_BYTES} bytes per block; got ${goQuote(blockSpec ?? "")}`,
    );
  }
  inst.blockSizeXyz = blockSizeXyz;
  const voxelSpec = getString(config, "VoxelSize");
  inst.voxelSizeXyz = voxelSpec ? parseTriple("VoxelSize", voxelSpec, float) : [8, 8, 8];
  const unitsSpec = getString(config, "VoxelUnits");
  if (unitsSpec) {
    const units = unitsSpec.split(",").map((s) => s.trim());
    if (units.length !== 3) throw invalid(`VoxelUnits must be 3 comma-separated units; got ${goQuote(unitsSpec)}`);
    inst.voxelUnitsXyz = units as [string, string, string];
  } else {
    inst.voxelUnitsXyz = ["nanometers", "nanometers", "nanometers"];
  }
  const background = getString(config, "Background");
  if (background !== undefined) {
    const b = int(background);
    if (b === undefined || b < 0 || b > 255) {
      throw invalid(`strconv.ParseUint: parsing ${goQuote(background)}: ${b === undefined ? "invalid syntax" : "value out of range"}`);
    }
    inst.background = b;
  } else {
    inst.background = 0;
  }
  const minSpec = getString(config, "MinPoint");
  const maxSpec = getString(config, "MaxPoint");
  if (minSpec && maxSpec) {
    inst.initialMinXyz = parseTriple("MinPoint", minSpec, int);
    inst.initialMaxXyz = parseTriple("MaxPoint", maxSpec, int);
  }
  return inst;
}

/** The config as DVID logs it: `map[key:value …]` (Go's %v of the config map, keys sorted). */
export function describeConfig(config: InstanceConfig): string {
  return goValue(Object.fromEntries(config));
}
