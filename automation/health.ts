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
}

/** One probe of one node: never throws, reports what happened. */
export function probeHeartbeat(url: string, timeoutMs: number, signal?: AbortSignal): Promise<NodeHealth> {
  const started = performance.now();
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL("/api/heartbeat", url);
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
        const healthy = res.statusCode === 200 && body.trim() === "OK";
        resolve(
          healthy
            ? { url, healthy, latencyMs: performance.now() - started }
            : { url, healthy, error: `status ${res.statusCode}, body ${JSON.stringify(body.slice(0, 60))}` },
        );
      });
      res.on("error", (err) => resolve({ url, healthy: false, error: err.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ url, healthy: false, error: err.code ?? err.message }));
  });
}

const KEYS = ["timeoutMs", "intervalMs", "probeTimeoutMs", "onProgress", "signal"];

/**
 * Probes every node until all are healthy, or throws `HEALTH_TIMEOUT` naming the nodes that are
 * not (and why), or `ABORTED` when the signal fires.
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

  const started = performance.now();
  const state = new Map<string, NodeHealth>(urls.map((url) => [url, { url, healthy: false, error: "not probed yet" }]));
  let interval = baseInterval;
  for (;;) {
    if (signal?.aborted) throw new DvidcloudError("ABORTED", `${where}: aborted`, { cause: signal.reason });
    const pending = urls.filter((u) => !state.get(u)!.healthy);
    const results = await Promise.all(pending.map((u) => probeHeartbeat(u, probeTimeoutMs, signal)));
    for (const r of results) {
      state.set(r.url, r);
      const healthyNodes = [...state.values()].filter((n) => n.healthy).length;
      onProgress({ kind: "health", url: r.url, healthy: r.healthy, healthyNodes, totalNodes: urls.length });
    }
    const nodes = urls.map((u) => state.get(u)!);
    const elapsedMs = performance.now() - started;
    if (nodes.every((n) => n.healthy)) return { healthy: true, nodes, elapsedMs };
    if (elapsedMs + interval > timeoutMs) {
      const bad = nodes.filter((n) => !n.healthy).map((n) => `${n.url} (${n.error})`);
      throw new DvidcloudError(
        "HEALTH_TIMEOUT",
        `${bad.length} of ${urls.length} nodes did not answer GET /api/heartbeat within ${timeoutMs} ms: ${bad.join(", ")}`,
      );
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
