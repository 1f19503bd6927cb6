// Where local-dvid keeps everything in the ObjectStore. Several server processes open one store
// (as several DVIDs open one bucket), so every fact lives in the store, never only in a process:
//
//   repos/<root>.json              one repo: alias, description, log, properties, the DAG (nodes
//                                  with VersionID, branch, lock, note, log), data instances, branch
//                                  leaves and the VersionID counter. Changed only by
//                                  compare-and-swap (read, modify, put ifGenerationMatch, retry).
//   uuids/<uuid>                   -> root UUID of the node's repo. Created with ifGenerationMatch 0,
//                                  so two nodes can never get the same UUID; listing by prefix is
//                                  DVID's UUID-prefix match (dvid-api.md §1.2).
//   blocks/<dataUUID>/<version>/<bx>_<by>_<bz>
//                                  one block's voxels, uncompressed, x fastest, little-endian,
//                                  written at that version only (copy-on-write: a read at V takes
//                                  the nearest ancestor that has the block).
//   extents/<dataUUID>/<version>   JSON {MinPoint, MaxPoint} of everything written at a version
//                                  (inherited like a block; updated by compare-and-swap so that
//                                  concurrent writers' extents merge).
//   kv/<dataUUID>/<version>/<key>  keyvalue entries: 1 flag byte (1 = value, 0 = tombstone) then
//                                  the value. The key is hex of its UTF-8 bytes, cut into segments.
//
// <version> and <root>/<uuid> are node UUIDs escaped with `escapeSegment`. VersionIDs are DVID's
// small integers; DVID allocates them per server, here they are allocated per repo inside the
// repo object (nextVersionId), so every node of a cluster reports the same numbers.

import { MAX_KEY_SEGMENT_CHARS } from "../store/key-limits.js";

/** Bytes kept as they are in an escaped segment; every other byte becomes `_` + 2 hex digits. */
const PLAIN = /^[A-Za-z0-9-]$/;

/**
 * Escapes any string into one store key segment. The mapping works per character, so the escape
 * of a prefix is a prefix of the escape: listing `uuids/<escape(prefix)>` finds exactly the
 * UUIDs that start with `prefix`.
 */
export function escapeSegment(s: string): string {
  let out = "";
  for (const ch of s) {
    if (PLAIN.test(ch)) {
      out += ch;
    } else {
      for (const b of Buffer.from(ch, "utf8")) out += "_" + b.toString(16).padStart(2, "0");
    }
  }
  return out;
}

export function unescapeSegment(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "_") {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(s.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

export function repoKey(root: string): string {
  return `repos/${escapeSegment(root)}.json`;
}

export const REPOS_PREFIX = "repos/";
export const UUIDS_PREFIX = "uuids/";

export function uuidKey(uuid: string): string {
  return UUIDS_PREFIX + escapeSegment(uuid);
}

export function blockPrefix(dataUUID: string, versionUUID: string): string {
  return `blocks/${dataUUID}/${escapeSegment(versionUUID)}/`;
}

/** The last segment of a block key: block coordinates x_y_z (negative ones keep their sign). */
export function blockName(bx: number, by: number, bz: number): string {
  return `${bx}_${by}_${bz}`;
}

/** Where the extents of every version of an instance are. */
export function extentsPrefix(dataUUID: string): string {
  return `extents/${dataUUID}/`;
}

export function extentsKey(dataUUID: string, versionUUID: string): string {
  return extentsPrefix(dataUUID) + escapeSegment(versionUUID);
}

export function kvPrefix(dataUUID: string, versionUUID: string): string {
  return `kv/${dataUUID}/${escapeSegment(versionUUID)}/`;
}

// Filesystem stores map segments to file names (at most 255 bytes on common filesystems), so long
// hex keys are cut into 200-character directory segments. The last segment always ends in "."
// and a directory segment never does, so a short key's file can never collide with a long key's
// directory.
const KV_SEGMENT = 200;

/** The store-key tail for a keyvalue key (hex of its UTF-8 bytes, segmented). */
export function kvKeyTail(key: string): string {
  const hex = Buffer.from(key, "utf8").toString("hex");
  const parts: string[] = [];
  for (let i = 0; i + KV_SEGMENT < hex.length; i += KV_SEGMENT) parts.push(hex.slice(i, i + KV_SEGMENT));
  parts.push(hex.slice(parts.length * KV_SEGMENT) + ".");
  return parts.join("/");
}

export function kvKeyFromTail(tail: string): string {
  return Buffer.from(tail.replace(/[/.]/g, ""), "hex").toString("utf8");
}

/** The longest keyvalue key (UTF-8 bytes) whose store key stays within the store's 1024 characters. */
export const MAX_KV_KEY_BYTES = 400;
/** The longest node UUID accepted from a client (`root`, `tag`): its escape must fit a file name. */
export const MAX_UUID_CHARS = 80;

/**
 * Why a caller-chosen node UUID cannot be stored, or undefined when it can: 1 to MAX_UUID_CHARS
 * characters, and its longest store key segment (`<escape>.json` of the repo object) within the
 * store's bound (store/key-limits.ts). Characters other than A-Z a-z 0-9 - take 3 per UTF-8 byte
 * when escaped, so 80 dots or 25 three-byte characters are already too long.
 */
export function uuidProblem(uuid: string): string | undefined {
  if (uuid.length === 0 || uuid.length > MAX_UUID_CHARS) return `must be 1 to ${MAX_UUID_CHARS} characters; got ${uuid.length}`;
  const stored = escapeSegment(uuid).length + ".json".length;
  if (stored > MAX_KEY_SEGMENT_CHARS) {
    return `is ${stored} characters as a store name (characters other than A-Z a-z 0-9 - count 3 per UTF-8 byte, plus 5), more than the ${MAX_KEY_SEGMENT_CHARS} allowed`;
  }
  return undefined;
}
