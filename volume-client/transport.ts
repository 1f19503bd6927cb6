// The HTTP layer: one configured got instance per client, the cluster's nodes, and the retry
// and failover loop every request goes through.
//
// Routing follows the cluster topology (ARCHITECTURE.md "One topology for both"): metadata and
// writes go to the one writer, since several writable DVIDs on one bucket corrupt each other
// (dvid-deploy.md §4); voxel and key-value reads rotate over every node. A reader that answers
// 400 may only have stale metadata (real DVID readers load metadata once at start-up and answer
// 400 for a UUID or instance they do not know, dvid-api.md §1.2, §7.2), so the request is
// repeated on the writer, whose answer stands.
//
// got's own retry is off: it cannot move a request to another node, and a streamed response
// restarted by got would append to bytes already placed. This loop retries instead: requests
// that are safe to repeat after 503s and connection errors, with exponential backoff, trying
// another node first; other requests only when they certainly did not reach the server.
import http from "node:http";
import https from "node:https";
import got, { RequestError, type Got } from "got";
import { VolumeClientError, isVolumeClientError } from "./errors.js";
import { abortedError, sleep } from "./abort.js";
import type { ResolvedClientOptions } from "./options.js";
import { isLoopbackUrl, type ClusterNodes } from "./endpoints.js";
import type { ScatterSink } from "./voxel-copy.js";
import { explainUnresolvedRef } from "./version-ref.js";
import { BodyOverflow, ReceiveError, VoxelReceiver, type ReceiveTarget } from "./http-receive.js";
import { lz4CompressBound, lz4DecompressBlock } from "./wire/lz4.js";
import { ScratchPool } from "./scratch.js";

type HttpMethod = "GET" | "POST" | "DELETE" | "HEAD";

interface RequestSpec {
  readonly method: HttpMethod;
  /** URL path, starting with `/api/`, segments already encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** `writer`: metadata and mutations. `read`: any node, failing over to the writer. */
  readonly route: "writer" | "read";
  /**
   * Repeating the request cannot change the outcome (reads; whole-block or patch writes).
   * Non-idempotent requests (commit, newversion…) are retried only after a refused connection
   * or a 503, when the server certainly did not act on them.
   */
  readonly idempotent: boolean;
  /**
   * The request body. An array of byte ranges is sent in order as one body (Content-Length is
   * their total): a sub-box whose rows are contiguous per z plane of the caller's array goes out
   * without being gathered into a copy first.
   */
  readonly body?: Uint8Array | string | readonly Uint8Array[];
  readonly contentType?: string;
  /** Statuses handed back to the caller instead of raised (e.g. 404 for a missing key). */
  readonly accept?: readonly number[];
  readonly signal?: AbortSignal;
}

interface BufferedResponse {
  readonly status: number;
  readonly body: Buffer;
  readonly node: string;
}

/** A failure that another attempt (maybe on another node) may cure. */
class RetryableFailure extends Error {
  constructor(
    readonly kind: "connection" | "unavailable" | "truncated",
    /** True when the request certainly never reached a handler (refused, or 503). */
    readonly notActedOn: boolean,
    message: string,
    readonly final: VolumeClientError,
  ) {
    super(message);
  }
}

const MAX_ERROR_BODY = 64 * 1024;
const MAX_BACKOFF_MS = 2000;

export class Transport {
  readonly writer: string;
  /** The read-only nodes; never the writer. */
  readonly readers: readonly string[];
  /** Every node, writer first; reads rotate over all of them. */
  readonly nodes: readonly string[];
  /** Every node is on this machine (loopback): compression on the wire would only cost CPU. */
  readonly allLoopback: boolean;
  readonly options: ResolvedClientOptions;
  readonly #got: Got;
  readonly #agents: { http: http.Agent; https: https.Agent };
  readonly #receiver = new VoxelReceiver();
  /** Reused buffers of the lz4 path (decoded sub-boxes, gathered and compressed writes). */
  readonly scratch = new ScratchPool();
  readonly #downUntil = new Map<string, number>();
  #turn = 0;
  /** Requests sent (attempts), for diagnostics and tests. */
  requestsSent = 0;
  /** Requests sent per node base URL. */
  readonly requestsByNode = new Map<string, number>();

  constructor(cluster: ClusterNodes, options: ResolvedClientOptions) {
    this.options = options;
    this.writer = cluster.writer;
    this.readers = cluster.readers;
    this.nodes = cluster.nodes;
    this.allLoopback = cluster.nodes.every(isLoopbackUrl);
    // Sockets are reused across sub-requests (keep-alive); one agent per client so close()
    // can release them.
    this.#agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
    };
    this.#got = got.extend({
      agent: this.#agents,
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      decompress: false,
      timeout: { connect: options.connectTimeoutMs, socket: options.idleTimeoutMs },
      headers: { "user-agent": "dvidcloud-volume-client", ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }) },
    });
  }

  close(): void {
    this.#receiver.close();
    this.scratch.clear();
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  /** Sends a request and returns the whole (small) response body. */
  buffer(spec: RequestSpec): Promise<BufferedResponse> {
    return this.#withRetries(spec, async (node) => {
      this.#count(node);
      const res = await this.#got(node + spec.path, {
        method: spec.method,
        searchParams: spec.query ? { ...spec.query } : undefined,
        body: spec.body === undefined ? undefined : toBody(spec.body),
        headers: requestHeaders(spec),
        responseType: "buffer",
        signal: spec.signal,
      });
      if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, body: res.body, node };
      if (spec.accept?.includes(res.statusCode)) return { status: res.statusCode, body: res.body, node };
      throw this.#statusError(spec, node, res.statusCode, res.body.subarray(0, MAX_ERROR_BODY).toString("utf8"));
    });
  }

  /** Sends a request and parses its JSON response. */
  async json<T>(spec: RequestSpec): Promise<T> {
    const res = await this.buffer(spec);
    try {
      return JSON.parse(res.body.toString("utf8")) as T;
    } catch (cause) {
      throw new VolumeClientError(
        "HTTP_ERROR",
        `${spec.method} ${res.node}${spec.path} answered ${res.status} with a body that is not JSON: ${JSON.stringify(res.body.subarray(0, 200).toString("utf8"))}`,
        { method: spec.method, path: spec.path, node: res.node, status: res.status, cause },
      );
    }
  }

  /**
   * GETs voxel bytes and streams them straight into `sink` (no intermediate buffer). The body
   * must be exactly `sink.expectedBytes` long; a retried attempt overwrites the same bytes.
   * With `decode: "lz4"` the body is one raw LZ4 block of those bytes (DVID's label
   * `compression=lz4`), collected and decoded into `sink`.
   *
   * http: nodes are read by VoxelReceiver (http-receive.ts), whose sockets read straight into
   * the output; https: nodes through got.
   */
  stream(spec: RequestSpec, sink: ScatterSink, decode?: "lz4"): Promise<void> {
    return this.#withRetries(spec, async (node) => {
      this.#count(node);
      sink.reset();
      const collector = await this.#receive(spec, node, sink, decode);
      if (collector) {
        // A sub-box that is one contiguous range of the output is decoded in place; others
        // through a reused scratch array (fresh memory per sub-request costs more than the codec).
        const direct = sink.contiguous ? sink.window(sink.expectedBytes) : undefined;
        const scratch = direct ? undefined : this.scratch.take(sink.expectedBytes);
        try {
          lz4DecompressBlock(collector.bytes(), sink.expectedBytes, direct ?? scratch);
        } catch (cause) {
          this.scratch.give(scratch);
          throw new VolumeClientError(
            "RESPONSE_LENGTH",
            `${spec.method} ${node}${spec.path} sent an lz4 body of ${collector.received} bytes that does not decode to the ${sink.expectedBytes} bytes the shape needs: ${(cause as Error).message}`,
            { method: spec.method, path: spec.path, node, status: 200, cause },
          );
        } finally {
          collector.release();
        }
        if (direct) sink.advance(direct.length);
        else {
          sink.push(scratch!);
          this.scratch.give(scratch);
        }
        return;
      }
      if (sink.received !== sink.expectedBytes) throw this.#truncated(spec, node, sink, undefined);
    });
  }

  /** One attempt's response into `sink` (or, to decode, into the collector it returns). */
  async #receive(spec: RequestSpec, node: string, sink: ScatterSink, decode?: "lz4"): Promise<Collector | undefined> {
    let collector: Collector | undefined;
    const onHead = (declared: number | undefined): ReceiveTarget | VolumeClientError => {
      if (decode) {
        const bound = lz4CompressBound(sink.expectedBytes);
        if (declared !== undefined && declared > bound) {
          return this.#lengthError(spec, node, `declares Content-Length ${declared}, more than an lz4 block of`, sink.expectedBytes);
        }
        return (collector = new Collector(declared, bound, this.scratch));
      }
      if (declared !== undefined && declared !== sink.expectedBytes) {
        return this.#lengthError(spec, node, `declares Content-Length ${declared}`, sink.expectedBytes);
      }
      return sink;
    };
    const overflow = () =>
      decode
        ? this.#lengthError(spec, node, `sent more than an lz4 block of`, sink.expectedBytes)
        : this.#lengthError(spec, node, `sent more than ${sink.received} bytes`, sink.expectedBytes);
    if (node.startsWith("http:")) {
      const query = spec.query ? `?${new URLSearchParams(spec.query).toString()}` : "";
      let res;
      try {
        res = await this.#receiver.get(node, spec.path + query, {
          connectTimeoutMs: this.options.connectTimeoutMs,
          idleTimeoutMs: this.options.idleTimeoutMs,
          signal: spec.signal,
          token: this.options.token,
          onHead,
        });
      } catch (err) {
        if (err instanceof BodyOverflow) throw overflow();
        throw err;
      }
      if (res.status !== 200) throw this.#statusError(spec, node, res.status, res.text);
      if (!res.complete || (collector && collector.declared !== undefined && collector.received !== collector.declared)) {
        throw this.#truncated(spec, node, sink, collector);
      }
      return collector;
    }
    const stream = this.#got.stream(node + spec.path, {
      method: spec.method,
      searchParams: spec.query ? { ...spec.query } : undefined,
      signal: spec.signal,
    });
    try {
      const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
        stream.once("response", resolve);
        stream.once("error", reject);
      });
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        const parts: Buffer[] = [];
        let size = 0;
        for await (const piece of stream as AsyncIterable<Buffer>) {
          if (size < MAX_ERROR_BODY) parts.push(piece);
          size += piece.length;
        }
        throw this.#statusError(spec, node, status, Buffer.concat(parts).subarray(0, MAX_ERROR_BODY).toString("utf8"));
      }
      const header = response.headers["content-length"];
      const target = onHead(header === undefined ? undefined : Number(header));
      if (target instanceof VolumeClientError) throw target;
      // 'data' events rather than async iteration: no promise per 64 KiB piece on the hot path.
      await new Promise<void>((resolve, reject) => {
        stream.on("data", (piece: Buffer) => {
          if (!target.push(piece)) {
            stream.destroy();
            reject(overflow());
          }
        });
        stream.once("end", resolve);
        stream.once("error", reject);
      });
      if (collector && collector.declared !== undefined && collector.received !== collector.declared) {
        throw this.#truncated(spec, node, sink, collector);
      }
      return collector;
    } finally {
      if (!stream.destroyed) stream.destroy();
    }
  }

  /** A body cut short (into `collector` when decoding): what a node dying mid-response looks like, so retried. */
  #truncated(spec: RequestSpec, node: string, sink: ScatterSink, collector: Collector | undefined): RetryableFailure {
    const got = collector ? `${collector.received} bytes of its lz4 body` : `${sink.received} bytes`;
    const final = this.#lengthError(spec, node, `ended after ${got}`, sink.expectedBytes);
    return new RetryableFailure("truncated", false, final.message, final);
  }

  #count(node: string): void {
    this.requestsSent++;
    this.requestsByNode.set(node, (this.requestsByNode.get(node) ?? 0) + 1);
  }

  async #withRetries<T>(spec: RequestSpec, attempt: (node: string) => Promise<T>): Promise<T> {
    const tried = new Set<string>();
    let writerOnly = spec.route === "writer";
    let failures = 0;
    for (;;) {
      if (spec.signal?.aborted) throw abortedError(spec.signal, `${spec.method} ${spec.path}`);
      const node = writerOnly ? this.writer : this.#pickReadNode(tried);
      const wasTried = tried.has(node);
      if (wasTried && failures > 0) {
        const base = this.options.retryDelayMs * 2 ** Math.min(failures - 1, 10);
        await sleep(Math.min(MAX_BACKOFF_MS, base) * (0.5 + Math.random() / 2), spec.signal);
      }
      tried.add(node);
      try {
        return await attempt(node);
      } catch (raw) {
        if (spec.signal?.aborted) throw abortedError(spec.signal, `${spec.method} ${spec.path}`);
        const err = this.#classify(spec, node, raw);
        if (err instanceof RetryableFailure) {
          if (!spec.idempotent && !err.notActedOn) throw err.final;
          this.#downUntil.set(node, Date.now() + this.options.nodeCooldownMs);
          failures++;
          if (failures > this.options.retries) {
            if (err.kind === "truncated") throw err.final;
            throw new VolumeClientError(
              "UNAVAILABLE",
              `${spec.method} ${spec.path} failed on every node after ${failures} attempts; last: ${err.message}`,
              { method: spec.method, path: spec.path, node, status: err.final.status, dvidMessage: err.final.dvidMessage, cause: err.final },
            );
          }
          continue;
        }
        if (
          isVolumeClientError(err) &&
          err.status === 400 &&
          spec.route === "read" &&
          !writerOnly &&
          node !== this.writer
        ) {
          writerOnly = true;
          continue;
        }
        if (isVolumeClientError(err, "HTTP_ERROR") && err.status === 400) throw await explainUnresolvedRef(this, err, spec.signal);
        throw err;
      }
    }
  }

  #pickReadNode(tried: ReadonlySet<string>): string {
    const now = Date.now();
    const n = this.nodes.length;
    const start = this.#turn++ % n;
    const order = Array.from({ length: n }, (_, i) => this.nodes[(start + i) % n]);
    const healthy = (u: string) => (this.#downUntil.get(u) ?? 0) <= now;
    return (
      order.find((u) => healthy(u) && !tried.has(u)) ??
      order.find((u) => !tried.has(u)) ??
      (healthy(this.writer) ? this.writer : undefined) ??
      order.find(healthy) ??
      this.writer
    );
  }

  #classify(spec: RequestSpec, node: string, raw: unknown): unknown {
    if (raw instanceof RetryableFailure || isVolumeClientError(raw)) return raw;
    if (raw instanceof ReceiveError) {
      const final = new VolumeClientError(
        "UNAVAILABLE",
        `${spec.method} ${node}${spec.path} failed: ${raw.code} ${raw.message}`,
        { method: spec.method, path: spec.path, node, cause: raw },
      );
      return new RetryableFailure("connection", raw.code === "ECONNREFUSED", `${raw.code} from ${node}`, final);
    }
    if (raw instanceof RequestError) {
      const code = raw.code;
      const final = new VolumeClientError(
        "UNAVAILABLE",
        `${spec.method} ${node}${spec.path} failed: ${code} ${raw.message}`,
        { method: spec.method, path: spec.path, node, cause: raw },
      );
      return new RetryableFailure("connection", code === "ECONNREFUSED", `${code} from ${node}`, final);
    }
    return raw;
  }

  #statusError(spec: RequestSpec, node: string, status: number, text: string): VolumeClientError | RetryableFailure {
    const dvidMessage = text.trim();
    const fields = { method: spec.method, path: spec.path, node, status, dvidMessage };
    const message = `${spec.method} ${node}${spec.path} answered ${status}: ${dvidMessage || "(no message)"}`;
    if (status === 503) {
      // DVID answers 503 from its middleware before any handler runs (dvid-api.md §1.5): the
      // request was not acted on, so even a commit may be repeated.
      return new RetryableFailure("unavailable", true, message, new VolumeClientError("UNAVAILABLE", message, fields));
    }
    return new VolumeClientError(status === 404 ? "NOT_FOUND" : "HTTP_ERROR", message, fields);
  }

  #lengthError(spec: RequestSpec, node: string, what: string, expected: number): VolumeClientError {
    return new VolumeClientError(
      "RESPONSE_LENGTH",
      `${spec.method} ${node}${spec.path} ${what}; the requested shape needs exactly ${expected} bytes`,
      { method: spec.method, path: spec.path, node, status: 200 },
    );
  }
}

function toBody(body: Uint8Array | string | readonly Uint8Array[]): Buffer | string | Buffer[] {
  if (typeof body === "string" || Buffer.isBuffer(body)) return body;
  if (isPieces(body)) return body.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function isPieces(body: Uint8Array | string | readonly Uint8Array[]): body is readonly Uint8Array[] {
  return Array.isArray(body);
}

function requestHeaders(spec: RequestSpec): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  if (spec.contentType) headers["content-type"] = spec.contentType;
  // got sends an iterable body chunked unless told its length; DVID expects a Content-Length.
  if (spec.body !== undefined && isPieces(spec.body)) headers["content-length"] = String(spec.body.reduce((n, p) => n + p.byteLength, 0));
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/**
 * Collects a compressed body: sized by its Content-Length when declared, else grown up to `bound`,
 * in arrays from the transport's scratch pool (a fresh array per sub-request would be memory
 * touched for the first time each time; see scratch.ts). `release` gives the array back.
 */
class Collector implements ReceiveTarget {
  #buf: Uint8Array;
  received = 0;

  constructor(
    readonly declared: number | undefined,
    readonly bound: number,
    readonly pool: ScratchPool,
  ) {
    this.#buf = pool.take(declared ?? Math.min(bound, 1 << 20));
  }

  window(max: number): Uint8Array | undefined {
    if (this.declared === undefined) return undefined;
    return this.#buf.subarray(this.received, Math.min(this.#buf.length, this.received + max));
  }

  advance(n: number): void {
    this.received += n;
  }

  push(piece: Uint8Array): boolean {
    const need = this.received + piece.length;
    if (need > (this.declared ?? this.bound)) return false;
    if (need > this.#buf.length) {
      const grown = this.pool.take(Math.min(this.bound, Math.max(need, this.#buf.length * 2)));
      grown.set(this.#buf.subarray(0, this.received));
      this.pool.give(this.#buf);
      this.#buf = grown;
    }
    this.#buf.set(piece, this.received);
    this.received = need;
    return true;
  }

  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.received);
  }

  /** Gives the array back to the pool; nothing may read `bytes()` after this. */
  release(): void {
    this.pool.give(this.#buf);
  }
}
