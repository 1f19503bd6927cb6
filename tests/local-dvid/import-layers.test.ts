// local-dvid's folders are layers (ARCHITECTURE.md "The house"): store/ and types/ at the bottom,
// meta/ (repos and versions) above them, voxels/ above meta/, and only http/ and routes/ speak
// HTTP, mapping what the layers below refuse to DVID's statuses and texts. Of volume-client it
// may use only the wire contract, which is pure (no HTTP, no got). Read from the sources.
import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

/** Every module a file imports (static, re-exported or dynamic): repo-relative .ts paths, or bare specifiers. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO, file), "utf8");
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g)].map(([, spec]) =>
    spec.startsWith(".") ? relative(REPO, normalize(join(REPO, dirname(file), spec))).replace(/\.js$/, ".ts") : spec,
  );
}

/** The layer of a local-dvid file: its folder, or the file itself at the top level. */
function layerOf(file: string): string {
  return relative("local-dvid", file).split("/")[0];
}

const LOCAL_DVID = sources("local-dvid");

/** What each folder may import besides itself, the top-level errors.ts and the wire contract. */
const ALLOWED: Record<string, readonly string[]> = {
  store: [],
  types: [],
  meta: ["store", "types"],
  voxels: ["meta", "store", "types", "workers"],
  http: [],
  routes: ["http", "meta", "voxels", "store", "types", "workers"],
  // Worker threads (CPU-heavy codecs off the event loop): only the wire contract below them.
  workers: [],
};
const SHARED = new Set(["errors.ts", "option-checks.ts", "limits.ts"]);

describe("local-dvid's layers", () => {
  it("has the folders the layer rules name (the rules read the real tree)", () => {
    const layers = new Set(LOCAL_DVID.map(layerOf));
    expect(Object.keys(ALLOWED).filter((folder) => !layers.has(folder))).toEqual([]);
  });

  it("imports only downwards: meta/ nothing of voxels/, and neither meta/ nor voxels/ anything of http/ or routes/", () => {
    const wrong: string[] = [];
    for (const file of LOCAL_DVID) {
      const layer = layerOf(file);
      const allowed = ALLOWED[layer];
      if (allowed === undefined) continue; // top-level entry points (server, cluster, cli, index)
      for (const target of importsOf(file)) {
        if (!target.startsWith("local-dvid/")) continue;
        const to = layerOf(target);
        if (to !== layer && !SHARED.has(to) && !allowed.includes(to)) wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("has no import cycle between its folders", () => {
    const edges = new Map<string, Set<string>>();
    for (const file of LOCAL_DVID) {
      for (const target of importsOf(file)) {
        if (!target.startsWith("local-dvid/") || layerOf(target) === layerOf(file)) continue;
        if (!edges.has(layerOf(file))) edges.set(layerOf(file), new Set());
        edges.get(layerOf(file))?.add(layerOf(target));
      }
    }
    const cycles: string[] = [];
    const walk = (node: string, path: string[]): void => {
      for (const next of edges.get(node) ?? []) {
        if (path.includes(next)) cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
        else walk(next, [...path, next]);
      }
    };
    for (const node of edges.keys()) walk(node, [node]);
    expect(cycles).toEqual([]);
  });

  it("speaks HTTP (node:http) only in http/, routes/ and the entry points", () => {
    const http = LOCAL_DVID.filter((f) => ["store", "types", "meta", "voxels"].includes(layerOf(f)) && importsOf(f).some((t) => /^(node:)?https?$/.test(t)));
    expect(http).toEqual([]);
  });

  it("uses nothing of volume-client but its wire contract", () => {
    const outside = LOCAL_DVID.flatMap((f) => importsOf(f).filter((t) => t.startsWith("volume-client/") && !t.startsWith("volume-client/wire/")).map((t) => `${f} -> ${t}`));
    expect(outside).toEqual([]);
  });
});

describe("volume-client/wire", () => {
  it("is pure: its modules import only each other (no node:http, no got, no other volume-client module)", () => {
    const impure = sources("volume-client/wire").flatMap((f) =>
      importsOf(f)
        .filter((t) => !t.startsWith("volume-client/wire/"))
        .map((t) => `${f} -> ${t}`),
    );
    expect(impure).toEqual([]);
  });
});
