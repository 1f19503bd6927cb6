// local-dvid's HTTP server: DVID's HTTP API (dvid-api.md) over an ObjectStore. The app is built
// by a factory apart from listening (`createApp` gives a node:http handler; `startLocalDvid`
// listens), so tests and embedders can mount it anywhere. Several processes on one store behave
// as one DVID cluster: all metadata lives in the store and changes by compare-and-swap (see
// meta/store-layout.ts for the layout and meta/metadata-store.ts for the protocol).
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AccessPolicy, checkAllowHosts, checkCorsOrigins } from "./http/access.js";
import { checkTokens, type AccessToken } from "./http/access-tokens.js";
import { serveConsole } from "../console/serve-console.js";
import { dvidAnswerFor } from "./http/errors.js";
import { discardBody } from "./http/read-body.js";
import { parseRequestPath, splitRequestUrl } from "./http/request-path.js";
import { sendBody, sendError } from "./http/respond.js";
import { AppState, type RequestContext } from "./routes/app-state.js";
import { dispatch } from "./routes/dispatch.js";
import { checkLimits, type Limits } from "./limits.js";
import { closeIdleLz4Threads } from "./workers/lz4-pool.js";
import { closeIdleStageThreads } from "./workers/stage-pool.js";
import { checkBoolean, checkIntegerIn, checkOptionKeys, checkString, describeValue, invalidOption } from "./option-checks.js";
import type { ObjectStore } from "./store/object-store.js";

export interface LocalDvidOptions {
  /** Where repos, versions and voxels live; the caller owns it (close() does not close it). */
  store: ObjectStore;
  /** DVID `rwmode = "readonly"`: every non-GET/HEAD request → 400 "Server in read-only mode …". Default false. */
  readonly?: boolean;
  /** When set, POST /api/repos requires ?admintoken=<this> (DVID HEAD behaviour, §1.6). Default: none needed. */
  adminToken?: string;
  /** Shown in /api/server/info "Note" and /api/server/note. Default "". */
  note?: string;
  /**
   * Host names (or addresses) accepted in the Host header besides the node's own (loopback
   * names, the address a request came in on, the machine's host name); "*" accepts any. Other
   * Host headers get 403 (DNS rebinding). Default: none besides the node's own.
   */
  allowHosts?: string[];
  /**
   * Origins whose web pages may read this server (Access-Control-Allow-Origin, as DVID's
   * corsDomains), e.g. "http://localhost:8080"; "*" allows any. Default: none (same origin only).
   * Cross-origin writes need a token of the write role whatever this says.
   */
  corsOrigins?: string[];
  /** Tokens with roles; when given, every request but heartbeats needs `Authorization: Bearer <token>`. Default: none (open). */
  tokens?: AccessToken[];
  /** With tokens: GET and HEAD need no token (e.g. for neuroglancer, which sends none). Default false. */
  publicRead?: boolean;
  /** What one request may send or ask for; each key defaults as in limits.ts DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
}

export interface LocalDvidApp {
  /** A node:http request listener serving DVID's API. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Drops the app's caches and buffer pool; requests after close() still work but start cold. */
  close(): Promise<void>;
}

export interface StartOptions extends LocalDvidOptions {
  /** Interface to listen on. Default "127.0.0.1". */
  host?: string;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
}

export interface RunningLocalDvid {
  /** `http://<host>:<port>` */
  url: string;
  port: number;
  host: string;
  /** Stops listening, ends open connections (keep-alive too) and resolves when done; the store stays open. */
  close(): Promise<void>;
}

const APP_KEYS = ["store", "readonly", "adminToken", "note", "allowHosts", "corsOrigins", "tokens", "publicRead", "limits"] as const;
const START_KEYS = [...APP_KEYS, "host", "port"] as const;

/** The methods local-dvid calls on a store. */
const STORE_METHODS = ["get", "readInto", "readSlice", "put", "delete", "list", "hasPrefix", "close"] as const;

function checkOptions(options: unknown, allowed: readonly (keyof StartOptions)[]): asserts options is StartOptions {
  const o = checkOptionKeys(options as Partial<StartOptions> | undefined, allowed) as Record<string, unknown>;
  const store = o.store as Record<string, unknown> | undefined;
  if (typeof store !== "object" || store === null || STORE_METHODS.some((m) => typeof store[m] !== "function")) {
    throw invalidOption(`store must be an ObjectStore (${STORE_METHODS.join(", ")}); got ${describeValue(store)}`);
  }
  checkString(o.adminToken, "adminToken", { nonEmpty: true });
  checkString(o.note, "note");
  checkString(o.host, "host");
  checkBoolean(o.readonly, "readonly");
  checkBoolean(o.publicRead, "publicRead");
  checkAllowHosts(o.allowHosts);
  checkCorsOrigins(o.corsOrigins);
  checkTokens(o.tokens);
  checkIntegerIn(o.port, "port", 0, 65535);
  checkLimits(o.limits);
}

export function createApp(options: LocalDvidOptions): LocalDvidApp {
  checkOptions(options, APP_KEYS);
  const app = new AppState(options.store, {
    readonly: options.readonly ?? false,
    adminToken: options.adminToken,
    note: options.note ?? "",
    limits: checkLimits(options.limits),
  });

  const access = new AccessPolicy({
    allowHosts: checkAllowHosts(options.allowHosts),
    corsOrigins: checkCorsOrigins(options.corsOrigins),
    tokens: checkTokens(options.tokens),
    publicRead: options.publicRead,
    adminToken: options.adminToken,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    app.rates.count(method);
    app.rates.active++;
    const url = splitRequestUrl(req.url);
    let path = url.rawPath;
    try {
      // Host, origin and token checks (http/access.ts): a refusal or a preflight is answered there.
      if (access.apply(req, res, method, url)) return;
      // The console at `/` and neuroglancer at `/ng/` (static files, console/serve-console.ts); the
      // rest is DVID's API. After the access checks, so a rebound Host gets nothing here either.
      if (serveConsole(req, res)) return;
      if (method === "OPTIONS") {
        res.setHeader("Allow", "GET, HEAD, POST, DELETE, OPTIONS");
        return sendBody(res, 200, "text/plain; charset=utf-8", "");
      }
      const parsed = parseRequestPath(url);
      path = parsed.path;
      const token = parsed.query.get("admintoken");
      const ctx: RequestContext = {
        app,
        req,
        res,
        method,
        path: parsed.path,
        segments: parsed.segments,
        query: parsed.query,
        admin: access.isAdminToken(token),
        host: req.headers.host ?? "localhost",
      };
      await dispatch(ctx);
    } catch (err) {
      discardBody(req, res);
      const answer = dvidAnswerFor(err);
      if (answer) {
        sendError(res, answer.status, answer.verbatim ? answer.message : `${answer.message} (${path}).`);
      } else {
        // A store or server fault, not the client's: DVID would answer 500 too.
        process.stderr.write(`local-dvid: ${method} ${path} failed: ${(err as Error)?.stack ?? String(err)}\n`);
        sendError(res, 500, `local-dvid could not serve ${method} ${path}: ${(err as Error)?.message ?? String(err)}`);
      }
    } finally {
      app.rates.active--;
    }
  };

  return {
    handler: (req, res) => {
      void handle(req, res);
    },
    close: async () => {
      app.pool.clear();
      app.blockIndex.clear();
      await closeIdleLz4Threads();
      await closeIdleStageThreads();
    },
  };
}

export async function startLocalDvid(options: StartOptions): Promise<RunningLocalDvid> {
  checkOptions(options, START_KEYS);
  const { host = "127.0.0.1", port = 0, ...appOptions } = options;
  const app = createApp(appOptions);
  const server = http.createServer(app.handler);
  // DVID's read and write timeouts are 600 s: large volumes take a while. Idle keep-alive
  // connections stay open longer than clients' own idle timeouts, so a client never reuses a
  // socket the server is closing.
  server.requestTimeout = 600_000;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    host: address.address,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => app.close());
      return closing;
    },
  };
}
