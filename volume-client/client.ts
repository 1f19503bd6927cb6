// The entry point: a client for one DVID server or a cluster of one writer and readers.
import { VolumeClientError } from "./errors.js";
import { checkCallOptions, resolveClientOptions, type CallOptions, type ConnectOptions, type ResolvedClientOptions } from "./options.js";
import { abortSignal, checkOptions, str } from "./checks.js";
import { resolveEndpoints, type ClusterNodes, type Endpoints } from "./endpoints.js";
import { Transport } from "./transport.js";
import { parseRepoInfo, type RepoInfo } from "./repo-info.js";
import { Version } from "./version.js";
import type { ClientContext } from "./client-context.js";
import { parseExtensions } from "./wire/extensions.js";

/** Options of `DvidClient.createRepo()`. */
export interface CreateRepoOptions extends CallOptions {
  /** Repo alias. Default "". */
  readonly alias?: string;
  /** Repo description. Default "". */
  readonly description?: string;
  /** UUID to give the root version. Default: the server picks one. */
  readonly root?: string;
  /** DVID passcode needed later to delete the repo over RPC. Default none. */
  readonly passcode?: string;
  /** Overrides `ConnectOptions.adminToken` for this call. */
  readonly adminToken?: string;
}

export class DvidClient {
  readonly #transport: Transport;
  readonly #ctx: ClientContext;
  #extensions: Promise<ReadonlySet<string>> | undefined;

  /** @internal Use `connect()`. */
  constructor(cluster: ClusterNodes, options: ResolvedClientOptions) {
    this.#transport = new Transport(cluster, options);
    this.#ctx = {
      transport: this.#transport,
      options,
      extensions: (signal) => this.extensions({ signal }),
    };
  }

  /** Base URL of the node that takes metadata changes and writes. */
  get writer(): string {
    return this.#transport.writer;
  }

  /** Base URLs of the read-only nodes; never the writer. */
  get readers(): readonly string[] {
    return this.#transport.readers;
  }

  /** Every node, writer first: voxel and key-value reads rotate over all of them. */
  get nodes(): readonly string[] {
    return this.#transport.nodes;
  }

  /** The resolved options (defaults filled in). */
  get options(): ResolvedClientOptions {
    return this.#transport.options;
  }

  /** HTTP requests sent so far, retries included (diagnostics). */
  get requestsSent(): number {
    return this.#transport.requestsSent;
  }

  /** HTTP requests sent so far per node base URL (diagnostics). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.#transport.requestsByNode);
  }

  /** `GET /api/server/info` of the writer: a flat object of strings (dvid-api.md §2). */
  async serverInfo(options?: CallOptions): Promise<Record<string, string>> {
    const { signal } = checkCallOptions(options, "DvidClient.serverInfo()");
    return this.#transport.json<Record<string, string>>({ method: "GET", path: "/api/server/info", route: "writer", idempotent: true, signal });
  }

  /**
   * Extensions the writer advertises in `/api/server/info` `"Extensions"` (comma or space
   * separated; a real DVID has none). Asked once per client.
   */
  extensions(options?: CallOptions): Promise<ReadonlySet<string>> {
    const { signal } = checkCallOptions(options, "DvidClient.extensions()");
    if (!this.#extensions) {
      const p = this.serverInfo({ signal }).then((info) => parseExtensions(info.Extensions));
      this.#extensions = p;
      p.catch(() => {
        if (this.#extensions === p) this.#extensions = undefined;
      });
    }
    return this.#extensions;
  }

  /** Every repo on the server (`GET /api/repos/info`), sorted by alias then root UUID. */
  async listRepos(options?: CallOptions): Promise<RepoInfo[]> {
    const { signal } = checkCallOptions(options, "DvidClient.listRepos()");
    const all = await this.#transport.json<Record<string, unknown> | null>({ method: "GET", path: "/api/repos/info", route: "writer", idempotent: true, signal });
    const repos = Object.values(all ?? {}).map((r) => parseRepoInfo(r, "/api/repos/info"));
    return repos.sort((a, b) => a.alias.localeCompare(b.alias) || a.root.localeCompare(b.root));
  }

  /**
   * Creates a repo and returns it at its root version. The admin token, if any, is sent here
   * and nowhere else (newest DVID requires it for `POST /api/repos`, dvid-api.md §1.6).
   */
  async createRepo(options?: CreateRepoOptions): Promise<Version> {
    const opts = checkOptions(
      options,
      { alias: str, description: str, root: str, passcode: str, adminToken: str, signal: abortSignal },
      "DvidClient.createRepo()",
    );
    const body: Record<string, string> = {};
    if (opts.alias !== undefined) body.alias = opts.alias;
    if (opts.description !== undefined) body.description = opts.description;
    if (opts.root !== undefined) body.root = opts.root;
    if (opts.passcode !== undefined) body.passcode = opts.passcode;
    const token = opts.adminToken ?? this.#transport.options.adminToken;
    const res = await this.#transport.json<{ root?: string }>({
      method: "POST",
      path: "/api/repos",
      query: token ? { admintoken: token } : undefined,
      route: "writer",
      idempotent: false,
      body: JSON.stringify(body),
      contentType: "application/json",
      signal: opts.signal,
    });
    if (typeof res?.root !== "string" || res.root.length === 0) {
      throw new VolumeClientError("HTTP_ERROR", `POST /api/repos on ${this.writer} did not return {"root": "<uuid>"}`);
    }
    return new Version(this.#ctx, res.root);
  }

  /**
   * A repo at one version: `ref` is a full UUID, a unique UUID prefix, or `prefix:branch`
   * (the branch's current leaf; `prefix:branch~N` its N-th ancestor). No request is sent.
   */
  version(ref: string): Version {
    return new Version(this.#ctx, ref);
  }

  /** Same as `version(ref)`: a repo is always seen at one of its versions. */
  repo(ref: string): Version {
    return new Version(this.#ctx, ref);
  }

  /** Releases the client's sockets. Requests in flight fail. */
  close(): void {
    this.#transport.close();
  }
}

/**
 * Connects to one DVID server (`"http://host:port"`) or a cluster (`{ writer, readers }`).
 * No request is sent until the first call.
 */
export function connect(target: string | Endpoints, options?: ConnectOptions): DvidClient {
  return new DvidClient(resolveEndpoints(target, "connect()"), resolveClientOptions(options));
}
