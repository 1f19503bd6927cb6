// Version references as DVID resolves them (dvid-api.md §1.2): a full UUID (32 lowercase hex),
// a unique UUID prefix, or `prefix:branch[~N]` (the branch leaf, or its N-th ancestor).
// A reference is resolved to a full UUID once per read or write, so that every sub-request of
// one operation addresses the same version even if the branch moves meanwhile. A reference that
// resolves to no version is NOT_FOUND, wherever DVID first refuses it (see explainUnresolvedRef).
import { VolumeClientError, invalidArgument } from "./errors.js";
import { encodePathSegment } from "./wire/raw-url.js";
import { describe, isPathSegment } from "./checks.js";
import type { Transport } from "./transport.js";
import { parseRepoInfo, type RepoInfo } from "./repo-info.js";

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
  if (!isPathSegment(ref)) {
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
      // DVID v0.9.12 answers an unknown branch with `[]` rather than a 400.
      const length = Array.isArray(chain) ? chain.length : 0;
      throw new VolumeClientError(
        "NOT_FOUND",
        length === 0
          ? `version reference ${JSON.stringify(ref)} matches no version: the repo has no branch "${branch}"`
          : `version reference ${JSON.stringify(ref)} matches no version: branch "${branch}" has ${length} versions, so ~${back} reaches back past its root`,
        { method: "GET", path },
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

/** The version reference a request path addresses (`/api/node/{ref}/…`, `/api/repo/{ref}/…`), still encoded. */
const REF_IN_PATH = /^\/api\/(?:node|repo)\/([^/]+)/;

/**
 * DVID answers 400 both for a version reference that resolves to nothing and for almost every
 * other client error (dvid-api.md §1.2, §1.5), and its text is no contract. So after a 400 on a
 * path that addresses a version, ask `HEAD /api/repo/{ref}`, which fails only when the reference
 * does not resolve; if it does not, the repo listing tells why: NOT_FOUND for a UUID, prefix,
 * branch or `~N` that matches no version, INVALID_ARGUMENT for a prefix that matches several
 * (DVID refuses those too). Any other 400, or a failure of these requests, leaves `err` as is.
 */
export async function explainUnresolvedRef(transport: Transport, err: VolumeClientError, signal?: AbortSignal): Promise<VolumeClientError> {
  const m = err.status === 400 && err.path !== undefined ? REF_IN_PATH.exec(err.path) : null;
  if (!m) return err;
  try {
    // Accepting 400 also keeps this request from being explained in turn.
    const probe = await transport.buffer({ method: "HEAD", path: `/api/repo/${m[1]}`, route: "writer", idempotent: true, accept: [400], signal });
    if (probe.status !== 400) return err;
    const all = await transport.json<Record<string, unknown> | null>({ method: "GET", path: "/api/repos/info", route: "writer", idempotent: true, signal });
    const repos = Object.values(all ?? {}).map((r) => parseRepoInfo(r, "/api/repos/info"));
    return whyUnresolved(decodeURIComponent(m[1]), repos, err) ?? err;
  } catch {
    return err;
  }
}

/** Why `ref` resolves to no version of `repos`, or undefined when it does resolve (DVID's 400 was about something else). */
function whyUnresolved(ref: string, repos: readonly RepoInfo[], err: VolumeClientError): VolumeClientError | undefined {
  const fields = { method: err.method, path: err.path, node: err.node, status: err.status, dvidMessage: err.dvidMessage, cause: err };
  const quoted = JSON.stringify(ref);
  const colon = ref.indexOf(":");
  const prefix = colon < 0 ? ref : ref.slice(0, colon);
  let repo: RepoInfo;
  if (prefix === "") {
    // `:branch` names a branch of the server's only repo (dvid-api.md §1.2).
    if (repos.length === 0) return new VolumeClientError("NOT_FOUND", `version reference ${quoted} matches no version: the server holds no repo`, fields);
    if (repos.length > 1) {
      return new VolumeClientError(
        "INVALID_ARGUMENT",
        `version reference ${quoted} has no UUID prefix, which DVID accepts only when the server holds one repo; it holds ${repos.length}: put a UUID prefix before ":"`,
        fields,
      );
    }
    repo = repos[0];
  } else {
    const matches = repos.flatMap((r) => r.versions.filter((v) => v.uuid.startsWith(prefix)).map((v) => ({ repo: r, uuid: v.uuid })));
    if (matches.length === 0) {
      return new VolumeClientError("NOT_FOUND", `version reference ${quoted} matches no version on ${err.node ?? "the server"}`, {
        ...fields,
        uuid: isFullUuid(prefix) ? prefix : undefined,
      });
    }
    if (matches.length > 1) {
      const listed = matches.slice(0, 5).map((x) => x.uuid).join(", ") + (matches.length > 5 ? ", …" : "");
      return new VolumeClientError(
        "INVALID_ARGUMENT",
        `UUID prefix ${JSON.stringify(prefix)} is ambiguous: it matches ${matches.length} versions (${listed}); give more of the UUID`,
        fields,
      );
    }
    repo = matches[0].repo;
  }
  if (colon < 0) return undefined;
  const branch = BRANCH_SPEC.exec(ref.slice(colon + 1))?.[1] ?? "";
  const branches = [...new Set(repo.versions.map((v) => v.branch))].sort();
  if (!branches.includes(branch)) {
    return new VolumeClientError(
      "NOT_FOUND",
      `version reference ${quoted} matches no version: repo ${repo.root} has no branch "${branch}"; its branches are ${branches.join(", ")}`,
      fields,
    );
  }
  // The branch exists, so what DVID could not resolve is `~N` past the branch's root.
  return ref.includes("~") ? new VolumeClientError("NOT_FOUND", `version reference ${quoted} matches no version: it reaches back past the root of branch "${branch}"`, fields) : undefined;
}
