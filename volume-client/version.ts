// A repo seen at one version (one node of its DAG): history, commit and branching
// (dvid-api.md §3.3–3.8), and the data instances read and written at this version.
import { VolumeClientError, invalidArgument } from "./errors.js";
import { DTYPES, isDtype, type Dtype, type VoxelTypeName } from "./wire/dtype.js";
import type { Zyx } from "./wire/geometry.js";
import { encodePathSegment } from "./wire/raw-url.js";
import { checkCallOptions, type CallOptions } from "./options.js";
import { abortSignal, bool, checkOptions, checkedByCaller, describe, isPathSegment, isTriple, str, stringList, type Check } from "./checks.js";
import { checkVersionRef, isFullUuid, isStableRef, resolveVersionRef } from "./version-ref.js";
import { parseRepoInfo, type InstanceSummary, type RepoInfo, type VersionInfo } from "./repo-info.js";
import { explainMutationError } from "./locked-check.js";
import { createInstance } from "./instance-create.js";
import { Volume } from "./volume.js";
import { KeyValue } from "./key-value.js";
import { boxCentre, layerTypeFor, neuroglancerUrl, type LayerType } from "./wire/neuroglancer-url.js";
import type { ClientContext } from "./client-context.js";
import type { VersionHandle } from "./version-handle.js";

/** Options of `Version.createVolume()`. */
export interface CreateVolumeOptions extends CallOptions {
  /** Block size, ZYX voxels: the unit of storage and of write alignment. Default [32, 32, 32] (DVID's). Each 1 .. 1024. */
  readonly blockSizeZyx?: Zyx;
  /** Physical voxel size, ZYX. Default [8, 8, 8] (DVID's). */
  readonly voxelSizeZyx?: Zyx;
  /** Unit of the voxel size: one for all axes or ZYX. Default "nanometers" (DVID's). */
  readonly voxelUnits?: string | readonly [string, string, string];
  /** Store uint64 as a `labelblk` (segmentation labels) instead of `uint64blk`. Default false. */
  readonly labels?: boolean;
  /** DVID storage compression: "none", "snappy", "lz4", "gzip", "gzip:1".."gzip:9", "jpeg" (uint8 only, lossy). Default: DVID's (LZ4). */
  readonly compression?: string;
  /** Versioned (copy-on-write per version). Unversioned data is shared by every version and writable even when committed. Default true. */
  readonly versioned?: boolean;
}

/** Options of `Version.volume()`. */
export interface OpenVolumeOptions {
  /** The dtype the caller expects; the first request fails with DTYPE_MISMATCH if it differs. Default: any. */
  readonly dtype?: Dtype;
}

/** Options of `Version.createKeyValue()`. */
export interface CreateKeyValueOptions extends CallOptions {
  /** Versioned (copy-on-write per version). Default true. */
  readonly versioned?: boolean;
}

/** Options of `Version.commit()`. */
export interface CommitOptions extends CallOptions {
  /** Entries appended to the version's log. Default none. */
  readonly log?: readonly string[];
}

/** Options of `Version.newVersion()` and `Version.branch()`. */
export interface NewVersionOptions extends CallOptions {
  /** Note of the new version. Default none. */
  readonly note?: string;
  /** UUID to give the new version (32 lowercase hex). Default: the server picks one. */
  readonly uuid?: string;
}

/** Options of `Version.merge()`. */
export interface MergeOptions extends CallOptions {
  /** Note of the merged version. Default none. */
  readonly note?: string;
}

/** A volume for `Version.neuroglancerUrl()`: its name, or its name and the layer type it must have. */
export type NeuroglancerVolume = string | { readonly name: string; readonly type?: LayerType };

/** Options of `Version.neuroglancerUrl()`. */
export interface NeuroglancerUrlOptions extends CallOptions {
  /** The DVID as the viewer's browser reaches it, `scheme://host:port`. Default: the writer's URL. */
  readonly serverUrl?: string;
  /** neuroglancer's page. Default `<serverUrl>/ng/` (where local-dvid serves it). */
  readonly viewerBase?: string;
  /** Where the view is centred, ZYX voxels. Default: the centre of the first volume's extents (neuroglancer's choice before the first write). */
  readonly positionZyx?: Zyx;
}

const COMPRESSION = /^(none|snappy|lz4|gzip|gzip:[1-9]|jpeg)$/;
const RESERVED_NAMES = new Set(["log", "branch", "note", "commit", "newversion"]);

function checkInstanceName(name: unknown, what: string): string {
  if (!isPathSegment(name)) {
    throw invalidArgument(`${what} must be a non-empty name without "/", "?", "#", "%" or spaces; got ${describe(name)}`);
  }
  if (RESERVED_NAMES.has(name)) throw invalidArgument(`${what} "${name}" is reserved by DVID (log, branch, note, commit, newversion)`);
  return name;
}

function checkTriple(v: unknown, what: string, min: number, max: number, integer: boolean): Zyx {
  if (!isTriple(v, (n) => Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n)))) {
    throw invalidArgument(`${what} must be 3 ${integer ? "integers" : "numbers"} (ZYX) between ${min} and ${max}; got ${describe(v)}`);
  }
  return [v[0], v[1], v[2]];
}

const fullUuid: Check = (value, key, where) => {
  if (typeof value !== "string" || !isFullUuid(value)) {
    throw invalidArgument(`${where}: ${key} must be 32 lowercase hexadecimal characters; got ${describe(value)}`);
  }
};

const dtypeName: Check = (value, key, where) => {
  if (!isDtype(value)) throw invalidArgument(`${where}: ${key} must be one of ${Object.keys(DTYPES).join(", ")}; got ${describe(value)}`);
};

export class Version implements VersionHandle {
  /** The reference as given: a full UUID, a prefix, or `prefix:branch[~N]`. */
  readonly ref: string;
  readonly #ctx: ClientContext;
  #resolved: Promise<string> | undefined;

  /** @internal Use `client.version()`, `client.createRepo()` or the branching methods. */
  constructor(ctx: ClientContext, ref: string) {
    this.#ctx = ctx;
    this.ref = checkVersionRef(ref);
  }

  /**
   * The full UUID this reference names now. A UUID or prefix always names the same version (and
   * is resolved once); `prefix:branch` names the branch's current leaf (resolved on each call).
   */
  uuid(options?: CallOptions): Promise<string> {
    const { signal } = checkCallOptions(options, "Version.uuid()");
    if (isFullUuid(this.ref)) return Promise.resolve(this.ref);
    if (!isStableRef(this.ref)) return resolveVersionRef(this.#ctx.transport, this.ref, signal);
    if (!this.#resolved) {
      const p = resolveVersionRef(this.#ctx.transport, this.ref, signal);
      this.#resolved = p;
      p.catch(() => {
        if (this.#resolved === p) this.#resolved = undefined;
      });
    }
    return this.#resolved;
  }

  /** The whole repo: alias, description, log, data instances and every version. */
  async repoInfo(options?: CallOptions): Promise<RepoInfo> {
    const { signal } = checkCallOptions(options, "Version.repoInfo()");
    const path = `/api/repo/${encodePathSegment(this.ref)}/info`;
    return parseRepoInfo(await this.#json("GET", path, undefined, signal), path);
  }

  /** This version: branch, note, log, lock state, parents and children as UUIDs. */
  async info(options?: CallOptions): Promise<VersionInfo> {
    const { signal } = checkCallOptions(options, "Version.info()");
    const uuid = await this.uuid({ signal });
    const repo = await this.repoInfo({ signal });
    const found = repo.versions.find((v) => v.uuid === uuid);
    if (!found) throw new VolumeClientError("NOT_FOUND", `version ${uuid} is not in the DAG of repo ${repo.root}`, { uuid });
    return found;
  }

  /** The repo's version DAG: every version in creation order, parents and children as UUIDs. */
  async history(options?: CallOptions): Promise<VersionInfo[]> {
    return [...(await this.repoInfo(options)).versions];
  }

  /** This version and its ancestors along first parents, newest first, down to the root. */
  async ancestors(options?: CallOptions): Promise<VersionInfo[]> {
    const { signal } = checkCallOptions(options, "Version.ancestors()");
    const uuid = await this.uuid({ signal });
    const repo = await this.repoInfo({ signal });
    const byUuid = new Map(repo.versions.map((v) => [v.uuid, v]));
    const out: VersionInfo[] = [];
    for (let v = byUuid.get(uuid); v; v = v.parents.length ? byUuid.get(v.parents[0]) : undefined) out.push(v);
    return out;
  }

  /** Whether this version is committed (locked). */
  async isLocked(options?: CallOptions): Promise<boolean> {
    const { signal } = checkCallOptions(options, "Version.isLocked()");
    const uuid = await this.uuid({ signal });
    const s = (await this.#json("GET", `/api/node/${uuid}/status`, undefined, signal)) as { Locked?: boolean };
    return s.Locked === true;
  }

  /** The version's note. */
  async note(options?: CallOptions): Promise<string> {
    const { signal } = checkCallOptions(options, "Version.note()");
    const uuid = await this.uuid({ signal });
    return ((await this.#json("GET", `/api/node/${uuid}/note`, undefined, signal)) as { note?: string }).note ?? "";
  }

  /** Replaces the version's note (uncommitted versions only, as DVID rules). */
  async setNote(note: string, options?: CallOptions): Promise<void> {
    str(note, "note", "Version.setNote()");
    const { signal } = checkCallOptions(options, "Version.setNote()");
    await this.#mutate(`/api/node/{uuid}/note`, { note }, signal, "Version.setNote()");
  }

  /** The version's log entries, `"<RFC3339 time>  <message>"`. */
  async log(options?: CallOptions): Promise<string[]> {
    const { signal } = checkCallOptions(options, "Version.log()");
    const uuid = await this.uuid({ signal });
    return ((await this.#json("GET", `/api/node/${uuid}/log`, undefined, signal)) as { log?: string[] }).log ?? [];
  }

  /** Appends entries to the version's log (uncommitted versions only). */
  async appendLog(entries: readonly string[], options?: CallOptions): Promise<void> {
    stringList(entries, "entries", "Version.appendLog()");
    const { signal } = checkCallOptions(options, "Version.appendLog()");
    await this.#mutate(`/api/node/{uuid}/log`, { log: entries }, signal, "Version.appendLog()");
  }

  /**
   * Commits (locks) this version: its versioned data can no longer change; children made with
   * `newVersion()` or `branch()` carry on. A note, when given, replaces the version's note.
   */
  async commit(note?: string, options?: CommitOptions): Promise<void> {
    if (note !== undefined) str(note, "note", "Version.commit()");
    const opts = checkOptions(options, { log: stringList, signal: abortSignal }, "Version.commit()");
    // DVID rejects an empty body on commit (dvid-api.md §3.6, §7.4): always send an object.
    const body: Record<string, unknown> = {};
    if (note) body.note = note;
    if (opts.log?.length) body.log = opts.log;
    await this.#mutate(`/api/node/{uuid}/commit`, body, opts.signal, "Version.commit()");
  }

  /** A child version on this version's branch; this version must be committed. */
  async newVersion(options?: NewVersionOptions): Promise<Version> {
    const opts = checkOptions(options, { note: str, uuid: fullUuid, signal: abortSignal }, "Version.newVersion()");
    const body: Record<string, unknown> = {};
    if (opts.note) body.note = opts.note;
    if (opts.uuid) body.uuid = opts.uuid;
    const uuid = await this.uuid({ signal: opts.signal });
    const res = (await this.#json("POST", `/api/node/${uuid}/newversion`, body, opts.signal)) as { child?: string };
    return this.#child(res.child, "newversion");
  }

  /** A child version on a new branch `name`; this version must be committed. */
  async branch(name: string, options?: NewVersionOptions): Promise<Version> {
    if (!isPathSegment(name) || name === "master" || /[:~]/.test(name)) {
      throw invalidArgument(
        `Version.branch(): name must be a non-empty branch name other than "master", without "/", ":", "~" or spaces; got ${describe(name)}`,
      );
    }
    const opts = checkOptions(options, { note: str, uuid: fullUuid, signal: abortSignal }, "Version.branch()");
    const body: Record<string, unknown> = { branch: name };
    if (opts.note) body.note = opts.note;
    if (opts.uuid) body.uuid = opts.uuid;
    const uuid = await this.uuid({ signal: opts.signal });
    const res = (await this.#json("POST", `/api/node/${uuid}/branch`, body, opts.signal)) as { child?: string };
    return this.#child(res.child, "branch");
  }

  /**
   * A version whose parents are this version and `others` (all committed), conflict-free merge
   * (dvid-api.md §3.8): DVID does not detect keys written on both paths.
   */
  async merge(others: readonly (Version | string)[], options?: MergeOptions): Promise<Version> {
    if (!Array.isArray(others) || others.length === 0) {
      throw invalidArgument(`Version.merge(): others must list at least one other version; got ${describe(others)}`);
    }
    const refs = others.map((o, i) => (o instanceof Version ? o.ref : checkVersionRef(o, `Version.merge(): others[${i}]`)));
    const opts = checkOptions(options, { note: str, signal: abortSignal }, "Version.merge()");
    const uuid = await this.uuid({ signal: opts.signal });
    const parents = [uuid];
    for (const r of refs) parents.push(isFullUuid(r) ? r : await resolveVersionRef(this.#ctx.transport, r, opts.signal));
    const body: Record<string, unknown> = { mergeType: "conflict-free", parents };
    if (opts.note) body.note = opts.note;
    const res = (await this.#json("POST", `/api/repo/${uuid}/merge`, body, opts.signal)) as { child?: string };
    return this.#child(res.child, "merge");
  }

  /** UUIDs of branch `name` from its leaf back to the root ("master" for DVID's ""). */
  async branchVersions(name: string, options?: CallOptions): Promise<string[]> {
    if (!isPathSegment(name)) {
      throw invalidArgument(`Version.branchVersions(): name must be a branch name without "/", "?", "#", "%" or spaces; got ${describe(name)}`);
    }
    const { signal } = checkCallOptions(options, "Version.branchVersions()");
    const path = `/api/repo/${encodePathSegment(this.ref)}/branch-versions/${encodePathSegment(name)}`;
    return ((await this.#json("GET", path, undefined, signal)) as string[] | null) ?? [];
  }

  /** The data instances of the repo (instances belong to the repo, not to one version). */
  async instances(options?: CallOptions): Promise<InstanceSummary[]> {
    return [...(await this.repoInfo(options)).instances];
  }

  /**
   * Creates a voxel volume. `dtype` uint8 … float32 maps to DVID's `uint8blk` … `float32blk`;
   * uint64 with `labels: true` to `labelblk`. DVID wants every setting as a string
   * (dvid-api.md §1.3), which this takes care of.
   */
  async createVolume<D extends Dtype>(name: string, dtype: D, options?: CreateVolumeOptions): Promise<Volume<D>> {
    const n = checkInstanceName(name, "Version.createVolume(): name");
    dtypeName(dtype, "dtype", "Version.createVolume()");
    const opts = checkOptions(
      options,
      {
        blockSizeZyx: checkedByCaller,
        voxelSizeZyx: checkedByCaller,
        voxelUnits: checkedByCaller,
        labels: bool,
        compression: str,
        versioned: bool,
        signal: abortSignal,
      },
      "Version.createVolume()",
    );
    if (opts.labels && dtype !== "uint64") {
      throw invalidArgument(`Version.createVolume(): labels: true needs dtype uint64 (labelblk); got ${dtype}`);
    }
    const typeName: VoxelTypeName = opts.labels ? "labelblk" : DTYPES[dtype].imageTypeName;
    const config: Record<string, string> = { typename: typeName, dataname: n };
    if (opts.blockSizeZyx !== undefined) {
      const b = checkTriple(opts.blockSizeZyx, "Version.createVolume(): blockSizeZyx", 1, 1024, true);
      config.BlockSize = `${b[2]},${b[1]},${b[0]}`;
    }
    if (opts.voxelSizeZyx !== undefined) {
      const v = checkTriple(opts.voxelSizeZyx, "Version.createVolume(): voxelSizeZyx", Number.MIN_VALUE, 1e12, false);
      config.VoxelSize = `${v[2]},${v[1]},${v[0]}`;
    }
    if (opts.voxelUnits !== undefined) {
      const u = opts.voxelUnits;
      const units = typeof u === "string" ? [u, u, u] : u;
      if (!Array.isArray(units) || units.length !== 3 || !units.every((s) => typeof s === "string" && s.length > 0 && !s.includes(","))) {
        throw invalidArgument(`Version.createVolume(): voxelUnits must be a unit name or 3 (ZYX) without commas; got ${describe(u)}`);
      }
      config.VoxelUnits = `${units[2]},${units[1]},${units[0]}`;
    }
    if (opts.compression !== undefined) {
      if (!COMPRESSION.test(opts.compression)) {
        throw invalidArgument(`Version.createVolume(): compression must be none, snappy, lz4, gzip, gzip:1..9 or jpeg; got ${describe(opts.compression)}`);
      }
      if (opts.compression === "jpeg" && dtype !== "uint8") throw invalidArgument(`Version.createVolume(): jpeg compression is for uint8 only; got ${dtype}`);
      config.Compression = opts.compression;
    }
    if (opts.versioned !== undefined) config.versioned = String(opts.versioned);
    await this.#createInstance(config, opts.signal, "Version.createVolume()");
    return new Volume<D>(this.#ctx, this, n, dtype);
  }

  /** A handle on an existing volume (no request until first use). */
  volume<D extends Dtype = Dtype>(name: string, options?: OpenVolumeOptions): Volume<D> {
    const n = checkInstanceName(name, "Version.volume(): name");
    const opts = checkOptions(options, { dtype: dtypeName }, "Version.volume()");
    return new Volume<D>(this.#ctx, this, n, opts.dtype as D | undefined);
  }

  /** Opens an existing volume and checks it is one (one info request). */
  async openVolume<D extends Dtype = Dtype>(name: string, options?: OpenVolumeOptions & CallOptions): Promise<Volume<D>> {
    const { signal, ...rest } = options ?? {};
    const vol = this.volume<D>(name, rest);
    await vol.info({ signal });
    return vol;
  }

  /** Creates a keyvalue instance (small files next to the volumes). */
  async createKeyValue(name: string, options?: CreateKeyValueOptions): Promise<KeyValue> {
    const n = checkInstanceName(name, "Version.createKeyValue(): name");
    const opts = checkOptions(options, { versioned: bool, signal: abortSignal }, "Version.createKeyValue()");
    const config: Record<string, string> = { typename: "keyvalue", dataname: n };
    if (opts.versioned !== undefined) config.versioned = String(opts.versioned);
    await this.#createInstance(config, opts.signal, "Version.createKeyValue()");
    return new KeyValue(this.#ctx, this, n);
  }

  /** A handle on an existing keyvalue instance (no request until first use). */
  keyValue(name: string): KeyValue {
    return new KeyValue(this.#ctx, this, checkInstanceName(name, "Version.keyValue(): name"));
  }

  /**
   * A neuroglancer URL showing `volumes` at this version through neuroglancer's dvid:// source:
   * uint8blk volumes as image layers, labelblk / labelarray / labelmap as segmentation layers
   * (each volume's type and extents come from its info, one request per volume). The version is
   * this reference resolved to its full UUID, so the link keeps showing the same data after the
   * branch moves on. Centred on the first volume's extents, with its voxel size (whole nm).
   * The same link as `dvidcloud view` and the console's "open in neuroglancer" (one builder,
   * wire/neuroglancer-url.js).
   */
  async neuroglancerUrl(volumes: readonly NeuroglancerVolume[], options?: NeuroglancerUrlOptions): Promise<string> {
    const where = "Version.neuroglancerUrl()";
    if (!Array.isArray(volumes) || volumes.length === 0) {
      throw invalidArgument(`${where}: volumes must list at least one volume name (or { name, type }); got ${describe(volumes)}`);
    }
    const wanted = volumes.map((v: unknown, i) => {
      if (typeof v === "string") return { name: checkInstanceName(v, `${where}: volumes[${i}]`), type: undefined };
      if (typeof v !== "object" || v === null) throw invalidArgument(`${where}: volumes[${i}] must be a volume name or { name, type }; got ${describe(v)}`);
      const { name, type, ...extra } = v as { name?: unknown; type?: unknown };
      if (Object.keys(extra).length > 0) throw invalidArgument(`${where}: volumes[${i}] has unknown key(s) ${Object.keys(extra).join(", ")} (expected name, type)`);
      if (type !== undefined && type !== "image" && type !== "segmentation") {
        throw invalidArgument(`${where}: volumes[${i}].type must be "image" or "segmentation"; got ${describe(type)}`);
      }
      return { name: checkInstanceName(name, `${where}: volumes[${i}].name`), type: type as LayerType | undefined };
    });
    const opts = checkOptions(options, { serverUrl: str, viewerBase: str, positionZyx: checkedByCaller, signal: abortSignal }, where);
    const position =
      opts.positionZyx === undefined ? undefined : checkTriple(opts.positionZyx, `${where}: positionZyx`, -(2 ** 31), 2 ** 31 - 1, false);
    const signal = opts.signal;
    const uuid = await this.uuid({ signal });
    const version = this.at(uuid);
    const infos = await Promise.all(wanted.map((w) => version.volume(w.name).info({ signal })));
    const layers = infos.map((info, i) => {
      const type = layerTypeFor(info.typeName);
      if (type === undefined) {
        throw invalidArgument(
          `${where}: volume "${info.name}" is a ${info.typeName}, which neuroglancer's dvid:// source cannot show (it shows uint8blk as image and labelblk, labelarray, labelmap as segmentation)`,
        );
      }
      const asked = wanted[i].type;
      if (asked !== undefined && asked !== type) {
        throw invalidArgument(`${where}: volumes[${i}].type is "${asked}" but "${info.name}" is a ${info.typeName}, which neuroglancer shows as ${type}`);
      }
      return { name: wanted[i].name, type };
    });
    const first = infos[0];
    const ext = first.extentsZyx;
    const centreXyz: [number, number, number] | undefined = position
      ? [position[2], position[1], position[0]]
      : ext
        ? boxCentre([ext[2][0], ext[1][0], ext[0][0]], [ext[2][1] - 1, ext[1][1] - 1, ext[0][1] - 1])
        : undefined;
    const v = first.voxelSizeZyx;
    const voxelSize: [number, number, number] | undefined = v.every((n) => Math.trunc(n) >= 1) ? [v[2], v[1], v[0]] : undefined;
    try {
      return neuroglancerUrl({
        serverUrl: opts.serverUrl ?? this.#ctx.transport.writer,
        uuid,
        layers,
        ...(centreXyz ? { position: centreXyz } : {}),
        ...(voxelSize ? { voxelSize } : {}),
        ...(opts.viewerBase !== undefined ? { viewerBase: opts.viewerBase } : {}),
      });
    } catch (err) {
      // The builder names the bad option (serverUrl, viewerBase) and what it expects.
      if (err instanceof TypeError) throw invalidArgument(`${where}: ${err.message.replace(/^neuroglancerUrl: /, "")}`);
      throw err;
    }
  }

  /** The same repo at another version reference. */
  at(ref: string): Version {
    return new Version(this.#ctx, ref);
  }

  async #createInstance(config: Record<string, string>, signal: AbortSignal | undefined, what: string): Promise<void> {
    const uuid = await this.uuid({ signal });
    await createInstance(this.#ctx.transport, uuid, config, signal, `${what} of "${config.dataname}"`);
  }

  /** POSTs a node-level mutation; `{uuid}` in the template is this version's UUID. */
  async #mutate(template: string, body: unknown, signal: AbortSignal | undefined, what: string): Promise<unknown> {
    const uuid = await this.uuid({ signal });
    try {
      return await this.#json("POST", template.replace("{uuid}", uuid), body, signal);
    } catch (err) {
      throw await explainMutationError(this.#ctx.transport, err, uuid, what);
    }
  }

  async #json(method: "GET" | "POST", path: string, body: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const res = await this.#ctx.transport.buffer({
      method,
      path,
      route: "writer",
      idempotent: method === "GET",
      body: body === undefined ? undefined : JSON.stringify(body),
      contentType: body === undefined ? undefined : "application/json",
      signal,
    });
    const text = res.body.toString("utf8").trim();
    if (text.length === 0) return undefined;
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new VolumeClientError("HTTP_ERROR", `${method} ${res.node}${path} answered with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`, {
        method,
        path,
        node: res.node,
        status: res.status,
        cause,
      });
    }
  }

  #child(uuid: unknown, action: string): Version {
    if (typeof uuid !== "string" || uuid.length === 0) {
      throw new VolumeClientError("HTTP_ERROR", `${action} on ${this.ref} did not return {"child": "<uuid>"}`);
    }
    return new Version(this.#ctx, uuid);
  }
}
