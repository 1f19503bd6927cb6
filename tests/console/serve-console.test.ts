// serveConsole: the console at `/` and `/console/…`, neuroglancer at `/ng/…`, with the right
// content types; no path leaves its folder; everything else is left to the caller (DVID's API).
// Over real HTTP on port 0, with raw request paths (node:http sends them as written, so `..` and
// percent-encoded tricks reach the server un-normalised).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONSOLE_DIR, NEUROGLANCER_DIR, serveConsole, type ServeConsoleOptions } from "../../console/index.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const FALLTHROUGH = "handled by the caller";

function start(options?: ServeConsoleOptions): Promise<{ server: Server; port: number }> {
  const server = http.createServer((req, res) => {
    if (!serveConsole(req, res, options)) {
      res.writeHead(299, { "Content-Type": "text/plain" });
      res.end(FALLTHROUGH);
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

function ask(port: number, path: string, method = "GET", headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

let root: string;
let consoleDir: string;
let ngDir: string;
let port: number;
let server: Server;
const SECRET = "top secret, outside both folders";

beforeAll(async () => {
  root = await createTempDir("serve-console");
  consoleDir = join(root, "web");
  ngDir = join(root, "ng");
  mkdirSync(join(consoleDir, "sub"), { recursive: true });
  mkdirSync(ngDir);
  writeFileSync(join(root, "secret.txt"), SECRET);
  writeFileSync(join(consoleDir, "index.html"), "<!doctype html><title>console</title>");
  writeFileSync(join(consoleDir, "app.js"), "export const x = 1;");
  writeFileSync(join(consoleDir, "style.css"), "body{}");
  writeFileSync(join(consoleDir, "icon.svg"), "<svg/>");
  writeFileSync(join(consoleDir, "sub", "deep.js"), "export {};");
  writeFileSync(join(consoleDir, "types.d.ts"), "export {};");
  writeFileSync(join(consoleDir, ".hidden.js"), "hidden");
  writeFileSync(join(ngDir, "index.html"), "<html>ng</html>");
  writeFileSync(join(ngDir, "main.bundle.js"), "var ng;");
  writeFileSync(join(ngDir, "main.bundle.css"), ".ng{}");
  writeFileSync(join(ngDir, "main.bundle.js.map"), "{}");
  writeFileSync(join(ngDir, "LICENSE"), "Apache License");
  writeFileSync(join(ngDir, ".fetched.json"), "{}");
  ({ server, port } = await start({ consoleDir, neuroglancerDir: ngDir }));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await removeTempDir(root);
});

describe("serveConsole", () => {
  it.each([
    ["/", "text/html; charset=utf-8", "<!doctype html><title>console</title>"],
    ["/index.html", "text/html; charset=utf-8", "<!doctype html><title>console</title>"],
    ["/console/", "text/html; charset=utf-8", "<!doctype html><title>console</title>"],
    ["/console/app.js", "text/javascript; charset=utf-8", "export const x = 1;"],
    ["/console/app.js?v=2", "text/javascript; charset=utf-8", "export const x = 1;"],
    ["/console/style.css", "text/css; charset=utf-8", "body{}"],
    ["/console/icon.svg", "image/svg+xml", "<svg/>"],
    ["/console/sub/deep.js", "text/javascript; charset=utf-8", "export {};"],
    ["/ng/", "text/html; charset=utf-8", "<html>ng</html>"],
    ["/ng/?x=1", "text/html; charset=utf-8", "<html>ng</html>"],
    ["/ng/main.bundle.js", "text/javascript; charset=utf-8", "var ng;"],
    ["/ng/main.bundle.css", "text/css; charset=utf-8", ".ng{}"],
    ["/ng/main.bundle.js.map", "application/json; charset=utf-8", "{}"],
    ["/ng/LICENSE", "text/plain; charset=utf-8", "Apache License"],
  ])("serves %s as %s", async (path, type, body) => {
    const a = await ask(port, path);
    expect([a.status, a.headers["content-type"], a.body]).toEqual([200, type, body]);
    expect(a.headers["x-content-type-options"]).toBe("nosniff");
    expect(a.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
  });

  it("gives the console page a content security policy that runs only its own scripts", async () => {
    const csp = (await ask(port, "/")).headers["content-security-policy"];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src *");
    expect((await ask(port, "/console/app.js")).headers["content-security-policy"]).toBeUndefined();
  });

  it.each([
    ["/ng", "/ng/"],
    ["/ng?a=1&b=2", "/ng/?a=1&b=2"],
    ["/console", "/console/"],
  ])("redirects %s to %s, where the viewer's relative URLs work", async (path, location) => {
    const a = await ask(port, path);
    expect([a.status, a.headers.location]).toEqual([301, location]);
  });

  it("answers HEAD with the headers and no body", async () => {
    const a = await ask(port, "/console/app.js", "HEAD");
    expect([a.status, a.headers["content-type"], a.headers["content-length"], a.body]).toEqual([
      200,
      "text/javascript; charset=utf-8",
      "19",
      "",
    ]);
  });

  it("answers 304 when the client's copy is current", async () => {
    const first = await ask(port, "/console/app.js");
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    const again = await ask(port, "/console/app.js", "GET", { "If-None-Match": etag });
    expect([again.status, again.body]).toEqual([304, ""]);
  });

  it.each([
    "/console/../secret.txt",
    "/console/../../secret.txt",
    "/console/%2e%2e/secret.txt",
    "/console/%2E%2E/secret.txt",
    "/console/..%2fsecret.txt",
    "/console/..%2Fsecret.txt",
    "/console/sub/../../secret.txt",
    "/console/..%5csecret.txt",
    "/console/%2e%2e%5csecret.txt",
    "/ng/../secret.txt",
    "/ng/%2e%2e/secret.txt",
    "/ng/..%2f..%2fsecret.txt",
    "/ng/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/console/%00app.js",
    "/console/app.js%00.css",
    "/console//etc/passwd",
    "/console/%2fetc%2fpasswd",
  ])("refuses the traversal %s with 404 and never serves a file outside its folder", async (path) => {
    const a = await ask(port, path);
    expect(a.status).toBe(404);
    expect(a.body).not.toContain(SECRET);
    expect(a.body).not.toContain("root:");
  });

  it("refuses malformed percent-encoding with 400", async () => {
    const a = await ask(port, "/console/%zz.js");
    expect([a.status, a.body]).toEqual([400, 'malformed percent-encoding in path "/console/%zz.js"\n']);
  });

  it.each([
    ["a missing console file", "/console/nope.js"],
    ["a directory", "/console/sub"],
    ["a directory with a slash", "/console/sub/"],
    ["a dot file of the console", "/console/.hidden.js"],
    ["a dot file of the viewer (its stamp)", "/ng/.fetched.json"],
    ["a console file of a type it does not serve (.d.ts)", "/console/types.d.ts"],
    ["a missing viewer file", "/ng/nope.js"],
  ])("answers 404 for %s", async (_what, path) => {
    const a = await ask(port, path);
    expect([a.status, a.body]).toEqual([404, `${path.split("?")[0]} not found\n`]);
  });

  it.each([
    ["GET", "/api/heartbeat"],
    ["GET", "/api/repos/info"],
    ["GET", "/favicon.ico"],
    ["GET", "/consoleX/app.js"],
    ["GET", "/ngx"],
    ["POST", "/"],
    ["POST", "/console/app.js"],
    ["DELETE", "/ng/"],
    ["OPTIONS", "/"],
  ])("leaves %s %s to the caller (returns false)", async (method, path) => {
    const a = await ask(port, path, method);
    expect([a.status, a.body]).toEqual([299, FALLTHROUGH]);
  });

  it("says how to install the viewer when its files are missing", async () => {
    const other = await start({ consoleDir, neuroglancerDir: join(root, "no-such-dir") });
    try {
      const a = await ask(other.port, "/ng/");
      expect(a.status).toBe(503);
      expect(a.body).toContain("node console/scripts/fetch-neuroglancer.mjs");
      expect((await ask(other.port, "/")).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => other.server.close(() => resolve()));
    }
  });

  it("serves the real console page and its modules from CONSOLE_DIR by default", async () => {
    const real = await start();
    try {
      const page = await ask(real.port, "/");
      expect(page.status).toBe(200);
      expect(page.body).toBe(readFileSync(join(CONSOLE_DIR, "index.html"), "utf8"));
      for (const src of page.body.matchAll(/(?:src|href)="(\/console\/[^"]+)"/g)) {
        const asset = await ask(real.port, src[1], "HEAD");
        expect([src[1], asset.status]).toEqual([src[1], 200]);
      }
      const main = await ask(real.port, "/console/main.js");
      expect(main.headers["content-type"]).toBe("text/javascript; charset=utf-8");
      for (const imp of main.body.matchAll(/from "\.\/([^"]+)"/g)) {
        expect([imp[1], (await ask(real.port, `/console/${imp[1]}`, "HEAD")).status]).toEqual([imp[1], 200]);
      }
      const ng = await ask(real.port, "/ng/", "HEAD");
      expect(ng.status).toBe(readFileSafe(join(NEUROGLANCER_DIR, "index.html")) ? 200 : 503);
    } finally {
      await new Promise<void>((resolve) => real.server.close(() => resolve()));
    }
  });
});

describe("the link builder the page shares with the volume-client", () => {
  const builder = fileURLToPath(new URL("../../volume-client/wire/neuroglancer-url.js", import.meta.url));

  it("serves /console/neuroglancer-url.js from volume-client/wire, also beside another console folder", async () => {
    const real = await start();
    try {
      for (const p of [real.port, port]) {
        const a = await ask(p, "/console/neuroglancer-url.js");
        expect([a.status, a.headers["content-type"], a.body]).toEqual([200, "text/javascript; charset=utf-8", readFileSync(builder, "utf8")]);
      }
    } finally {
      await new Promise<void>((resolve) => real.server.close(() => resolve()));
    }
  });

  it("answers every relative import of every console module, following them from main.js", async () => {
    const real = await start();
    try {
      const seen = new Set<string>();
      const queue = ["main.js"];
      while (queue.length > 0) {
        const name = queue.shift()!;
        if (seen.has(name)) continue;
        seen.add(name);
        const a = await ask(real.port, `/console/${name}`);
        expect([name, a.status]).toEqual([name, 200]);
        for (const m of a.body.matchAll(/(?:from|import)\s*\(?\s*"\.\/([^"]+)"/g)) queue.push(m[1]!);
      }
      expect(seen).toContain("neuroglancer-url.js");
    } finally {
      await new Promise<void>((resolve) => real.server.close(() => resolve()));
    }
  });
});

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
