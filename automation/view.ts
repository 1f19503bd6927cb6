// `dvidcloud view NAME [--version REF]`: the console and neuroglancer links of a cluster.
// - local: the writer serves both (local-dvid has the console at `/` and the viewer at `/ng/`).
// - gcp: DVID's own web client is not this console, so the command serves the console and the
//   viewer itself on 127.0.0.1:VIEW_PORT (console/serve-console.ts) until it is stopped; the pages
//   talk to the cluster's load balancer, whose DVID config allows that origin (`corsDomains`,
//   infra/plan/dvid-toml.ts VIEW_ORIGINS).
// The neuroglancer link shows the viewable instances of one version (uint8blk as image, label types
// as segmentation; pyramid levels `<name>_N` are found by the viewer itself), centred on the first
// volume's extents.
import { spawn } from "node:child_process";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { boxCentre, consoleUrl, layerTypeFor, neuroglancerUrl, serveConsole } from "../console/index.js";
import { DvidcloudError } from "./errors.js";
import { status } from "./lifecycle.js";
import type { TargetOptions } from "./options.js";

/** Where `dvidcloud view` serves the console for a gcp cluster (the origin its DVIDs allow). */
export const VIEW_PORT = 8500;

export interface ViewOptions extends TargetOptions {
  /** A version: UUID, unique prefix or `prefix:branch`. Default: the master leaf of the most recently updated repo. */
  readonly version?: string;
  /** gcp: the port to serve the console on (default VIEW_PORT; the cluster allows only its configured origins). */
  readonly port?: number;
}

export interface ViewLinks {
  readonly name: string;
  /** The DVID the pages talk to: the local writer, or the gcp load balancer. */
  readonly server: string;
  readonly consoleUrl: string;
  /** Undefined when the server holds no repo or the version has no viewable instance. */
  readonly neuroglancerUrl: string | undefined;
  /** The version the neuroglancer link shows. */
  readonly version: string | undefined;
  /** Why there is no neuroglancer link. */
  readonly note?: string;
  /** gcp: the local server of the console and viewer; close() stops it. */
  readonly local?: { readonly url: string; close(): Promise<void> };
}

interface RepoJson {
  Root: string;
  Updated?: string;
  DataInstances?: Record<string, { Base?: { TypeName?: string }; Extended?: { MinPoint?: number[] | null; MaxPoint?: number[] | null; VoxelSize?: number[] } }>;
  DAG?: { Nodes?: Record<string, { UUID: string; Branch?: string; VersionID: number; Children?: number[] }> };
}

async function getJson<T>(url: string, signal: AbortSignal | undefined): Promise<T> {
  const res = await fetch(url, { signal });
  const text = await res.text();
  if (!res.ok) throw new DvidcloudError("VIEW_FAILED", `GET ${url} answered ${res.status}: ${text.trim()}`);
  return JSON.parse(text) as T;
}

/** The master leaf of a repo: the master-branch node without a master-branch child. */
function masterLeaf(repo: RepoJson): string {
  const nodes = Object.values(repo.DAG?.Nodes ?? {});
  const byId = new Map(nodes.map((n) => [n.VersionID, n]));
  const master = nodes.filter((n) => (n.Branch ?? "") === "");
  const leaf = master.find((n) => !(n.Children ?? []).some((c) => (byId.get(c)?.Branch ?? "") === ""));
  return leaf?.UUID ?? repo.Root;
}

/** The repo and UUID `ref` names (DVID resolves prefixes and branches: `/api/node/{ref}/commit` answers only if it does). */
async function resolveVersion(server: string, repos: Record<string, RepoJson>, ref: string | undefined, signal: AbortSignal | undefined): Promise<{ repo: RepoJson; uuid: string } | undefined> {
  const list = Object.values(repos);
  if (ref === undefined) {
    if (list.length === 0) return undefined;
    const repo = list.sort((a, b) => String(b.Updated ?? "").localeCompare(String(a.Updated ?? "")))[0];
    return { repo, uuid: masterLeaf(repo) };
  }
  const prefix = ref.split(":")[0];
  const matches = list.filter((r) => Object.keys(r.DAG?.Nodes ?? {}).some((u) => u.startsWith(prefix)));
  if (matches.length !== 1) {
    throw new DvidcloudError(
      "VIEW_FAILED",
      `--version ${ref}: ${matches.length === 0 ? "no version of any repo starts with" : "several repos have versions starting with"} "${prefix}" on ${server}; give a longer UUID prefix`,
    );
  }
  const res = await fetch(`${server}/api/node/${encodeURIComponent(ref)}/commit`, { signal });
  if (!res.ok) throw new DvidcloudError("VIEW_FAILED", `--version ${ref}: ${server} answered ${res.status}: ${(await res.text()).trim()}`);
  // A branch reference is kept as given: neuroglancer looks up the part before ":" and sends the whole string.
  return { repo: matches[0], uuid: ref };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new DvidcloudError(
          "VIEW_FAILED",
          err.code === "EADDRINUSE" ? `port ${port} on 127.0.0.1 is taken: stop what uses it or pass --port (the cluster's DVIDs must allow that origin)` : err.message,
        ),
      ),
    );
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

/** The console and neuroglancer links of cluster `name`; for gcp, also serves them locally. */
export async function view(name: string, options: ViewOptions = {}): Promise<ViewLinks> {
  const { version, port = VIEW_PORT, ...targetOptions } = options;
  if (version !== undefined && (typeof version !== "string" || !/^[^/?#%\s]+$/.test(version))) {
    throw new DvidcloudError("INVALID_OPTION", `view(): version must be a UUID, prefix or prefix:branch without "/", "?", "#", "%" or spaces; got ${JSON.stringify(version)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DvidcloudError("INVALID_OPTION", `view(): port must be an integer from 0 to 65535; got ${JSON.stringify(port)}`);
  const cluster = await status(name, targetOptions);
  const gcp = cluster.target === "gcp";
  const server = gcp ? cluster.endpoints.loadBalancer : cluster.endpoints.writer;
  if (server === undefined) throw new DvidcloudError("VIEW_FAILED", `cluster "${name}" reports no load balancer address`);
  const origin = new URL(server).origin;

  let local: ViewLinks["local"];
  let base = `${origin}/`;
  if (gcp) {
    const httpServer = http.createServer((req, res) => {
      if (!serveConsole(req, res)) {
        res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
        res.end(`dvidcloud view serves only the console (/) and neuroglancer (/ng/); DVID's API is at ${origin}\n`);
      }
    });
    const bound = await listen(httpServer, port);
    base = `http://127.0.0.1:${bound}/`;
    local = {
      url: base,
      close: () =>
        new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        }),
    };
  }
  try {
    const repos = await getJson<Record<string, RepoJson>>(`${origin}/api/repos/info`, targetOptions.signal);
    const chosen = await resolveVersion(origin, repos, version, targetOptions.signal);
    const nodes = gcp ? undefined : cluster.endpoints.readers.map((r) => new URL(r).origin);
    const console_ = consoleUrl({
      base,
      ...(gcp ? { server: origin } : {}),
      ...(nodes && nodes.length > 0 ? { nodes } : {}),
      ...(chosen ? { repo: chosen.repo.Root, version: chosen.uuid.split(":")[0] } : {}),
    });
    if (!chosen) return { name, server: origin, consoleUrl: console_, neuroglancerUrl: undefined, version: undefined, note: "the cluster holds no repo yet", local };
    const instances = Object.entries(chosen.repo.DataInstances ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
    const names = new Set(instances.map(([n]) => n));
    const layers = instances
      .filter(([n, inst]) => layerTypeFor(inst.Base?.TypeName ?? "") !== undefined && !(/_\d+$/.test(n) && names.has(n.replace(/_\d+$/, ""))))
      .map(([n, inst]) => ({ name: n, type: layerTypeFor(inst.Base?.TypeName ?? "") as "image" | "segmentation", inst }));
    // Images first, so the segmentation is drawn over them.
    layers.sort((a, b) => (a.type === b.type ? 0 : a.type === "image" ? -1 : 1));
    if (layers.length === 0) return { name, server: origin, consoleUrl: console_, neuroglancerUrl: undefined, version: chosen.uuid, note: "the version has no uint8blk or label volume", local };
    const first = layers.find((l) => l.inst.Extended?.MinPoint && l.inst.Extended?.MaxPoint)?.inst.Extended;
    const ng = neuroglancerUrl({
      serverUrl: origin,
      uuid: chosen.uuid,
      layers: layers.map(({ name: n, type }) => ({ name: n, type })),
      ...(first?.MinPoint && first.MaxPoint ? { position: boxCentre(first.MinPoint as [number, number, number], first.MaxPoint as [number, number, number]) } : {}),
      ...(first?.VoxelSize ? { voxelSize: first.VoxelSize as [number, number, number] } : {}),
      ...(gcp ? { viewerBase: `${base}ng/` } : {}),
    });
    return { name, server: origin, consoleUrl: console_, neuroglancerUrl: ng, version: chosen.uuid, local };
  } catch (err) {
    await local?.close();
    throw err;
  }
}

/** Opens `url` in the desktop's browser (xdg-open) when there is a desktop (DISPLAY or WAYLAND_DISPLAY set); false otherwise. */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return false;
  try {
    const child = spawn("xdg-open", [url], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
