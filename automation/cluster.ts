// The handle `up()` returns: endpoints, a health wait, a volume-client bound to the cluster, and
// `down()`. The same handle for both targets.
import { connect, type ConnectOptions, type DvidClient } from "../volume-client/index.js";
import type { ClusterEndpoints, RefreshReadersReport, StartedCluster, Target, TargetCluster } from "./cluster-types.js";
import { waitForHealth, type HealthReport, type WaitForHealthOptions } from "./health.js";

/** What `up()` hands the handle: the started cluster (cluster-types.ts) with its health budget and its stop. */
export interface ClusterHandleInit extends TargetCluster, Pick<StartedCluster, "token" | "pendingLoadBalancer" | "refreshReaders"> {
  readonly defaultHealthTimeoutMs: number;
  readonly stop: () => Promise<void>;
}

export class Cluster {
  readonly name: string;
  readonly target: Target;
  readonly createdAt?: string;
  /** Target-specific facts: pids, ports, store directory (local); stack outputs, bucket (gcp). */
  readonly details: Readonly<Record<string, unknown>>;
  readonly #stop: () => Promise<void>;
  readonly #defaultHealthTimeoutMs: number;
  readonly #token: string | undefined;
  #client: DvidClient | undefined;
  #endpoints: ClusterEndpoints;
  readonly #pendingLoadBalancer: string | undefined;
  readonly #refreshReaders: ClusterHandleInit["refreshReaders"];
  #down: Promise<void> | undefined;

  /** @internal Use `up()`. */
  constructor(init: ClusterHandleInit) {
    this.name = init.name;
    this.target = init.target;
    this.#endpoints = init.endpoints;
    this.#pendingLoadBalancer = init.pendingLoadBalancer;
    this.#refreshReaders = init.refreshReaders;
    this.createdAt = init.createdAt;
    this.details = init.details;
    this.#stop = init.stop;
    this.#defaultHealthTimeoutMs = init.defaultHealthTimeoutMs;
    this.#token = init.token ?? (process.env.DVIDCLOUD_TOKEN || undefined);
  }

  /** Where the cluster answers; `loadBalancer` only once it was seen serving (gcp). */
  get endpoints(): ClusterEndpoints {
    return this.#endpoints;
  }

  /**
   * Resolves when every node answers `GET /api/heartbeat` (and knows `knowsUuid`, if given) and,
   * on gcp, the load balancer answers it with 200 too; see `waitForHealth()`.
   */
  async waitForHealth(options: WaitForHealthOptions = {}): Promise<HealthReport> {
    const balancer = this.#endpoints.loadBalancer ?? this.#pendingLoadBalancer;
    const report = await waitForHealth(this.#endpoints.nodes, {
      timeoutMs: this.#defaultHealthTimeoutMs,
      ...(balancer === undefined ? {} : { loadBalancer: balancer }),
      ...options,
    });
    if (this.#endpoints.loadBalancer === undefined && report.loadBalancer?.healthy) {
      this.#endpoints = { ...this.#endpoints, loadBalancer: report.loadBalancer.url };
    }
    return report;
  }

  /**
   * Makes every reader load the current repo metadata (gcp: writes the refresh object to the
   * bucket; each reader restarts in its slot within `maxDelaySeconds`). Follow with
   * `waitForHealth({ knowsUuid })` to wait until they know a new repo or version. Local readers
   * read metadata on every request: nothing to do.
   */
  async refreshReaders(options: { signal?: AbortSignal } = {}): Promise<RefreshReadersReport> {
    if (this.#refreshReaders === undefined) return { restarting: false, maxDelaySeconds: 0, details: {} };
    return this.#refreshReaders(options.signal);
  }

  /**
   * A volume-client for this cluster: metadata and writes go to the writer, reads spread over
   * every node. Without options the same client is returned on every call. It sends the
   * cluster's token (local `auth: true`), else DVIDCLOUD_TOKEN's, unless `options.token` says
   * otherwise.
   */
  client(options?: ConnectOptions): DvidClient {
    const endpoints = { writer: this.endpoints.writer, readers: [...this.endpoints.readers] };
    const token = this.#token === undefined ? {} : { token: this.#token };
    if (options) return connect(endpoints, { ...token, ...options });
    this.#client ??= connect(endpoints, token);
    return this.#client;
  }

  /** Tears the cluster down (idempotent). Local: the store directory is kept, as a bucket would be. */
  down(): Promise<void> {
    this.#down ??= (async () => {
      this.#client?.close();
      await this.#stop();
    })();
    return this.#down;
  }
}
