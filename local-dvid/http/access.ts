// Who may ask what, checked before any route runs, in this order:
// 1. Host: a node answers only requests whose Host header names one of its own addresses
//    (loopback names, the address the request came in on, the machine's host name, and
//    `allowHosts`), so a DNS-rebound page cannot reach it under a name of its own.
// 2. Origin (CORS): a request from a page on another origin gets Access-Control-Allow-Origin
//    only for `corsOrigins` (as DVID's corsDomains); preflights are answered for those alone.
//    A cross-origin write (any method but GET/HEAD/OPTIONS) is refused unless a token of the
//    write role came with it: a simple POST from any web page changes nothing.
// 3. Tokens: with `tokens` set, a request needs `Authorization: Bearer <token>` whose role
//    (read < write < admin) covers it: reads need read, writes write, POST /api/repos admin
//    (DVID's admin privilege for repo creation). Missing or wrong → 401, too weak a role → 403.
//    `/api/heartbeat` (DVID serves it apart, unchecked) and paths outside /api (the console's
//    static files) need none; `publicRead` lets GET/HEAD through without a token.
// DVID's own `?admintoken=` (adminToken) counts as the admin role. Refusals are DVID-style
// text/plain `<message> (<path>).`; tokens are never logged nor echoed.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { hostname } from "node:os";
import { describeValue, invalidOption } from "../option-checks.js";
import { TokenTable, roleAllows, type AccessToken, type Role } from "./access-tokens.js";
import { discardBody } from "./read-body.js";
import type { RequestUrl } from "./request-path.js";
import { sendBody, sendError } from "./respond.js";

export interface AccessOptions {
  readonly allowHosts?: readonly string[];
  readonly corsOrigins?: readonly string[];
  readonly tokens?: readonly AccessToken[];
  readonly publicRead?: boolean;
  readonly adminToken?: string;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];
const ALLOW_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
const ALLOW_HEADERS = "Authorization, Content-Type";

/** A Host header's (or allowHosts entry's) host name, lower case, without port and trailing dot; undefined if malformed. */
export function hostnameOf(host: string): string | undefined {
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return undefined;
  }
  if (url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search !== "" || url.hash !== "" || /[/?#@\\]/.test(host)) return undefined;
  return url.hostname.toLowerCase().replace(/\.$/, "");
}

/** A socket's address as it appears in a Host header: IPv4-mapped IPv6 as IPv4, IPv6 in brackets. */
function addressAsHost(address: string | undefined): string | undefined {
  if (address === undefined || address === "") return undefined;
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return v4[1];
  return address.includes(":") ? hostnameOf(`[${address.replace(/%.*$/, "")}]`) : address;
}

/** Checks `allowHosts`: host names or addresses without port or path, or "*" for any. */
export function checkAllowHosts(value: unknown, name = "allowHosts"): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalidOption(`${name} must be an array of host names (e.g. ["dvid.example.org"]) or ["*"]; got ${describeValue(value)}`);
  return value.map((h: unknown, i) => {
    if (h === "*") return "*";
    const parsed = typeof h === "string" ? hostnameOf(h) : undefined;
    if (typeof h !== "string" || parsed === undefined || parsed === "" || /:\d+$/.test(h.replace(/^\[.*\]/, ""))) {
      throw invalidOption(`${name}[${i}] must be a host name or address without port or path (e.g. "dvid.example.org", "10.0.0.5", "[::1]") or "*"; got ${describeValue(h)}`);
    }
    return parsed;
  });
}

/** Checks `corsOrigins`: origins `scheme://host[:port]` (no path), or "*" for any. */
export function checkCorsOrigins(value: unknown, name = "corsOrigins"): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalidOption(`${name} must be an array of origins (e.g. ["http://localhost:8080"]) or ["*"]; got ${describeValue(value)}`);
  return value.map((o: unknown, i) => {
    if (o === "*") return "*";
    let origin: string | undefined;
    try {
      const url = new URL(o as string);
      if ((url.protocol === "http:" || url.protocol === "https:") && `${url.origin}` === (o as string).replace(/\/$/, "").toLowerCase()) origin = url.origin;
    } catch {
      origin = undefined;
    }
    if (typeof o !== "string" || origin === undefined) {
      throw invalidOption(`${name}[${i}] must be an origin http(s)://host[:port] without path (e.g. "http://localhost:8080") or "*"; got ${describeValue(o)}`);
    }
    return origin;
  });
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

function isRead(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS";
}

export class AccessPolicy {
  readonly #anyHost: boolean;
  readonly #hosts: Set<string>;
  readonly #anyOrigin: boolean;
  readonly #origins: Set<string>;
  readonly #tokens: TokenTable;
  readonly #publicRead: boolean;
  readonly #adminDigest: Buffer | undefined;

  constructor(options: AccessOptions) {
    const extra = options.allowHosts ?? [];
    this.#anyHost = extra.includes("*");
    this.#hosts = new Set([...LOOPBACK_NAMES, hostname().toLowerCase(), ...extra]);
    const origins = options.corsOrigins ?? [];
    this.#anyOrigin = origins.includes("*");
    this.#origins = new Set(origins);
    this.#tokens = new TokenTable(options.tokens ?? []);
    this.#publicRead = options.publicRead ?? false;
    this.#adminDigest = options.adminToken === undefined ? undefined : sha256(options.adminToken);
  }

  /** Whether tokens are required at all. */
  get tokensOn(): boolean {
    return this.#tokens.size > 0;
  }

  /** `?admintoken=` equals the server's adminToken (DVID's admin privilege), compared in constant time. */
  isAdminToken(given: string | null): boolean {
    return this.#adminDigest !== undefined && given !== null && timingSafeEqual(this.#adminDigest, sha256(given));
  }

  /**
   * Checks the request and sets its CORS headers. Returns true when it answered the request
   * itself (a refusal or a preflight); the caller then does nothing more.
   */
  apply(req: IncomingMessage, res: ServerResponse, method: string, url: RequestUrl): boolean {
    // The path without the query: an error message may show it, and a query may hold ?admintoken=.
    const { rawPath: path, query } = url;
    const refuse = (status: number, message: string): true => {
      discardBody(req, res);
      sendError(res, status, `${message} (${path}).`);
      return true;
    };

    // 1. Host.
    const hostHeader = req.headers.host;
    if (hostHeader !== undefined && !this.#anyHost) {
      const name = hostnameOf(hostHeader);
      if (name === undefined) return refuse(400, `Host header ${JSON.stringify(hostHeader)} is not a valid host[:port]`);
      if (!this.#hosts.has(name) && name !== addressAsHost(req.socket.localAddress)) {
        return refuse(
          403,
          `Host ${JSON.stringify(hostHeader)} is not an address of this server; use one of its addresses (e.g. 127.0.0.1) or let the server accept the name with --allow-host (option allowHosts)`,
        );
      }
    }

    // 2. Origin.
    const origin = req.headers.origin;
    let crossOrigin = false;
    if (origin !== undefined) {
      let originHost: string | undefined;
      try {
        originHost = new URL(origin).host.toLowerCase();
      } catch {
        originHost = undefined; // "null" (sandboxed pages, file:) and junk: another origin
      }
      crossOrigin = hostHeader === undefined || originHost !== hostHeader.toLowerCase();
    }
    const corsAllowed = crossOrigin && (this.#anyOrigin || this.#origins.has(origin!.toLowerCase()));
    if (this.#origins.size > 0 && !this.#anyOrigin) res.setHeader("Vary", "Origin");
    if (corsAllowed) res.setHeader("Access-Control-Allow-Origin", this.#anyOrigin ? "*" : origin!);
    if (method === "OPTIONS" && origin !== undefined && req.headers["access-control-request-method"] !== undefined) {
      if (crossOrigin && !corsAllowed) {
        return refuse(403, `Origin ${JSON.stringify(origin)} may not use this server from a web page; allow it with --cors (option corsOrigins)`);
      }
      res.setHeader("Access-Control-Allow-Methods", ALLOW_METHODS);
      res.setHeader("Access-Control-Allow-Headers", ALLOW_HEADERS);
      res.setHeader("Access-Control-Max-Age", "600");
      discardBody(req, res);
      sendBody(res, 204, "text/plain; charset=utf-8", "");
      return true;
    }

    // 3. Tokens.
    const need: Role = isRead(method) ? "read" : method === "POST" && /^\/api\/repos\/?$/.test(path) ? "admin" : "write";
    let role: Role | undefined;
    let authorized = false; // a token (bearer or ?admintoken=) vouched for this request
    if (this.isAdminToken(query.get("admintoken"))) {
      role = "admin";
      authorized = true;
    }
    const auth = req.headers.authorization;
    if (this.tokensOn && auth !== undefined && role === undefined) {
      const bearer = /^Bearer +([^\s]+) *$/i.exec(auth);
      if (!bearer) return this.#unauthorized(res, refuse, 'the Authorization header must be "Bearer <token>"');
      role = this.#tokens.roleOf(bearer[1]!);
      if (role === undefined) return this.#unauthorized(res, refuse, "the token sent is not one of this server's tokens");
      authorized = true;
    }

    if (crossOrigin && need !== "read" && !(authorized && roleAllows(role!, "write"))) {
      return refuse(
        403,
        `Cross-origin ${method} from ${JSON.stringify(origin)} refused: a page on another origin may change data only with a token of the write role`,
      );
    }
    if (!this.tokensOn) return false;
    const exempt = path === "/api/heartbeat" || !path.startsWith("/api/") || (need === "read" && this.#publicRead);
    if (role === undefined) {
      if (exempt) return false;
      return this.#unauthorized(res, refuse, `this server requires a token for ${method}: send "Authorization: Bearer <token>" with a token of the ${need} role`);
    }
    if (!roleAllows(role, need) && !exempt) {
      return refuse(403, `a token of the ${role} role does not allow ${method} here; it needs the ${need} role`);
    }
    return false;
  }

  #unauthorized(res: ServerResponse, refuse: (status: number, message: string) => true, message: string): true {
    res.setHeader("WWW-Authenticate", 'Bearer realm="local-dvid"');
    return refuse(401, message.charAt(0).toUpperCase() + message.slice(1));
  }
}
