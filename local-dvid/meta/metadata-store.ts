// Repo metadata in the shared store. Every request reads the repo object it needs, so a change
// made through any node of a cluster is seen by every node on its next request; every change is a
// compare-and-swap (read, modify, put with ifGenerationMatch, retry on conflict), so concurrent
// changes through different nodes all survive instead of the last writer winning (DVID saves
// the whole repo object last-writer-wins, dvid-deploy.md §4; this is the fix). Refusals carry
// DVID's words (datastore.MatchingUUID and friends); the HTTP layer answers them with DVID's 400.
import { goQuote } from "../../volume-client/wire/go-format.js";
import { LocalDvidError, isLocalDvidError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { updateWithRetry } from "../store/update-with-retry.js";
import { branchAncestry } from "./dag.js";
import { newUuid } from "./new-uuid.js";
import { findNode, parseRepo, type NodeMeta, type RepoMeta } from "./repo-meta.js";
import { REPOS_PREFIX, UUIDS_PREFIX, repoKey, unescapeSegment, uuidKey, escapeSegment } from "./store-layout.js";
import { rfc3339Nano } from "./time-format.js";
import { VersionWrites } from "./version-writes.js";

/** DVID v1.0.0+ starts repo mutation ids at or above this (dvid-api.md §3.3). */
const MUTATION_ID_START = 1_000_000_000;
const MUTATION_ID_STRIDE = 1000;

/** A resolved node and its repo as read for this request; shared, so never modified by handlers. */
export interface ResolvedNode {
  readonly repo: RepoMeta;
  readonly node: NodeMeta;
}

export interface NewRepoOptions {
  alias: string;
  description: string;
  passcode: string;
  /** A caller-chosen root UUID (DVID does not validate it); a fresh one when undefined. */
  root?: string;
}

function invalid(message: string): LocalDvidError {
  return new LocalDvidError("INVALID_ARGUMENT", message);
}

function notFound(message: string): LocalDvidError {
  return new LocalDvidError("NOT_FOUND", message);
}

function uuidTaken(cause: unknown): LocalDvidError {
  return new LocalDvidError("ALREADY_EXISTS", "UUID already exists in datastore", { cause });
}

export class MetadataStore {
  readonly #store: ObjectStore;
  /** node UUID -> root UUID. Never changes once written (no HTTP call deletes nodes), so safe to cache. */
  readonly #uuidRoots = new Map<string, string>();
  /**
   * The last parsed version of each repo with the bytes and the generation it came from. Every
   * request still checks that the repo is current (another node may have changed it): by its
   * generation where the store tells it apart (ObjectStore.generationOf; a generation is never
   * reused for other bytes of a key), else by reading it; the JSON parse is skipped when it is
   * unchanged, which matters once a repo has many versions and log entries.
   */
  readonly #parsed = new Map<string, { data: Buffer; generation: number; repo: RepoMeta }>();

  /**
   * Writes and commits of versions, ordered through each version's gate object: a write either
   * lands before a commit or is refused as locked (version-writes.ts).
   */
  readonly writes: VersionWrites;

  constructor(store: ObjectStore) {
    this.#store = store;
    this.writes = new VersionWrites(store);
  }

  /**
   * Runs `fn`, which makes a write to version `uuid` of repo `root` visible, inside the version's
   * write gate; throws INVALID_ARGUMENT with `lockedMessage` (DVID's locked-node text) when the
   * version is locked or being committed, and then `fn` does not run.
   */
  writeToVersion<T>(root: string, uuid: string, lockedMessage: string, fn: () => Promise<T>): Promise<T> {
    return this.writes.write(uuid, () => invalid(lockedMessage), () => this.#isLocked(root, uuid), fn);
  }

  /**
   * Commits version `uuid`: no write enters it any more, the writes in progress end, then
   * `lockInRepo` locks the node in the repo object (and may refuse: the version stays open).
   * `lockedMessage` is the refusal when it is locked already.
   */
  commitVersion<T>(uuid: string, lockedMessage: string, lockInRepo: () => Promise<T>): Promise<T> {
    return this.writes.commit(uuid, () => invalid(lockedMessage), lockInRepo);
  }

  async #isLocked(root: string, uuid: string): Promise<boolean> {
    const current = await this.readRepo(root);
    return current !== undefined && findNode(current.repo, uuid)?.locked === true;
  }

  async readRepo(root: string): Promise<{ repo: RepoMeta; generation: number } | undefined> {
    const obj = await this.#store.get(repoKey(root));
    if (!obj) return undefined;
    return { repo: parseRepo(obj.data), generation: obj.generation };
  }

  async listRepos(): Promise<RepoMeta[]> {
    const keys = await this.#store.list(REPOS_PREFIX);
    const repos = await Promise.all(
      keys
        .filter((k) => k.endsWith(".json") && !k.slice(REPOS_PREFIX.length).includes("/"))
        .map((k) => this.readRepo(unescapeSegment(k.slice(REPOS_PREFIX.length, -".json".length)))),
    );
    return repos.filter((r) => r !== undefined).map((r) => r.repo);
  }

  /**
   * DVID's MatchingUUID (dvid-api.md §1.2): a case-sensitive UUID prefix, or `prefix:branch`,
   * `prefix:branch~N`, `:branch` (only when one repo exists). Throws INVALID_ARGUMENT or NOT_FOUND.
   */
  async resolve(spec: string): Promise<ResolvedNode> {
    const parts = spec.split(":");
    if (parts.length > 2) throw invalid(`bad UUID specification ${goQuote(spec)}`);
    const [prefix, branch] = parts;
    if (branch !== undefined && prefix === "") {
      const repos = await this.listRepos();
      if (repos.length !== 1) {
        throw repos.length > 1
          ? invalid("UUID must be specified if more than one repo exists")
          : notFound(`branch ${goQuote(branch)} not found in repo ""`);
      }
      return this.#branchVersion(repos[0], "", branch);
    }
    const match = await this.#matchPrefix(prefix);
    if (branch !== undefined && branch.length > 0) return this.#branchVersion(match.repo, match.node.uuid, branch);
    return match;
  }

  async #matchPrefix(prefix: string): Promise<ResolvedNode> {
    // A full-length UUID seen before needs no listing: only a longer, caller-chosen UUID could
    // also start with it, and local-dvid only accepts 32-hex UUIDs for new versions.
    const known = prefix.length >= 32 ? this.#uuidRoots.get(prefix) : undefined;
    if (known !== undefined) {
      const found = await this.#nodeIn(known, prefix);
      if (found) return found;
    }
    const keys = await this.#store.list(UUIDS_PREFIX + escapeSegment(prefix));
    const matches: ResolvedNode[] = [];
    for (const key of keys) {
      const tail = key.slice(UUIDS_PREFIX.length);
      if (tail.includes("/")) continue;
      const uuid = unescapeSegment(tail);
      // A UUID reserved by a request that then failed (or was killed) has no node: skip it.
      const found = await this.#lookupUuid(uuid);
      if (found) matches.push(found);
      if (matches.length > 1) throw invalid(`more than one UUID matches ${prefix}`);
    }
    if (matches.length === 0) throw notFound(`could not find UUID with partial match to ${prefix}`);
    return matches[0];
  }

  async #lookupUuid(uuid: string): Promise<ResolvedNode | undefined> {
    let root = this.#uuidRoots.get(uuid);
    if (root === undefined) {
      const obj = await this.#store.get(uuidKey(uuid));
      if (!obj) return undefined;
      root = obj.data.toString("utf8");
    }
    const found = await this.#nodeIn(root, uuid);
    if (found) this.#uuidRoots.set(uuid, root);
    return found;
  }

  /** The current repo, shared between requests: callers must not modify it (updateRepo parses its own). */
  async #readRepoShared(root: string): Promise<RepoMeta | undefined> {
    const key = repoKey(root);
    const cached = this.#parsed.get(root);
    // A one-block GET at a known version reads nothing else of the metadata: checking the
    // generation (a 24-byte header on FsStore) instead of reading the whole repo object is most
    // of what a repo with many versions costs such a request.
    if (cached && this.#store.generationOf && (await this.#store.generationOf(key)) === cached.generation) return cached.repo;
    const obj = await this.#store.get(key);
    if (!obj) return undefined;
    if (cached && cached.data.equals(obj.data)) {
      this.#parsed.set(root, { ...cached, generation: obj.generation });
      return cached.repo;
    }
    const repo = parseRepo(obj.data);
    this.#parsed.set(root, { data: obj.data, generation: obj.generation, repo });
    return repo;
  }

  async #nodeIn(root: string, uuid: string): Promise<ResolvedNode | undefined> {
    const repo = await this.#readRepoShared(root);
    const node = repo && findNode(repo, uuid);
    return repo && node ? { repo, node } : undefined;
  }

  /** DVID's getBranchVersion: the branch leaf, or with `~N` the Nth entry of the branch ancestry. */
  #branchVersion(repo: RepoMeta, matchedUuid: string, spec: string): ResolvedNode {
    const tilde = spec.split("~");
    if (tilde.length === 2) {
      const [name, nth] = tilde;
      const ancestry = branchAncestry(repo, name);
      if (!/^[+-]?\d+$/.test(nth)) throw invalid(`can't parse parent ${goQuote(nth)} in branch ${goQuote(name)}`);
      const parent = Number(nth);
      if (parent < 0 || parent >= ancestry.length) {
        throw notFound(`parent ${parent} is out of range for branch ${goQuote(name)}`);
      }
      return { repo, node: ancestry[parent] };
    }
    const leaf = repo.branchLeaves.find((l) => l.name === spec);
    const node = leaf && findNode(repo, leaf.uuid);
    if (!node) throw notFound(`branch ${goQuote(spec)} not found in repo ${goQuote(matchedUuid)}`);
    return { repo, node };
  }

  /**
   * Read-modify-write of one repo by compare-and-swap. `mutate` changes the repo in place and may
   * throw (which aborts with nothing written); it can run several times when other writers get
   * in first, so it must not have side effects outside the repo object.
   */
  async updateRepo<T>(root: string, mutate: (repo: RepoMeta) => T): Promise<{ repo: RepoMeta; result: T }> {
    return updateWithRetry(
      this.#store,
      repoKey(root),
      async () => {
        const current = await this.readRepo(root);
        if (!current) throw notFound(`repo ${root} not found`);
        const result = mutate(current.repo);
        const data = Buffer.from(JSON.stringify(current.repo), "utf8");
        return { generation: current.generation, data, result: { repo: current.repo, result } };
      },
      // Repo objects are the most contended: every node's metadata change goes through one.
      { what: `metadata of repo ${root}`, maxDelayMs: 50 },
    );
  }

  /** Claims a node UUID for a repo; ALREADY_EXISTS if anyone has it. */
  async reserveUuid(uuid: string, root: string): Promise<void> {
    try {
      await this.#store.put(uuidKey(uuid), Buffer.from(root, "utf8"), { ifGenerationMatch: 0 });
    } catch (err) {
      if (isLocalDvidError(err, "PRECONDITION_FAILED")) throw uuidTaken(err);
      throw err;
    }
  }

  /** Gives back a reserved UUID whose node was never added (the repo change failed). */
  async releaseUuid(uuid: string): Promise<void> {
    await this.#store.delete(uuidKey(uuid)).catch(() => undefined);
  }

  async createRepo(options: NewRepoOptions): Promise<string> {
    const root = options.root ?? newUuid();
    await this.reserveUuid(root, root);
    const now = rfc3339Nano();
    const repo: RepoMeta = {
      format: 2,
      root,
      alias: options.alias,
      description: options.description,
      passcode: options.passcode,
      log: [],
      properties: {},
      created: now,
      updated: now,
      mutationId: MUTATION_ID_START,
      savedMutationId: MUTATION_ID_START + MUTATION_ID_STRIDE,
      nextVersionId: 2,
      nodes: [newNode(root, 1, now)],
      // DVID v1.0.0+ registers the master branch at repo creation (dvid-api.md §1.2).
      branchLeaves: [{ name: "master", uuid: root }],
      instances: [],
    };
    try {
      await this.#store.put(repoKey(root), Buffer.from(JSON.stringify(repo), "utf8"), { ifGenerationMatch: 0 });
    } catch (err) {
      if (isLocalDvidError(err, "PRECONDITION_FAILED")) throw uuidTaken(err);
      // A refused creation leaves nothing behind: the UUID is free for a retry.
      await this.releaseUuid(root);
      throw err;
    }
    this.#uuidRoots.set(root, root);
    return root;
  }

  /**
   * Adds a child node: reserves its UUID, then adds it to the repo by compare-and-swap.
   * `build` validates against the current repo and fills in the node (it may throw to refuse);
   * the reserved UUID is given back when the change fails.
   */
  async addNode(
    root: string,
    uuid: string,
    build: (repo: RepoMeta, node: NodeMeta) => void,
  ): Promise<{ repo: RepoMeta; node: NodeMeta }> {
    await this.reserveUuid(uuid, root);
    try {
      const { repo, result } = await this.updateRepo(root, (repo) => {
        const now = rfc3339Nano();
        const node = newNode(uuid, repo.nextVersionId++, now);
        build(repo, node);
        repo.nodes.push(node);
        repo.updated = now;
        return node;
      });
      this.#uuidRoots.set(uuid, root);
      return { repo, node: result };
    } catch (err) {
      await this.releaseUuid(uuid);
      throw err;
    }
  }
}

/** A version node as DVID creates it: unlocked, on the master branch (""), with no links yet. */
function newNode(uuid: string, versionId: number, now: string): NodeMeta {
  return {
    uuid,
    versionId,
    branch: "",
    note: "",
    log: [],
    locked: false,
    parents: [],
    children: [],
    created: now,
    updated: now,
    dataEpoch: 0,
  };
}
