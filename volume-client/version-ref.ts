// Version references as DVID resolves them (dvid-api.md §1.2): a full UUID (32 lowercase hex),
// a unique UUID prefix, or `prefix:branch[~N]` (the branch leaf, or its N-th ancestor).
// A reference is resolved to a full UUID once per read or write, so that every sub-request of
// one operation addresses the same version even if the branch moves meanwhile.
import { VolumeClientError, invalidArgument } from "./errors.js";
import { encodePathSegment } from "./wire/raw-url.js";
import { describe } from "./options.js";
import type { Transport } from "./transport.js";
import { parseRepoInfo } from "./repo-info.js";

const FULL_UUID = /^[0-9a-f]{32}$/;
const BRANCH_SPEC = /^([^~]+)(?:~(\d+))?$/;

export function isFullUuid(ref: string): boolean {
  return FULL_UUID.test(ref);
}

/** Checks the grammar only; whether the reference exists is for the server to say. */
export function checkVersionRef(ref: unknown, what = "version reference"): string {
  if (typeof ref !== "string" || ref.length === 0) {
    throw invalidArgument(`${what} must be a UUID, a UUID prefix or "prefix:branch"; got ${describe(ref)}`);
  }
  if (/[/?#\s%]/.test(ref)) {
    throw invalidArgument(`${what} must not contain "/", "?", "#", "%" or spaces; got ${describe(ref)}`);
  }
  const colons = ref.split(":").length - 1;
  if (colons > 1) throw invalidArgument(`${what} may contain at most one ":"; got ${describe(ref)}`);
  if (colons === 1 && !BRANCH_SPEC.test(ref.slice(ref.indexOf(":") + 1))) {
    throw invalidArgument(`${what} must name a branch after ":" (as "abc:master" or "abc:dev~2"); got ${describe(ref)}`);
  }
  return ref;
}

/** True when the reference always names the same version (so its resolution may be cached). */
export function isStableRef(ref: string): boolean {
  return !ref.includes(":");
}

/** Resolves a reference to a full UUID, asking the writer (whose metadata is never stale). */
export async function resolveVersionRef(transport: Transport, ref: string, signal?: AbortSignal): Promise<string> {
  if (isFullUuid(ref)) return ref;
  const colon = ref.indexOf(":");
  if (colon >= 0) {
    const m = BRANCH_SPEC.exec(ref.slice(colon + 1))!;
    const branch = m[1];
    const back = m[2] === undefined ? 0 : Number(m[2]);
    // `prefix:branch` selects the repo (the prefix alone may be empty); without `~N`, which
    // the server would refuse with a 400 when the branch is shorter than N.
    const repoRef = `${ref.slice(0, colon)}:${branch}`;
    const path = `/api/repo/${encodePathSegment(repoRef)}/branch-versions/${encodePathSegment(branch)}`;
    const chain = await transport.json<string[]>({ method: "GET", path, route: "writer", idempotent: true, signal });
    const uuid = Array.isArray(chain) ? chain[back] : undefined;
    if (typeof uuid !== "string") {
      throw new VolumeClientError(
        "NOT_FOUND",
        `version reference ${JSON.stringify(ref)}: branch "${branch}" has ${Array.isArray(chain) ? chain.length : 0} versions; asked for the ${back}-th back from its leaf`,
      );
    }
    return uuid;
  }
  const path = `/api/repo/${encodePathSegment(ref)}/info`;
  const info = parseRepoInfo(await transport.json<unknown>({ method: "GET", path, route: "writer", idempotent: true, signal }), path);
  const matches = info.versions.filter((v) => v.uuid.startsWith(ref));
  if (matches.length !== 1) {
    throw new VolumeClientError(
      "NOT_FOUND",
      `version reference ${JSON.stringify(ref)} matches ${matches.length} versions of repo ${info.root}; expected exactly one`,
    );
  }
  return matches[0].uuid;
}
