// Serves the console page and neuroglancer's viewer from disk, next to DVID's API: `/` (the
// console), `/console/<file>` (its modules and stylesheet; `/console/neuroglancer-url.js` is
// volume-client/wire/neuroglancer-url.js, SHARED_CONSOLE_FILES), `/ng/` and `/ng/<file>` (the viewer;
// `/ng` redirects to `/ng/` because the viewer loads its workers by relative URL,
// neuroglancer-dvid.md "Auth, CORS, serving"). Anything else is left to the caller, so one
// node:http handler can be `serveConsole(req, res) || dvid(req, res)`.
import { createReadStream, statSync, type Stats } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, sep } from "node:path";
import { CONSOLE_DIR, NEUROGLANCER_DIR, SHARED_CONSOLE_FILES } from "./paths.js";

export interface ServeConsoleOptions {
  /** Folder of the console page (index.html, modules, stylesheet). Default CONSOLE_DIR. */
  readonly consoleDir?: string;
  /** Folder of neuroglancer's viewer (index.html and bundles). Default NEUROGLANCER_DIR. */
  readonly neuroglancerDir?: string;
}

/** Content types by extension. Console files of any other type are not served (its .d.ts, notes). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The console page may reach any DVID (`?server=`, `?nodes=`), so connect-src stays open; the
 * page itself runs only its own scripts and styles.
 */
const CONSOLE_CSP =
  "default-src 'self'; connect-src *; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const NG_MISSING =
  "neuroglancer's viewer files are not installed in console/vendor/neuroglancer: " +
  "run `node console/scripts/fetch-neuroglancer.mjs` (npm ci runs it).\n";

function sendText(res: ServerResponse, status: number, text: string, head: boolean): void {
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "X-Content-Type-Options": "nosniff",
  });
  res.end(head ? undefined : text);
}

function fileStats(path: string): Stats | undefined {
  try {
    const stats = statSync(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The file under `root` that the URL path `rest` (after the prefix, still percent-encoded) names,
 * or undefined when it names none safely: empty, "." or ".." segments, dot files, backslashes or
 * NUL anywhere (also percent-encoded), or a result outside `root`.
 */
function resolveUnder(root: string, rest: string): string | undefined | "bad-encoding" {
  const segments = rest.split("/");
  const decoded: string[] = [];
  for (const raw of segments) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return "bad-encoding";
    }
    if (seg === "" || seg.startsWith(".") || /[\\/\0]/.test(seg)) return undefined;
    decoded.push(seg);
  }
  const path = join(root, ...decoded);
  return path.startsWith(root.endsWith(sep) ? root : root + sep) ? path : undefined;
}

/**
 * Serves the console and neuroglancer's viewer: GET and HEAD of `/`, `/index.html`, `/console`,
 * `/console/...`, `/ng` (redirect to `/ng/`) and `/ng/...`. Returns true when it answered (also
 * with 404 for an unknown file under `/console/` or `/ng/`, 400 for a malformed path, 503 when
 * the viewer is not installed), false for every other request (other paths, other methods), which
 * the caller then serves (DVID's API).
 */
export function serveConsole(req: IncomingMessage, res: ServerResponse, options: ServeConsoleOptions = {}): boolean {
  const method = (req.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD") return false;
  const head = method === "HEAD";
  const raw = req.url ?? "/";
  const q = raw.search(/[?#]/);
  const path = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? "" : raw.slice(q).replace(/#.*$/, "");
  const consoleDir = options.consoleDir ?? CONSOLE_DIR;
  const ngDir = options.neuroglancerDir ?? NEUROGLANCER_DIR;

  let root: string;
  let rest: string;
  let isConsole: boolean;
  if (path === "/" || path === "/index.html" || path === "/console/") {
    [root, rest, isConsole] = [consoleDir, "index.html", true];
  } else if (path === "/console" || path === "/ng") {
    res.writeHead(301, { Location: `${path}/${query}`, "Content-Length": 0 });
    res.end();
    return true;
  } else if (path.startsWith("/console/")) {
    [root, rest, isConsole] = [consoleDir, path.slice("/console/".length), true];
  } else if (path === "/ng/") {
    [root, rest, isConsole] = [ngDir, "index.html", false];
  } else if (path.startsWith("/ng/")) {
    [root, rest, isConsole] = [ngDir, path.slice("/ng/".length), false];
  } else {
    return false;
  }

  if (!isConsole && !fileStats(join(ngDir, "index.html"))) {
    sendText(res, 503, NG_MISSING, head);
    return true;
  }
  const shared = isConsole && Object.hasOwn(SHARED_CONSOLE_FILES, rest) ? SHARED_CONSOLE_FILES[rest] : undefined;
  const file = shared ?? resolveUnder(root, rest);
  if (file === "bad-encoding") {
    sendText(res, 400, `malformed percent-encoding in path ${JSON.stringify(path)}\n`, head);
    return true;
  }
  const ext = file === undefined ? "" : extname(file).toLowerCase();
  const type = CONTENT_TYPES[ext] ?? (isConsole ? undefined : ext === "" ? "text/plain; charset=utf-8" : "application/octet-stream");
  const stats = file === undefined || type === undefined ? undefined : fileStats(file);
  if (file === undefined || type === undefined || stats === undefined) {
    sendText(res, 404, `${path} not found\n`, head);
    return true;
  }

  const etag = `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const headers: Record<string, string | number> = {
    "Content-Type": type,
    "X-Content-Type-Options": "nosniff",
    // Revalidate every time: the files change with the project, and a check costs one stat.
    "Cache-Control": "no-cache",
    ETag: etag,
  };
  if (isConsole && ext === ".html") headers["Content-Security-Policy"] = CONSOLE_CSP;
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  headers["Content-Length"] = stats.size;
  res.writeHead(200, headers);
  if (head) {
    res.end();
    return true;
  }
  const stream = createReadStream(file);
  stream.on("error", (err) => res.destroy(err));
  stream.pipe(res);
  return true;
}
