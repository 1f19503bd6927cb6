import { describe, expect, it } from "@jest/globals";
import http from "node:http";
import { createApp, startLocalDvid } from "../../local-dvid/server.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import { isLocalDvidError } from "../../local-dvid/errors.js";
import { expectDvidError, newInstance, newRepo, request, startCluster, useCluster } from "./server-helpers.js";

const c = useCluster(1, { note: "test server note" });

describe("server-level endpoints", () => {
  it("answers GET /api/heartbeat with 200 OK", async () => {
    const r = await request(`${c.url}/api/heartbeat`);
    expect(r.status).toBe(200);
    expect(r.text).toBe("OK");
  });

  it("reports /api/server/info as a flat object of strings with the required keys and the extension", async () => {
    const r = await request(`${c.url}/api/server/info`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    const info = r.json<Record<string, unknown>>();
    for (const v of Object.values(info)) expect(typeof v).toBe("string");
    for (const k of ["DVID Version", "Datastore Version", "Storage backend", "Server uptime", "Cores"]) {
      expect(info).toHaveProperty([k]);
    }
    expect(info["DVID Version"]).toMatch(/^local-dvid \d+\.\d+\.\d+/);
    expect(info["Storage backend"]).toBe("MemoryStore");
    expect(info.Extensions).toBe("nonaligned-raw-post");
    expect(info.Note).toBe("test server note");
    expect(info).not.toHaveProperty(["Mode"]);
  });

  it("serves /api/server/info/ with a trailing slash too", async () => {
    const r = await request(`${c.url}/api/server/info/`);
    expect(r.status).toBe(200);
    expect(r.json()).toHaveProperty(["DVID Version"]);
  });

  it("returns the configured note from /api/server/note", async () => {
    const r = await request(`${c.url}/api/server/note`);
    expect(r.status).toBe(200);
    expect(r.text).toBe("test server note");
  });

  it("lists every compiled type with DVID's type URLs", async () => {
    const r = await request(`${c.url}/api/server/compiled-types`);
    expect(r.json()).toEqual({
      uint8blk: "github.com/janelia-flyem/dvid/datatype/imageblk/uint8.go",
      uint16blk: "github.com/janelia-flyem/dvid/datatype/imageblk/uint16.go",
      uint32blk: "github.com/janelia-flyem/dvid/datatype/imageblk/uint32.go",
      uint64blk: "github.com/janelia-flyem/dvid/datatype/imageblk/uint64.go",
      float32blk: "github.com/janelia-flyem/dvid/datatype/imageblk/float32.go",
      labelblk: "github.com/janelia-flyem/dvid/datatype/labelblk",
      keyvalue: "github.com/janelia-flyem/dvid/datatype/keyvalue",
    });
  });

  it("lists in /api/server/types only the types of instances that exist", async () => {
    const fresh = await startCluster(1);
    try {
      expect((await request(`${fresh.url}/api/server/types`)).json()).toEqual({});
      const uuid = await newRepo(fresh.url);
      await newInstance(fresh.url, uuid, "labelblk", "seg");
      expect((await request(`${fresh.url}/api/server/types`)).json()).toEqual({
        labelblk: "github.com/janelia-flyem/dvid/datatype/labelblk",
      });
    } finally {
      await fresh.close();
    }
  });

  it("serves an HTML help page linking every type, and text help per type", async () => {
    const page = await request(`${c.url}/api/help`);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html");
    expect(page.text).toContain("<a href='/api/help/uint8blk'>uint8blk</a>");
    const slash = await request(`${c.url}/api/help/`);
    expect(slash.status).toBe(200);
    const typeHelp = await request(`${c.url}/api/help/labelblk`);
    expect(typeHelp.status).toBe(200);
    expect(typeHelp.headers["content-type"]).toBe("text/plain");
    expect(typeHelp.text).toContain("compression=lz4");
  });

  it("rejects help for an unknown type with DVID's 400", async () => {
    const r = await request(`${c.url}/api/help/labelmap`);
    expectDvidError(r, 400, 'Data type "labelmap" is not supported by current DVID server', "/api/help/labelmap");
  });

  it("reports request rates as JSON numbers from /api/load", async () => {
    const r = await request(`${c.url}/api/load`);
    expect(r.status).toBe(200);
    const load = r.json<Record<string, unknown>>();
    expect(typeof load["GET requests"]).toBe("number");
    expect(typeof load["PUT requests"]).toBe("number");
  });

  it("answers unrouted paths and known paths with the wrong method with Go's 404 page", async () => {
    // (GET / is the console: tests/local-dvid/viewer-routes.test.ts.)
    for (const [method, path] of [
      ["POST", "/"],
      ["GET", "/nothing"],
      ["GET", "/api"],
      ["GET", "/api/nothing"],
      ["DELETE", "/api/server/info"],
      ["GET", "/api/repos"],
      ["POST", "/api/heartbeat"],
    ]) {
      const r = await request(`${c.url}${path}`, { method });
      expect({ path, status: r.status, text: r.text }).toEqual({ path, status: 404, text: "404 page not found\n" });
    }
  });

  it("answers OPTIONS with an Allow header and, by default, lets no other origin read (tests/local-dvid/access.test.ts has the rest)", async () => {
    const r = await request(`${c.url}/api/server/info`, { method: "OPTIONS" });
    expect(r.status).toBe(200);
    expect(r.headers.allow).toContain("GET");
    const cross = await request(`${c.url}/api/heartbeat`, { headers: { origin: "http://elsewhere.example" } });
    expect(cross.status).toBe(200);
    expect(cross.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("the app factory and listener", () => {
  it("serves the same API when the app's handler is mounted on a caller's own server", async () => {
    const app = createApp({ store: new MemoryStore() });
    const server = http.createServer(app.handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      expect((await request(`http://127.0.0.1:${port}/api/heartbeat`)).text).toBe("OK");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    }
  });

  it("reports url, port and host and closes keep-alive connections on close()", async () => {
    const s = await startLocalDvid({ store: new MemoryStore(), port: 0 });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    expect(s.host).toBe("127.0.0.1");
    const keepAlive = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get(`${s.url}/api/heartbeat`, { agent: keepAlive }, (res) => {
        res.resume();
        res.on("end", resolve);
      }).on("error", reject);
    });
    const started = Date.now();
    await s.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(request(`${s.url}/api/heartbeat`)).rejects.toThrow();
    keepAlive.destroy();
  });

  it("rejects unknown option keys and bad values with INVALID_OPTION naming the option and what it got", async () => {
    const store = new MemoryStore();
    const bad: [unknown, RegExp][] = [
      [{ store, bogus: 1 }, /unknown option "bogus"; expected one of store, readonly, adminToken, note, (\w+, )*host, port/],
      [{ store, port: 70000 }, /port must be an integer from 0 to 65535; got 70000/],
      [{ store, readonly: "yes" }, /readonly must be a boolean; got "yes"/],
      [{ store: {} }, /store must be an ObjectStore \(get, readInto, readSlice, put, delete, list, hasPrefix, close\); got an object/],
      [{ store, adminToken: "" }, /adminToken must be a non-empty string; got ""/],
      [null, /options must be an object; got null/],
    ];
    for (const [options, message] of bad) {
      const err = await startLocalDvid(options as never).then(
        (s) => s.close().then(() => undefined),
        (e: unknown) => e,
      );
      expect(isLocalDvidError(err, "INVALID_OPTION")).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
    expect(() => createApp({ store, port: 1 } as never)).toThrow(/unknown option "port"/);
  });
});
