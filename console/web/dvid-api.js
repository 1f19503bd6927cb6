// The only way the console reaches a server: DVID's HTTP API (dvid-api.md), so the page works
// against local-dvid and against a real DVID whose `corsDomains` allows the page's origin.
//
// Every POST body is a JSON string sent without a Content-Type header: the browser then sends
// `text/plain`, which keeps cross-origin requests "simple" (no CORS preflight that a DVID might
// not answer); DVID parses the body as JSON whatever its type.
//
// Changes (commit, new version, branch, merge) exist only in an admin console (`?admin=1`): a
// read-only console refuses them here, before any request is made.

/** A request that failed: `status` is 0 when the server could not be reached. */
export class DvidError extends Error {
  constructor(message, { method, url, status, text }) {
    super(message);
    this.name = "DvidError";
    this.method = method;
    this.url = url;
    this.status = status;
    this.text = text;
  }
}

const READ_ONLY =
  "this console is read-only: open it with ?admin=1 to commit, create versions, branch or merge";

function pathOf(url) {
  try {
    const u = new URL(url);
    return u.pathname;
  } catch {
    return url;
  }
}

/**
 * A client of the DVID at `serverUrl` (an origin, e.g. "http://127.0.0.1:8000"). `admin` enables
 * the methods that change versions; it cannot be turned on later.
 */
export function createDvidApi(serverUrl, { admin = false, fetchImpl = (...args) => globalThis.fetch(...args) } = {}) {
  const isAdmin = admin === true;

  async function request(method, url, body) {
    let res;
    try {
      res = await fetchImpl(url, { method, body, cache: "no-store", credentials: "omit" });
    } catch (err) {
      throw new DvidError(`could not reach ${new URL(url).origin} (${method} ${pathOf(url)}): ${err?.message ?? err}`, {
        method,
        url,
        status: 0,
        text: "",
      });
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) {
      const said = text.trim() || res.statusText || "(no message)";
      throw new DvidError(`DVID answered ${res.status} to ${method} ${pathOf(url)}: ${said}`, { method, url, status: res.status, text });
    }
    return text;
  }

  async function getJson(url) {
    const text = await request("GET", url);
    try {
      return JSON.parse(text);
    } catch {
      throw new DvidError(`GET ${pathOf(url)} did not return JSON: ${text.slice(0, 200)}`, { method: "GET", url, status: 200, text });
    }
  }

  async function postJson(path, body) {
    if (!isAdmin) throw new DvidError(READ_ONLY, { method: "POST", url: serverUrl + path, status: 0, text: "" });
    const text = await request("POST", serverUrl + path, JSON.stringify(body));
    try {
      return text.trim() === "" ? {} : JSON.parse(text);
    } catch {
      return {};
    }
  }

  const seg = (s) => encodeURIComponent(s);

  function childOf(answer, what) {
    if (typeof answer?.child !== "string" || answer.child === "") {
      throw new DvidError(`DVID's answer to ${what} named no new version`, { method: "POST", url: serverUrl, status: 200, text: JSON.stringify(answer) });
    }
    return answer.child;
  }

  return Object.freeze({
    serverUrl,
    admin: isAdmin,

    /** Heartbeat of a node (any origin): `{ ok: true, ms }` or `{ ok: false, ms, error }`. */
    async heartbeat(nodeUrl = serverUrl) {
      const t0 = performance.now();
      try {
        await request("GET", `${nodeUrl}/api/heartbeat`);
        return { ok: true, ms: performance.now() - t0 };
      } catch (err) {
        return { ok: false, ms: performance.now() - t0, error: err.message };
      }
    },
    /** `/api/server/info` of a node. */
    serverInfo: (nodeUrl = serverUrl) => getJson(`${nodeUrl}/api/server/info`),
    /** Every repo: `{ <root uuid>: repo }` (dvid-api.md §3.2). */
    reposInfo: () => getJson(`${serverUrl}/api/repos/info`),
    /** One instance's info at one version (per-version extents for imageblk types). */
    instanceInfo: (uuid, name) => getJson(`${serverUrl}/api/node/${seg(uuid)}/${seg(name)}/info`),
    /** Keys of a keyvalue instance at one version. */
    keys: (uuid, name) => getJson(`${serverUrl}/api/node/${seg(uuid)}/${seg(name)}/keys`),

    /** Locks a version; DVID wants a JSON body, never an empty one (§3.6). */
    async commit(uuid, note) {
      await postJson(`/api/node/${seg(uuid)}/commit`, note ? { note } : {});
    },
    /** A child on the same branch; returns its UUID. */
    async newVersion(uuid, note) {
      return childOf(await postJson(`/api/node/${seg(uuid)}/newversion`, note ? { note } : {}), "newversion");
    },
    /** A child on a new branch; returns its UUID. */
    async branch(uuid, name, note) {
      return childOf(await postJson(`/api/node/${seg(uuid)}/branch`, note ? { branch: name, note } : { branch: name }), "branch");
    },
    /** A conflict-free merge of `parents` (UUIDs, the first the default ancestor path); returns its UUID. */
    async merge(parents, note) {
      const body = { mergeType: "conflict-free", parents: [...parents] };
      if (note) body.note = note;
      return childOf(await postJson(`/api/repo/${seg(parents[0] ?? "")}/merge`, body), "merge");
    },
  });
}
