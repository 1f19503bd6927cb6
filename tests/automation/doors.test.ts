// The doors between the folders: automation reaches infra, local-dvid and volume-client only
// through their index.ts; bench and the CLI (bin/) only through the public entry points; only the
// gcp driver (automation/gcp/, automation/gcp-target.ts) imports @pulumi or infra at all, and the
// lifecycle loads it with a dynamic import() (gcp-lazy-load.test.ts checks that at run time).
import { describe, expect, it } from "@jest/globals";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const FOLDERS = ["automation", "infra", "local-dvid", "volume-client"];

function files(folder: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && ext.test(entry.name)) out.push(relative(root, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

interface Import {
  readonly file: string;
  readonly specifier: string;
  readonly dynamic: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(join(root, file), "utf8");
  const found: Import[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s)?["']([^"']+)["']/gm)) found.push({ file, specifier: m[1]!, dynamic: false });
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.push({ file, specifier: m[1]!, dynamic: true });
  return found;
}

/** The folder and the path inside it that a relative import lands on, or undefined for packages. */
function target(imp: Import): { folder: string; path: string } | undefined {
  if (!imp.specifier.startsWith(".")) return undefined;
  const path = relative(root, resolve(dirname(join(root, imp.file)), imp.specifier));
  const [folder, ...rest] = path.split("/");
  return { folder: folder!, path: rest.join("/") };
}

const isIndex = (path: string) => /^index\.(js|ts)$/.test(path);

function crossings(fromFiles: string[], fromFolder: string | undefined): string[] {
  const bad: string[] = [];
  for (const file of fromFiles) {
    for (const imp of importsOf(file)) {
      const t = target(imp);
      if (t && FOLDERS.includes(t.folder) && t.folder !== fromFolder && !isIndex(t.path)) bad.push(`${file} imports ${imp.specifier}`);
    }
  }
  return bad;
}

describe("imports between folders", () => {
  it("automation reaches infra, local-dvid and volume-client only through their index.ts", () => {
    expect(crossings(files("automation", /\.ts$/), "automation")).toEqual([]);
  });

  it("bench and bin/dvidcloud.js import only public entry points", () => {
    expect(crossings([...files("bench", /\.ts$/), ...files("bin", /\.js$/)], undefined)).toEqual([]);
  });

  it("only the gcp driver imports @pulumi or infra, and the lifecycle loads it dynamically", () => {
    const gcpDriver = (file: string) => file.startsWith("automation/gcp/") || file === "automation/gcp-target.ts";
    const offenders = files("automation", /\.ts$/)
      .filter((file) => !gcpDriver(file))
      .flatMap(importsOf)
      .filter((imp) => {
        const t = target(imp);
        const typeOnly = new RegExp(`import type [^;]*["']${imp.specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}["']`).test(readFileSync(join(root, imp.file), "utf8"));
        if (typeOnly) return false;
        if (imp.specifier.startsWith("@pulumi/") || t?.folder === "infra") return true;
        return !imp.dynamic && (t?.path === "gcp-target.js" || t?.path.startsWith("gcp/")) && t.folder === "automation";
      })
      .map((imp) => `${imp.file} imports ${imp.specifier}`);
    expect(offenders).toEqual([]);
  });
});
