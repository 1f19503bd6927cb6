// How a local-dvid node process is started: the node binary running this process, with tsx
// loaded through `--import` so that the TypeScript CLI runs as is. tsx is resolved from this
// package (not from the caller's working directory, which may be anywhere), and passed as a
// file URL, so the children start the same way whatever the parent's cwd is.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { LocalDvidError } from "./errors.js";

let cached: string | undefined;

/** The file URL of tsx's ESM loader, for `node --import <url> file.ts`. */
export function tsxImportUrl(): string {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve("tsx/package.json");
  const manifest = JSON.parse(readFileSync(packageJsonPath, "utf8")) as { exports?: Record<string, unknown> };
  const entry = manifest.exports?.["."];
  const relative =
    typeof entry === "string" ? entry : ((entry as { import?: string; default?: string } | undefined)?.import ?? (entry as { default?: string } | undefined)?.default);
  if (typeof relative !== "string") {
    throw new LocalDvidError("CLUSTER_START_FAILED", `cannot start local-dvid nodes: expected an ESM entry "." in ${packageJsonPath}; got ${JSON.stringify(entry)}`);
  }
  cached = pathToFileURL(join(dirname(packageJsonPath), relative)).href;
  return cached;
}

/**
 * The absolute path of the node CLI: local-dvid/cli.ts, or cli.js beside this file when it was
 * compiled to JavaScript. (Nothing finds nodes by this name later: cluster-process.ts.)
 */
export const CLI_PATH = fileURLToPath(new URL(`./cli${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Arguments for `spawn(process.execPath, …)` that run `script` (a .ts file) under tsx. */
export function tsxNodeArgs(script: string, args: readonly string[] = []): string[] {
  return ["--import", tsxImportUrl(), script, ...args];
}
