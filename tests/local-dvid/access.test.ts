// Access control of a node (local-dvid/http/access.ts): the Host check against DNS rebinding,
// CORS origins, cross-origin writes, and tokens with roles; real servers on port 0.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { parseNodeArgs, UsageError } from "../../local-dvid/cli.js";
import { tsxNodeArgs, CLI_PATH } from "../../local-dvid/cluster-tsx.js";
import { parseTokens } from "../../local-dvid/http/access-tokens.js";
import { startLocalDvid, type RunningLocalDvid, type StartOptions } from "../../local-dvid/server.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import { agent, request } from "./server-helpers.js";

const READ = "read-token-0123456789abcdef";
const WRITE = "write-token-0123456789abcdef";
const ADMIN = "admin-token-0123456789abcdef";
const TOKENS = [
  { role: "read" as const, token: READ },
  { role: "write" as const, token: WRITE },
  { role: "admin" as const, token: ADMIN },
];

const running: RunningLocalDvid[] = [];
async function node(options: Partial<StartOptions> = {}): Promise<RunningLocalDvid> {
  const n = await startLocalDvid({ store: new MemoryStore(), port: 0, ...options });
  running.push(n);
  return n;
}
afterAll(async () => {
  await Promise.all(running.map((n) => n.close()));
  agent.destroy();
});

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function repoCount(url: string, headers: Record<string, string> = {}): Promise<number> {
  const r = await request(`${url}/api/repos/info`, { headers });
  expect(r.status).toBe(200);
  return Object.keys(r.json()).length;
}

describe("the Host check (DNS rebinding)", () => {
  let n: RunningLocalDvid;
  beforeAll(async () => {
    n = await node();
  });

  it("answers requests whose Host is 127.0.0.1, localhost or [::1] with the node's port", async () => {
    for (const host of [`127.0.0.1:${n.port}`, `localhost:${n.port}`, `[::1]:${n.port}`, "localhost"]) {
      const r = await request(`${n.url}/api/server/info`, { headers: { host } });
      expect({ host, status: r.status }).toEqual({ host, status: 200 });
    }
  });

  it("refuses a request whose Host names another machine with 403 and a message naming that host", async () => {
    for (const method of ["GET", "POST"]) {
      const r = await request(`${n.url}/api/repos${method === "GET" ? "/info" : ""}`, { method, headers: { host: `rebound.attacker.example:${n.port}` }, body: method === "POST" ? {} : undefined });
      expect(r.status).toBe(403);
      expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(r.text).toContain(`Host "rebound.attacker.example:${n.port}" is not an address of this server`);
      expect(r.text).toContain("--allow-host");
    }
    expect(await repoCount(n.url)).toBe(0);
  });

  it("refuses a Host header that is not host[:port] with 400", async () => {
    const r = await request(`${n.url}/api/heartbeat`, { headers: { host: "a.example/evil" } });
    expect(r.status).toBe(400);
    expect(r.text).toContain('Host header "a.example/evil" is not a valid host[:port]');
  });

  it("answers the extra names of allowHosts, and any name with *", async () => {
    const named = await node({ allowHosts: ["dvid.example.org"] });
    expect((await request(`${named.url}/api/heartbeat`, { headers: { host: `DVID.example.org:${named.port}` } })).status).toBe(200);
    expect((await request(`${named.url}/api/heartbeat`, { headers: { host: "other.example.org" } })).status).toBe(403);
    const any = await node({ allowHosts: ["*"] });
    expect((await request(`${any.url}/api/heartbeat`, { headers: { host: "whatever.example" } })).status).toBe(200);
  });

  it("refuses allowHosts entries that carry a port or path, naming the entry", async () => {
    await expect(startLocalDvid({ store: new MemoryStore(), allowHosts: ["dvid.example.org:8000"] })).rejects.toThrow(
      'allowHosts[0] must be a host name or address without port or path (e.g. "dvid.example.org", "10.0.0.5", "[::1]") or "*"; got "dvid.example.org:8000"',
    );
  });
});

describe("CORS", () => {
  it("gives other origins no Access-Control-Allow-Origin by default, and same-origin requests work", async () => {
    const n = await node();
    const cross = await request(`${n.url}/api/repos/info`, { headers: { origin: "http://page.example" } });
    expect(cross.status).toBe(200);
    expect(cross.headers["access-control-allow-origin"]).toBeUndefined();
    const same = await request(`${n.url}/api/repos`, { method: "POST", body: {}, headers: { origin: n.url } });
    expect(same.status).toBe(200);
  });

  it("allows reads from the configured origins only, and from any with *", async () => {
    const n = await node({ corsOrigins: ["http://viewer.example:8080", "https://app.example"] });
    const allowed = await request(`${n.url}/api/repos/info`, { headers: { origin: "http://viewer.example:8080" } });
    expect(allowed.headers["access-control-allow-origin"]).toBe("http://viewer.example:8080");
    expect(allowed.headers.vary).toBe("Origin");
    const other = await request(`${n.url}/api/repos/info`, { headers: { origin: "http://viewer.example:9090" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const star = await node({ corsOrigins: ["*"] });
    expect((await request(`${star.url}/api/heartbeat`, { headers: { origin: "http://anything.example" } })).headers["access-control-allow-origin"]).toBe("*");
  });

  it("answers a preflight of an allowed origin with the methods and the Authorization header, and refuses others", async () => {
    const n = await node({ corsOrigins: ["http://app.example"] });
    const ok = await request(`${n.url}/api/repos`, {
      method: "OPTIONS",
      headers: { origin: "http://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers["access-control-allow-origin"]).toBe("http://app.example");
    expect(ok.headers["access-control-allow-methods"]).toContain("POST");
    expect(ok.headers["access-control-allow-headers"]).toContain("Authorization");
    const no = await request(`${n.url}/api/repos`, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
    expect(no.status).toBe(403);
    expect(no.headers["access-control-allow-origin"]).toBeUndefined();
    expect(no.text).toContain('Origin "http://evil.example" may not use this server from a web page');
  });

  it("refuses a simple cross-origin POST from any page, even an allowed origin, and changes nothing", async () => {
    const n = await node({ corsOrigins: ["http://app.example"] });
    for (const origin of ["http://evil.example", "http://app.example", "null"]) {
      const r = await request(`${n.url}/api/repos`, { method: "POST", body: "{}", headers: { origin, "content-type": "text/plain" } });
      expect(r.status).toBe(403);
      expect(r.text).toContain(`Cross-origin POST from ${JSON.stringify(origin)} refused`);
    }
    expect(await repoCount(n.url)).toBe(0);
  });

  it("refuses corsOrigins that are not origins, naming the entry", async () => {
    await expect(startLocalDvid({ store: new MemoryStore(), corsOrigins: ["localhost:8080"] })).rejects.toThrow(
      'corsOrigins[0] must be an origin http(s)://host[:port] without path (e.g. "http://localhost:8080") or "*"; got "localhost:8080"',
    );
    await expect(startLocalDvid({ store: new MemoryStore(), corsOrigins: ["http://a.example/path"] })).rejects.toThrow("corsOrigins[0] must be an origin");
  });
});

describe("tokens with roles", () => {
  let n: RunningLocalDvid;
  beforeAll(async () => {
    n = await node({ tokens: TOKENS, corsOrigins: ["http://app.example"] });
  });

  it("answers a request without a token, or with a wrong one, with 401 and never echoes the token", async () => {
    const none = await request(`${n.url}/api/repos/info`);
    expect(none.status).toBe(401);
    expect(none.headers["www-authenticate"]).toBe('Bearer realm="local-dvid"');
    expect(none.text).toBe('This server requires a token for GET: send "Authorization: Bearer <token>" with a token of the read role (/api/repos/info).\n');
    const wrong = "wrong-token-0123456789abcdef";
    const bad = await request(`${n.url}/api/repos/info`, { headers: bearer(wrong) });
    expect(bad.status).toBe(401);
    expect(bad.text).toBe("The token sent is not one of this server's tokens (/api/repos/info).\n");
    const basic = await request(`${n.url}/api/repos/info`, { headers: { authorization: `Basic ${READ}` } });
    expect(basic.status).toBe(401);
    expect(basic.text).not.toContain(READ);
  });

  it("lets each role do what it covers and answers 403 for more: read < write < admin (repo creation)", async () => {
    expect(await repoCount(n.url, bearer(READ))).toBe(0);
    const readPost = await request(`${n.url}/api/repos`, { method: "POST", body: {}, headers: bearer(READ) });
    expect(readPost.status).toBe(403);
    expect(readPost.text).toBe("a token of the read role does not allow POST here; it needs the admin role (/api/repos).\n");
    expect((await request(`${n.url}/api/repos`, { method: "POST", body: {}, headers: bearer(WRITE) })).status).toBe(403);
    const created = await request(`${n.url}/api/repos`, { method: "POST", body: {}, headers: bearer(ADMIN) });
    expect(created.status).toBe(200);
    const root = created.json<{ root: string }>().root;
    const instance = { typename: "keyvalue", dataname: "kv" };
    const readWrite = await request(`${n.url}/api/repo/${root}/instance`, { method: "POST", body: instance, headers: bearer(READ) });
    expect(readWrite.status).toBe(403);
    expect(readWrite.text).toContain("it needs the write role");
    expect((await request(`${n.url}/api/repo/${root}/instance`, { method: "POST", body: instance, headers: bearer(WRITE) })).status).toBe(200);
    expect((await request(`${n.url}/api/node/${root}/kv/key/a`, { method: "POST", body: "1", headers: bearer(ADMIN) })).status).toBe(200);
    expect((await request(`${n.url}/api/node/${root}/kv/key/a`, { headers: bearer(READ) })).text).toBe("1");
  });

  it("needs no token for the heartbeat (health checks) nor for paths outside /api", async () => {
    expect((await request(`${n.url}/api/heartbeat`)).status).toBe(200);
    expect((await request(`${n.url}/not-the-api`)).status).toBe(404);
  });

  it("lets a page of an allowed origin write with a token of the write role, but not with a read token", async () => {
    const origin = "http://app.example";
    const withWrite = await request(`${n.url}/api/repos`, { method: "POST", body: {}, headers: { origin, ...bearer(ADMIN) } });
    expect(withWrite.status).toBe(200);
    expect(withWrite.headers["access-control-allow-origin"]).toBe(origin);
    const withRead = await request(`${n.url}/api/repos`, { method: "POST", body: {}, headers: { origin, ...bearer(READ) } });
    expect(withRead.status).toBe(403);
    expect(withRead.text).toContain("Cross-origin POST");
  });

  it("with publicRead, reads need no token but writes still do", async () => {
    const open = await node({ tokens: TOKENS, publicRead: true });
    expect((await request(`${open.url}/api/repos/info`)).status).toBe(200);
    expect((await request(`${open.url}/api/repos`, { method: "POST", body: {} })).status).toBe(401);
    expect((await request(`${open.url}/api/repos`, { method: "POST", body: {}, headers: bearer(ADMIN) })).status).toBe(200);
  });

  it("counts DVID's ?admintoken= as the admin role, and keeps DVID's 400 when a server with an admin token gets none", async () => {
    const dvidAdmin = "dvid-admin-0123456789abcdef";
    const a = await node({ tokens: TOKENS, adminToken: dvidAdmin });
    expect((await request(`${a.url}/api/repos?admintoken=${dvidAdmin}`, { method: "POST", body: {} })).status).toBe(200);
    const noAdmin = await request(`${a.url}/api/repos`, { method: "POST", body: {}, headers: bearer(ADMIN) });
    expect(noAdmin.status).toBe(400);
    expect(noAdmin.text).toContain("Creating a repo requires admin privileges");
    expect((await request(`${a.url}/api/repos?admintoken=wrong`, { method: "POST", body: {} })).status).toBe(401);
  });

  it("refuses a token option too short or of an unknown role without showing the token", async () => {
    await expect(startLocalDvid({ store: new MemoryStore(), tokens: [{ role: "read", token: "short-secret" }] })).rejects.toThrow(
      "tokens[0]: a token must be at least 16 characters of letters, digits and -._~+/ (optionally ending in =); got one of 12 characters that is not",
    );
    await expect(startLocalDvid({ store: new MemoryStore(), tokens: [{ role: "root" as "read", token: READ }] })).rejects.toThrow(
      'tokens[0]: role must be one of read, write, admin; got "root"',
    );
  });
});

describe("token files and flags", () => {
  it("reads role:token lines with comments, comma lists, and JSON by role or as a list", () => {
    expect(parseTokens(`# team\nread:${READ}\n\nadmin: ${ADMIN}\n`, "f")).toEqual([
      { role: "read", token: READ },
      { role: "admin", token: ADMIN },
    ]);
    expect(parseTokens(`read:${READ},write:${WRITE}`, "env")).toEqual([
      { role: "read", token: READ },
      { role: "write", token: WRITE },
    ]);
    expect(parseTokens(JSON.stringify({ read: [READ], admin: ADMIN }), "f")).toEqual([
      { role: "read", token: READ },
      { role: "admin", token: ADMIN },
    ]);
    expect(parseTokens(JSON.stringify([{ role: "write", token: WRITE }]), "f")).toEqual([{ role: "write", token: WRITE }]);
    expect(() => parseTokens(READ, "token file t")).toThrow("token file t: entry 1 is not role:token (roles read, write, admin)");
    expect(() => parseTokens("", "token file t")).toThrow("token file t holds no token");
  });

  it("takes --cors and --allow-host repeated or as comma lists, tokens from --token-file or DVIDCLOUD_TOKENS, and refuses --token", () => {
    const dir = mkdtempSync(join(tmpdir(), "access-"));
    try {
      const file = join(dir, "tokens");
      writeFileSync(file, `write:${WRITE}\n`, { mode: 0o600 });
      const o = parseNodeArgs(["--store", dir, "--cors", "http://a.example,http://b.example:81", "--cors=*", "--allow-host", "dvid.lan", "--token-file", file, "--public-read"], {});
      expect(o.corsOrigins).toEqual(["http://a.example", "http://b.example:81", "*"]);
      expect(o.allowHosts).toEqual(["dvid.lan"]);
      expect(o.tokens).toEqual([{ role: "write", token: WRITE }]);
      expect(o.publicRead).toBe(true);
      expect(parseNodeArgs(["--store", dir], { DVIDCLOUD_TOKENS: `read:${READ}` }).tokens).toEqual([{ role: "read", token: READ }]);
      expect(parseNodeArgs(["--store", dir], {}).tokens).toBeUndefined();
      expect(() => parseNodeArgs(["--store", dir, "--token", READ], {})).toThrow(UsageError);
      expect(() => parseNodeArgs(["--store", dir, "--token", READ], {})).toThrow("tokens on the command line leak through ps; give them with --token-file FILE or the environment variable DVIDCLOUD_TOKENS");
      expect(() => parseNodeArgs(["--store", dir, "--cors", "a.example"], {})).toThrow('flag --cors[0] must be an origin http(s)://host[:port] without path (e.g. "http://localhost:8080") or "*"; got "a.example"');
      expect(() => parseNodeArgs(["--store", dir, "--public-read"], {})).toThrow("flag --public-read applies only with tokens");
      expect(() => parseNodeArgs(["--store", dir, "--token-file", join(dir, "missing")], {})).toThrow(`flag --token-file: cannot read ${join(dir, "missing")}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a node process started with --token-file asks for the tokens, does not print them, and warns of a file others can read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "access-cli-"));
    const file = join(dir, "tokens");
    writeFileSync(file, `read:${READ}\nadmin:${ADMIN}\n`);
    chmodSync(file, 0o640);
    const child = spawn(process.execPath, tsxNodeArgs(CLI_PATH, ["--store", join(dir, "store"), "--token-file", file]), {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, DVIDCLOUD_TOKENS: "" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", () => {
          const line = out.split("\n")[0];
          if (out.includes("\n")) resolve(JSON.parse(line!).url);
        });
        child.on("exit", (code) => reject(new Error(`the node exited (${code}): ${err}`)));
      });
      expect((await request(`${url}/api/repos/info`)).status).toBe(401);
      expect((await request(`${url}/api/repos/info`, { headers: bearer(READ) })).status).toBe(200);
      expect((await request(`${url}/api/repos`, { method: "POST", body: {}, headers: bearer(ADMIN) })).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(err).toContain(`local-dvid: warning: token file ${file} is readable by other users (mode 640); chmod 600 it`);
    expect(out + err).not.toContain(READ);
    expect(out + err).not.toContain(ADMIN);
  }, 60_000);
});
