// Waiting for a cluster to serve: every node must answer `GET /api/heartbeat` with 200 "OK".
// DVID only opens its HTTP listener after all metadata is loaded, so a heartbeat means ready
// (dvid-api.md §2); there is no other readiness endpoint.
import http from "node:http";
import https from "node:https";
import { DvidcloudError } from "./errors.js";
import { checkInteger, checkKeys, checkSignal, describe, invalid } from "./option-checks.js";
import type { ProgressEvent } from "./progress.js";

export interface WaitForHealthOptions {
  /** Total budget in ms. Default 15 000. */
  readonly timeoutMs?: number;
  /** Pause between probe rounds in ms. Default 100, growing to 2 000 for slow (cloud) starts. */
  readonly intervalMs?: number;
  /** Timeout of one probe in ms. Default 2 000. */
  readonly probeTimeoutMs?: number;
  /**
   * Also wait until every node knows this version or repo UUID: `GET /api/repo/<uuid>/info`
   * answers 200. DVID readers load repo metadata at start-up only, so on gcp this waits for
   * their restart after a metadata change (within MAX_RESTART_DELAY_SECONDS, infra/README.md).
   */
  readonly knowsUuid?: string;
  /**
   * A load balancer that must also answer `GET /api/heartbeat` with 200 "OK" (a new global one
   * answers 404 or 502 for minutes). Reported as `loadBalancer`, not among the nodes.
   */
  readonly loadBalancer?: string;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
}

export interface NodeHealth {
  readonly url: string;
  readonly healthy: boolean;
  /** Round-trip time of the last successful probe, in ms. */
  readonly latencyMs?: number;
  /** Why the last probe failed. */
  readonly error?: string;
}

export interface HealthReport {
  readonly healthy: boolean;
  readonly nodes: readonly NodeHealth[];
  /** Time from the call to every node healthy, in ms. */
  readonly elapsedMs: number;
  /** The load balancer's heartbeat, when one was given. */
  readonly loadBalancer?: NodeHealth;
}

/** One probe of one node: never throws, reports what happened. */
export function probeHeartbeat(url: string, timeoutMs: number, signal?: AbortSignal): Promise<NodeHealth> {
  return probe(url, "/api/heartbeat", (status, body) => status === 200 && body.trim() === "OK", timeoutMs, signal);
}

/** Whether the node knows a repo or version: `GET /api/repo/<uuid>/info` answers 200. Never throws. */
function probeKnowsUuid(url: string, uuid: string, timeoutMs: number, signal?: AbortSignal): Promise<NodeHealth> {
  return probe(url, `/api/repo/${encodeURIComponent(uuid)}/info`, (status) => status === 200, timeoutMs, signal);
}

function probe(
  url: string,
  path: string,
  accept: (status: number | undefined, body: string) => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<NodeHealth> {
  const started = performance.now();
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(path, url);
    } catch {
      resolve({ url, healthy: false, error: `not a URL: ${describe(url)}` });
      return;
    }
    const get = target.protocol === "https:" ? https.get : http.get;
    const req = get(target, { timeout: timeoutMs, signal, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 100) body += chunk;
      });
      res.on("end", () => {
        const healthy = accept(res.statusCode, body);
        resolve(
          healthy
            ? { url, healthy, latencyMs: performance.now() - started }
            : { url, healthy, error: `GET ${path}: status ${res.statusCode}, body ${JSON.stringify(body.slice(0, 60))}` },
        );
      });
      res.on("error", (err) => resolve({ url, healthy: false, error: err.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ url, healthy: false, error: err.code ?? err.message }));
  });
}

const KEYS = ["timeoutMs", "intervalMs", "probeTimeoutMs", "knowsUuid", "loadBalancer", "onProgress", "signal"];

/** A node is ready when it answers its heartbeat and, if asked, knows the UUID. */
async function probeNode(url: string, knowsUuid: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<NodeHealth> {
  const heartbeat = await probeHeartbeat(url, timeoutMs, signal);
  if (!heartbeat.healthy || knowsUuid === undefined) return heartbeat;
  const known = await probeKnowsUuid(url, knowsUuid, timeoutMs, signal);
  return known.healthy ? heartbeat : { url, healthy: false, error: `does not know ${knowsUuid} yet (${known.error})` };
}

/**
 * Probes every node (and the load balancer, if given) until all are healthy, or throws
 * `HEALTH_TIMEOUT` naming the ones that are not (and why), or `ABORTED` when the signal fires.
 */
export async function waitForHealth(urls: readonly string[], options: WaitForHealthOptions = {}): Promise<HealthReport> {
  const where = "waitForHealth()";
  if (!Array.isArray(urls) || urls.length === 0 || urls.some((u) => typeof u !== "string")) {
    throw invalid(`${where}: urls must be a non-empty array of node URLs; got ${describe(urls)}`);
  }
  checkKeys(where, options, KEYS);
  const timeoutMs = checkInteger(options.timeoutMs, "timeoutMs", 1, 3_600_000, 15_000, where);
  const baseInterval = checkInteger(options.intervalMs, "intervalMs", 1, 60_000, 100, where);
  const probeTimeoutMs = checkInteger(options.probeTimeoutMs, "probeTimeoutMs", 1, 60_000, 2_000, where);
  const signal = checkSignal(options.signal, where);
  const onProgress = options.onProgress ?? (() => {});
  const { knowsUuid, loadBalancer } = options;
  if (knowsUuid !== undefined && (typeof knowsUuid !== "string" || !/^[0-9a-zA-Z]+$/.test(knowsUuid))) {
    throw invalid(`${where}: knowsUuid must be a repo or version UUID (hex digits, or a unique prefix); got ${describe(knowsUuid)}`);
  }
  if (loadBalancer !== undefined && (typeof loadBalancer !== "string" || !/^https?:\/\/./.test(loadBalancer))) {
    throw invalid(`${where}: loadBalancer must be an http(s) URL; got ${describe(loadBalancer)}`);
  }

  const started = performance.now();
  const state = new Map<string, NodeHealth>(urls.map((url) => [url, { url, healthy: false, error: "not probed yet" }]));
  let balancer: NodeHealth | undefined = loadBalancer === undefined ? undefined : { url: loadBalancer, healthy: false, error: "not probed yet" };
  let interval = baseInterval;
  for (;;) {
    if (signal?.aborted) throw new DvidcloudError("ABORTED", `${where}: aborted`, { cause: signal.reason });
    const pending = urls.filter((u) => !state.get(u)!.healthy);
    const [results, balancerNow] = await Promise.all([
      Promise.all(pending.map((u) => probeNode(u, knowsUuid, probeTimeoutMs, signal))),
      balancer === undefined || balancer.healthy ? balancer : probeHeartbeat(balancer.url, probeTimeoutMs, signal),
    ]);
    balancer = balancerNow;
    for (const r of results) {
      state.set(r.url, r);
      const healthyNodes = [...state.values()].filter((n) => n.healthy).length;
      onProgress({ kind: "health", url: r.url, healthy: r.healthy, healthyNodes, totalNodes: urls.length });
    }
    const nodes = urls.map((u) => state.get(u)!);
    const elapsedMs = performance.now() - started;
    const report = { nodes, elapsedMs, ...(balancer ? { loadBalancer: balancer } : {}) };
    if (nodes.every((n) => n.healthy) && (balancer === undefined || balancer.healthy)) return { healthy: true, ...report };
    if (elapsedMs + interval > timeoutMs) {
      const bad = nodes.filter((n) => !n.healthy).map((n) => `${n.url} (${n.error})`);
      const what = knowsUuid === undefined ? "answer GET /api/heartbeat" : `answer GET /api/heartbeat and know ${knowsUuid}`;
      const parts = bad.length > 0 ? [`${bad.length} of ${urls.length} nodes did not ${what} within ${timeoutMs} ms: ${bad.join(", ")}`] : [];
      if (balancer !== undefined && !balancer.healthy) {
        parts.push(`the load balancer ${balancer.url} did not answer GET /api/heartbeat with 200 within ${timeoutMs} ms (${balancer.error}; a new global load balancer takes minutes)`);
      }
      throw new DvidcloudError("HEALTH_TIMEOUT", parts.join("; "));
    }
    await sleep(interval, signal);
    interval = Math.min(interval * 2, Math.max(baseInterval, 2_000));
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
