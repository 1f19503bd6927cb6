// The receive path for voxel bodies: a small HTTP/1.1 GET client over `net` whose sockets read
// (`onread`) straight into the caller's output array, or into one reused 64 KiB buffer per
// connection where the destination is not one long contiguous run. Transport.stream() uses it
// for http: nodes; everything else (metadata, writes, https:) goes through got.
//
// Why it exists (measured by bench/client-lean.ts, README "Measured"): got and node:http cost a
// stream, an IncomingMessage, abort listeners and a fresh 64 KiB Buffer per socket read. Those
// Buffers are external memory that only V8's garbage collector frees, so a 16 MiB read peaked at
// 2x the array, and the per-request objects made a one-block read ~1.6x a plain GET. Here the
// kernel copies the body into its place in the output, and a request allocates a handful of
// small objects.
//
// Scope: GET only, one request per connection at a time (no pipelining), keep-alive;
// Content-Length, chunked and close-delimited bodies. Errors carry the socket error's code
// (ECONNREFUSED, ECONNRESET, ETIMEDOUT…) so that the transport's retry loop classifies them as
// it does got's.
import net from "node:net";

/** Where a 200 response's body goes. */
export interface ReceiveTarget {
  /**
   * A place where the next bytes of the body may be read directly, at most `max` long, or
   * undefined to receive them into the connection's buffer and `push` them.
   */
  window(max: number): Uint8Array | undefined;
  /** `n` bytes were read into the last window. */
  advance(n: number): void;
  /** Places a piece received elsewhere; false (placing nothing) when the body is too long. */
  push(piece: Uint8Array): boolean;
}

export interface ReceiveResult {
  readonly status: number;
  /** For statuses other than 200: the body's text (at most 64 KiB). */
  readonly text: string;
  /** False when the connection closed before the body's end (a cut body). */
  readonly complete: boolean;
}

/** A connection-level failure; `code` as Node's socket errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT…). */
export class ReceiveError extends Error {
  constructor(
    readonly code: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "ReceiveError";
  }
}

/** The body had more bytes than the target takes. */
export class BodyOverflow extends Error {
  constructor(readonly received: number) {
    super(`response body longer than expected (more than ${received} bytes)`);
    this.name = "BodyOverflow";
  }
}

export interface ReceiveOptions {
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly signal?: AbortSignal;
  /** Sent as `Authorization: Bearer <token>` (checked by the client's options: no spaces or line breaks). */
  readonly token?: string;
  /**
   * Called once the status line and headers of a 200 are in: the body's target, or an error to
   * fail with before any body byte is read (e.g. a Content-Length that does not fit).
   */
  readonly onHead: (contentLength: number | undefined) => ReceiveTarget | Error;
}

const SCRATCH_BYTES = 64 * 1024;
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_TEXT = 64 * 1024;
/** A window shorter than this is not worth a read of its own: use the scratch buffer. */
const MIN_WINDOW = 16 * 1024;

type Phase = "idle" | "head" | "body" | "done";

/** One keep-alive connection and the state of the response it is receiving. */
class Connection {
  readonly socket: net.Socket;
  readonly key: string;
  readonly #scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  /** Bytes of the head collected at the start of the scratch buffer. */
  #headLen = 0;
  #phase: Phase = "idle";
  /** True when the buffer handed out for the next read is a window of the target. */
  #direct = false;
  #target: ReceiveTarget | undefined;
  #status = 0;
  #contentLength: number | undefined;
  /** Body bytes still due (Content-Length framing), or -1 when the body ends with the connection / chunks. */
  #remaining = -1;
  #chunked = false;
  /** Fresh for each chunked response. */
  #chunk = new ChunkDecoder();
  #text: Buffer[] = [];
  #textBytes = 0;
  #received = 0;
  #keepAlive = true;
  /** Bytes of anything received since the request was sent. */
  #any = 0;
  #settle: ((err: Error | undefined, result?: ReceiveResult) => void) | undefined;
  #options: ReceiveOptions | undefined;
  connected = false;

  constructor(host: string, port: number, key: string, onGone: (c: Connection) => void) {
    this.key = key;
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: () => this.#nextBuffer(),
        callback: (n: number, buf: Uint8Array) => {
          this.#onBytes(n, buf);
          return true;
        },
      },
    });
    // Errors and closes while idle only take the connection out of the pool.
    this.socket.on("error", (err: NodeJS.ErrnoException) => this.fail(new ReceiveError(err.code ?? "ECONNRESET", err.message, err)));
    this.socket.on("close", () => {
      this.onClose();
      onGone(this);
    });
    this.socket.once("connect", () => (this.connected = true));
  }

  /** Sends `GET path` and resolves when the response is in (or rejects on a connection failure). */
  request(hostHeader: string, path: string, options: ReceiveOptions): Promise<ReceiveResult> {
    this.#phase = "head";
    this.#headLen = 0;
    this.#target = undefined;
    this.#status = 0;
    this.#contentLength = undefined;
    this.#remaining = -1;
    this.#chunked = false;
    this.#text = [];
    this.#textBytes = 0;
    this.#received = 0;
    this.#keepAlive = true;
    this.#any = 0;
    this.#options = options;
    return new Promise<ReceiveResult>((resolve, reject) => {
      this.#settle = (err, result) => {
        this.#settle = undefined;
        this.#options = undefined;
        this.#target = undefined;
        if (err) reject(err);
        else resolve(result!);
      };
      const auth = options.token === undefined ? "" : `Authorization: Bearer ${options.token}\r\n`;
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: dvidcloud-volume-client\r\nAccept: */*\r\n${auth}\r\n`);
    });
  }

  /** Fails the request in flight (socket error, timeout, abort) and destroys the socket. */
  fail(err: Error): void {
    this.#phase = "done";
    this.#keepAlive = false;
    this.socket.destroy();
    this.#settle?.(err);
  }

  /** True when the connection may carry another request. */
  get reusable(): boolean {
    return this.#phase === "idle" && this.#keepAlive && !this.socket.destroyed;
  }

  /** Bytes received for the request in flight (0: the connection closed before any answer). */
  get anyReceived(): number {
    return this.#any;
  }

  /** The connection closed: a close-delimited body ends here; any other unfinished response was cut. */
  onClose(): void {
    if (!this.#settle) return;
    if (this.#phase === "body" && !this.#chunked && this.#remaining < 0) {
      this.#finish();
      return;
    }
    if (this.#phase === "body" && this.#status === 200) {
      this.#phase = "done";
      this.#settle(undefined, { ...this.#result(), complete: false });
      return;
    }
    this.#phase = "done";
    this.#settle(new ReceiveError("ECONNRESET", "the connection closed before the response was complete"));
  }

  #result(): ReceiveResult {
    const text = this.#status === 200 ? "" : Buffer.concat(this.#text).subarray(0, MAX_TEXT).toString("utf8");
    return { status: this.#status, text, complete: true };
  }

  // Node asks for the next read's buffer right after each read's callback (and once when the
  // socket connects), so the state here is that of the bytes still to come.
  #nextBuffer(): Uint8Array {
    this.#direct = false;
    if (this.#phase === "head") return this.#scratch.subarray(this.#headLen);
    if (this.#phase === "body" && !this.#chunked) {
      const max = this.#remaining >= 0 ? this.#remaining : SCRATCH_BYTES;
      if (this.#target && max >= MIN_WINDOW) {
        const w = this.#target.window(max);
        if (w && w.length >= MIN_WINDOW) {
          this.#direct = true;
          return w;
        }
      }
      // Never read past this response's end: bytes after it would be a protocol error anyway.
      return max > 0 && max < SCRATCH_BYTES ? this.#scratch.subarray(0, max) : this.#scratch;
    }
    return this.#scratch;
  }

  #onBytes(n: number, buf: Uint8Array): void {
    this.#any += n;
    const phase = this.#phase;
    if (phase === "idle" || phase === "done") {
      // Bytes nobody asked for (after a response's end): the connection cannot be trusted.
      this.#keepAlive = false;
      this.socket.destroy();
      return;
    }
    if (phase === "head") {
      this.#headLen += n;
      const head = this.#scratch.subarray(0, this.#headLen);
      const end = head.indexOf("\r\n\r\n", Math.max(0, this.#headLen - n - 3), "latin1");
      if (end < 0) {
        if (this.#headLen >= MAX_HEAD_BYTES) this.fail(new ReceiveError("EPROTO", `response head longer than ${MAX_HEAD_BYTES} bytes`));
        return;
      }
      const problem = this.#parseHead(head.toString("latin1", 0, end));
      if (problem) return this.fail(problem);
      this.#phase = "body";
      if (this.#status === 200) {
        const target = this.#options!.onHead(this.#contentLength);
        if (target instanceof Error) return this.fail(target);
        this.#target = target;
      }
      if (this.#remaining === 0) return this.#finish();
      const rest = this.#scratch.subarray(end + 4, this.#headLen);
      // The rest is copied out before the scratch buffer is read into again.
      if (rest.length > 0) this.#body(rest);
      return;
    }
    if (this.#direct) {
      // Read straight into the target's window.
      this.#target!.advance(n);
      this.#received += n;
      this.#remaining -= n;
      if (this.#remaining === 0) this.#finish();
      return;
    }
    this.#body(buf.subarray(0, n));
  }

  /** Body bytes that arrived in the scratch buffer. */
  #body(piece: Uint8Array): void {
    if (this.#chunked) {
      const r = this.#chunk.feed(piece, (data) => this.#deliver(data));
      if (r instanceof Error) return this.fail(r);
      if (this.#phase !== "body") return;
      if (r === "end") this.#finish();
      return;
    }
    if (this.#remaining >= 0 && piece.length > this.#remaining) {
      this.#keepAlive = false;
      piece = piece.subarray(0, this.#remaining);
    }
    this.#deliver(piece);
    if (this.#phase !== "body") return;
    if (this.#remaining >= 0) {
      this.#remaining -= piece.length;
      if (this.#remaining === 0) this.#finish();
    }
  }

  #deliver(data: Uint8Array): void {
    if (this.#status !== 200) {
      if (this.#textBytes < MAX_TEXT) this.#text.push(Buffer.from(data));
      this.#textBytes += data.length;
      return;
    }
    if (!this.#target!.push(data)) {
      this.fail(new BodyOverflow(this.#received));
      return;
    }
    this.#received += data.length;
  }

  #finish(): void {
    if (this.#phase !== "body") return;
    this.#phase = this.#keepAlive ? "idle" : "done";
    const result = this.#result();
    this.#settle?.(undefined, result);
  }

  #parseHead(head: string): Error | undefined {
    const lines = head.split("\r\n");
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
    if (!m) return new ReceiveError("EPROTO", `not an HTTP/1.x status line: ${JSON.stringify(lines[0].slice(0, 80))}`);
    this.#status = Number(m[2]);
    this.#keepAlive = m[1] === "1";
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "content-length") {
        if (!/^\d+$/.test(value)) return new ReceiveError("EPROTO", `bad Content-Length ${JSON.stringify(value)}`);
        this.#contentLength = Number(value);
      } else if (name === "transfer-encoding") this.#chunked = value.toLowerCase().split(",").map((s) => s.trim()).includes("chunked");
      else if (name === "connection") {
        const v = value.toLowerCase();
        if (v.includes("close")) this.#keepAlive = false;
        else if (v.includes("keep-alive")) this.#keepAlive = true;
      }
    }
    if (this.#chunked) {
      this.#contentLength = undefined;
      this.#chunk = new ChunkDecoder();
    } else if (this.#contentLength !== undefined) this.#remaining = this.#contentLength;
    else if (this.#status === 204 || this.#status === 304 || (this.#status >= 100 && this.#status < 200)) this.#remaining = 0;
    else this.#keepAlive = false; // close-delimited
    return undefined;
  }
}

/** Decodes `Transfer-Encoding: chunked` across pieces of any size. */
class ChunkDecoder {
  #state: "size" | "data" | "data-crlf" | "trailer" = "size";
  #line = "";
  #left = 0;

  feed(piece: Uint8Array, deliver: (data: Uint8Array) => void): "more" | "end" | Error {
    let i = 0;
    while (i < piece.length) {
      if (this.#state === "data") {
        const n = Math.min(this.#left, piece.length - i);
        deliver(piece.subarray(i, i + n));
        i += n;
        this.#left -= n;
        if (this.#left === 0) this.#state = "data-crlf";
        continue;
      }
      // Line-oriented states: collect up to LF.
      const lf = piece.indexOf(10, i);
      const upto = lf < 0 ? piece.length : lf;
      this.#line += Buffer.from(piece.buffer, piece.byteOffset + i, upto - i).toString("latin1");
      if (this.#line.length > 4096) return new ReceiveError("EPROTO", "chunk header line too long");
      if (lf < 0) return "more";
      i = lf + 1;
      const line = this.#line.replace(/\r$/, "");
      this.#line = "";
      if (this.#state === "data-crlf") {
        if (line !== "") return new ReceiveError("EPROTO", "chunk data not followed by CRLF");
        this.#state = "size";
      } else if (this.#state === "size") {
        const size = parseInt(line.split(";")[0].trim(), 16);
        if (!Number.isFinite(size) || size < 0) return new ReceiveError("EPROTO", `bad chunk size line ${JSON.stringify(line.slice(0, 40))}`);
        if (size === 0) this.#state = "trailer";
        else {
          this.#left = size;
          this.#state = "data";
        }
      } else if (line === "") return "end";
    }
    return "more";
  }
}

interface NodeAddress {
  readonly host: string;
  readonly port: number;
  /** The pool key of its connections. */
  readonly key: string;
  /** The Host header's value. */
  readonly hostHeader: string;
}

function nodeAddress(node: string): NodeAddress {
  const url = new URL(node);
  const port = Number(url.port || 80);
  // An IPv6 literal's hostname keeps its brackets in a URL; net.connect wants the bare address.
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port, key: `${host}:${port}`, hostHeader: url.host };
}

/** Keep-alive connections per node, and the GETs over them. */
export class VoxelReceiver {
  readonly #idle = new Map<string, Connection[]>();
  /** Each node's base URL parsed once, not per sub-request. */
  readonly #addresses = new Map<string, NodeAddress>();
  readonly #busy = new Set<Connection>();
  #closed = false;

  /** GETs `path` (with its query) from `node` (an http: base URL). */
  async get(node: string, path: string, options: ReceiveOptions): Promise<ReceiveResult> {
    if (this.#closed) throw new ReceiveError("ECONNABORTED", "the client was closed");
    let address = this.#addresses.get(node);
    if (!address) this.#addresses.set(node, (address = nodeAddress(node)));
    const { host, port, key, hostHeader } = address;
    // A reused connection that the server closed while idle fails before any byte arrives:
    // then the request goes once more on a fresh connection (GET repeats safely).
    for (let attempt = 0; ; attempt++) {
      const reused = attempt === 0 ? this.#takeIdle(key) : undefined;
      const conn = reused ?? new Connection(host, port, key, (c) => this.#forget(c));
      try {
        return await this.#run(conn, hostHeader, path, options);
      } catch (err) {
        if (reused && conn.anyReceived === 0 && err instanceof ReceiveError && (err.code === "ECONNRESET" || err.code === "EPIPE") && !options.signal?.aborted) continue;
        throw err;
      }
    }
  }

  close(): void {
    this.#closed = true;
    for (const list of this.#idle.values()) for (const c of list) c.socket.destroy();
    this.#idle.clear();
    for (const c of this.#busy) c.fail(new ReceiveError("ECONNABORTED", "the client was closed"));
    this.#busy.clear();
  }

  #forget(conn: Connection): void {
    const list = this.#idle.get(conn.key);
    const at = list?.indexOf(conn) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
  }

  #takeIdle(key: string): Connection | undefined {
    const list = this.#idle.get(key);
    while (list && list.length > 0) {
      const c = list.pop()!;
      if (c.reusable) return c;
    }
    return undefined;
  }

  async #run(conn: Connection, hostHeader: string, path: string, options: ReceiveOptions): Promise<ReceiveResult> {
    const { socket } = conn;
    const signal = options.signal;
    this.#busy.add(conn);
    socket.ref();
    const onTimeout = () => conn.fail(new ReceiveError("ETIMEDOUT", `no data for ${options.idleTimeoutMs} ms`));
    const onAbort = () => conn.fail(new ReceiveError("ECONNABORTED", "aborted", signal?.reason));
    const connectTimer = conn.connected
      ? undefined
      : setTimeout(() => {
          if (!conn.connected) conn.fail(new ReceiveError("ETIMEDOUT", `connect timed out after ${options.connectTimeoutMs} ms`));
        }, options.connectTimeoutMs);
    socket.setTimeout(options.idleTimeoutMs, onTimeout);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const pending = conn.request(hostHeader, path, options);
      if (signal?.aborted) onAbort();
      return await pending;
    } finally {
      clearTimeout(connectTimer);
      signal?.removeEventListener("abort", onAbort);
      socket.setTimeout(0);
      socket.off("timeout", onTimeout);
      this.#busy.delete(conn);
      if (conn.reusable && !this.#closed) {
        socket.unref();
        const list = this.#idle.get(conn.key);
        if (list) list.push(conn);
        else this.#idle.set(conn.key, [conn]);
      } else socket.destroy();
    }
  }
}
