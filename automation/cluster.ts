// The handle `up()` returns: endpoints, a health wait, a volume-client bound to the cluster, and
// `down()`. The same handle for both targets.
import { connect, type ConnectOptions, type DvidClient } from "../volume-client/index.js";
import type { ClusterEndpoints, Target } from "./cluster-types.js";
import { waitForHealth, type HealthReport, type WaitForHealthOptions } from "./health.js";

export interface ClusterHandleInit {
  readonly name: string;
  readonly target: Target;
  readonly endpoints: ClusterEndpoints;
  readonly createdAt?: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly defaultHealthTimeoutMs: number;
  readonly stop: () => Promise<void>;
  /** Sent by `client()` as `Authorization: Bearer`; default: the environment variable DVIDCLOUD_TOKEN. */
  readonly token?: string;
}

export class Cluster {
  readonly name: string;
  readonly target: Target;
  readonly endpoints: ClusterEndpoints;
  readonly createdAt?: string;
  /** Target-specific facts: pids, ports, store directory (local); stack outputs, bucket (gcp). */
  readonly details: Readonly<Record<string, unknown>>;
  readonly #stop: () => Promise<void>;
  readonly #defaultHealthTimeoutMs: number;
  readonly #token: string | undefined;
  #client: DvidClient | undefined;
  #down: Promise<void> | undefined;

  /** @internal Use `up()`. */
  constructor(init: ClusterHandleInit) {
    this.name = init.name;
    this.target = init.target;
    this.endpoints = init.endpoints;
    this.createdAt = init.createdAt;
    this.details = init.details;
    this.#stop = init.stop;
    this.#defaultHealthTimeoutMs = init.defaultHealthTimeoutMs;
    this.#token = init.token ?? (process.env.DVIDCLOUD_TOKEN || undefined);
  }

  /** Resolves when every node answers `GET /api/heartbeat`; see `waitForHealth()`. */
  waitForHealth(options: WaitForHealthOptions = {}): Promise<HealthReport> {
    return waitForHealth(this.endpoints.nodes, { timeoutMs: this.#defaultHealthTimeoutMs, ...options });
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
