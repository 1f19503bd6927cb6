// The nodes of a DVID cluster as the client addresses them (ARCHITECTURE.md "One topology for
// both"): one writer, which takes every metadata change and every write, and read-only readers.
// One word, one meaning: `readers` never holds the writer; `nodes` is all of them.
import { invalidArgument } from "./errors.js";
import { describe } from "./checks.js";

/** What `connect()` takes: the writer and any number of read-only readers. */
export interface Endpoints {
  /** Base URL of the node that takes every metadata change and every write. */
  readonly writer: string;
  /** Base URLs of further nodes that serve reads; the writer's own URL, if listed, is dropped. Default none. */
  readonly readers?: readonly string[];
}

/** Endpoints checked and normalized, with `nodes` added. */
export interface ClusterNodes {
  readonly writer: string;
  /** Each reader once, never the writer. */
  readonly readers: readonly string[];
  /** Every node, writer first: what reads rotate over. */
  readonly nodes: readonly string[];
}

/** Checks `connect()`'s target (a URL, or `{ writer, readers }`) and normalizes its URLs. */
export function resolveEndpoints(target: unknown, where: string): ClusterNodes {
  let writerUrl: unknown;
  let readerUrls: readonly unknown[] = [];
  if (typeof target === "string") writerUrl = target;
  else if (target !== null && typeof target === "object" && "writer" in target) {
    for (const k of Object.keys(target)) {
      if (k !== "writer" && k !== "readers") throw invalidArgument(`${where}: unknown endpoint key "${k}"; known keys are writer, readers`);
    }
    const { writer, readers } = target as Record<string, unknown>;
    if (readers !== undefined && !Array.isArray(readers)) {
      throw invalidArgument(`${where}: readers must be an array of URLs; got ${describe(readers)}`);
    }
    writerUrl = writer;
    readerUrls = readers ?? [];
  } else {
    throw invalidArgument(`${where}: target must be a URL or { writer, readers }; got ${describe(target)}`);
  }
  const writer = normalizeBaseUrl(writerUrl, "writer");
  const readers = [...new Set(readerUrls.map((r, i) => normalizeBaseUrl(r, `readers[${i}]`)))].filter((r) => r !== writer);
  return { writer, readers, nodes: [writer, ...readers] };
}

function normalizeBaseUrl(url: unknown, what: string): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === "string" ? new URL(url) : undefined;
  } catch {
    // reported below
  }
  if (!parsed) throw invalidArgument(`${what} must be an http(s) URL such as http://127.0.0.1:8000; got ${describe(url)}`);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidArgument(`${what} must use http or https; got ${describe(url)}`);
  }
  if (parsed.search || parsed.hash) throw invalidArgument(`${what} must not carry a query or fragment; got ${describe(url)}`);
  return parsed.toString().replace(/\/+$/, "");
}

/**
 * Whether a node's URL names this machine (127.0.0.0/8, ::1, localhost). There the wire costs
 * nothing, so `wireCompression: "auto"` sends label voxels as plain bytes: lz4 would only add
 * codec CPU (on loopback it read at about half the plain speed in the bench).
 */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}
