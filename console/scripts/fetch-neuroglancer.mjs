#!/usr/bin/env node
// Brings neuroglancer's prebuilt viewer (`dist/min` of @janelia-flyem/neuroglancer, Janelia's fork
// that has the dvid:// data source) into console/vendor/neuroglancer/, with the package's LICENSE
// (Apache-2.0), from the npm registry alone. Run by `npm ci` / `npm install` (the root package's
// `prepare` script) and by hand: `node console/scripts/fetch-neuroglancer.mjs [--force]`.
//
// Why not a dependency: `npm install @janelia-flyem/neuroglancer` needs a GitHub-hosted dependency
// (ikonate) and ~235 build-time packages that dist/min never uses (neuroglancer-dvid.md,
// "Installing it from the npm registry alone"). `npm pack` fetches only the package's own tarball,
// through npm's configured registry and cache; the tarball is checked against the integrity pinned
// below before anything is extracted.
//
// Idempotent: when the folder already holds this version (its stamp file names the same integrity)
// it returns at once without touching the network. A new copy is extracted beside the old one and
// swapped in by rename, so an interrupted run never leaves a half-written viewer.
// DVIDCLOUD_SKIP_NEUROGLANCER=1 skips the fetch (for installs that do not need the viewer).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

export const PACKAGE = "@janelia-flyem/neuroglancer";
export const VERSION = "2.37.5";
export const INTEGRITY =
  "sha512-pLLhJBcoXXpQMmpRfyl1QFTHdS6jGDqiMuaW0SQiF8s1daVMa8R5qzOZnMw9afHeqFjp+sLRYUYTnxmqCgTNoA==";

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where the viewer goes (git-ignored): index.html, the bundles, LICENSE and the stamp. */
export const DEFAULT_DEST = resolve(HERE, "..", "vendor", "neuroglancer");
const STAMP = ".fetched.json";

/** Subresource-integrity string (`sha512-<base64>`) of `bytes`. */
export function integrityOf(bytes) {
  return `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
}

/** The pinned version is already extracted in `dest`. */
export function isPresent(dest = DEFAULT_DEST) {
  try {
    const stamp = JSON.parse(readFileSync(join(dest, STAMP), "utf8"));
    return stamp.integrity === INTEGRITY && existsSync(join(dest, "index.html")) && existsSync(join(dest, "LICENSE"));
  } catch {
    return false;
  }
}

/** Runs `npm pack` of the pinned version into `dir` and returns the tarball's path. */
function npmPack(dir) {
  // Inside an npm lifecycle script, npm_execpath is the npm that runs it; by hand, npm on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, prefix] = npmCli && /\.[cm]?js$/.test(npmCli) ? [process.execPath, [npmCli]] : ["npm", []];
  const result = spawnSync(command, [...prefix, "pack", `${PACKAGE}@${VERSION}`, "--json", "--pack-destination", dir], {
    cwd: dir,
    encoding: "utf8",
    shell: command === "npm" && process.platform === "win32",
  });
  if (result.error) throw new Error(`could not run npm pack: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`npm pack ${PACKAGE}@${VERSION} failed (exit ${result.status}):\n${result.stderr.trim()}`);
  }
  const [info] = JSON.parse(result.stdout);
  return join(dir, info.filename);
}

/** Parses a ustar/pax tarball and yields `{ path, data }` for each regular file. */
export function* tarFiles(tar) {
  let paxPath;
  let longName;
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive blocks
    const field = (start, length) => {
      const bytes = header.subarray(start, start + length);
      const end = bytes.indexOf(0);
      return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString("utf8");
    };
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] || 0x30);
    const data = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      // pax extended header: records "<len> <key>=<value>\n"; only `path` matters here
      const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(Buffer.from(data).toString("utf8"));
      paxPath = match?.[1];
      continue;
    }
    if (type === "L") {
      // GNU long name: the next entry's path, NUL-terminated
      longName = Buffer.from(data).toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    if (type === "g") continue;
    const prefix = field(345, 155);
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    paxPath = undefined;
    longName = undefined;
    if (type === "0" || type === "\0") yield { path: name, data };
  }
}

/** Where a tarball entry goes under `dest`, or undefined for entries that are not kept. */
function outputPath(entry, dest) {
  let relative;
  if (entry === "package/LICENSE") relative = "LICENSE";
  else if (entry.startsWith("package/dist/min/")) relative = entry.slice("package/dist/min/".length);
  else return undefined;
  const parts = relative.split("/");
  if (relative === "" || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(`refusing tarball entry ${JSON.stringify(entry)}: not a plain relative path`);
  }
  const out = resolve(dest, ...parts);
  if (!out.startsWith(resolve(dest) + sep)) throw new Error(`refusing tarball entry ${JSON.stringify(entry)}`);
  return out;
}

/**
 * Checks the tarball against the pinned integrity, then extracts dist/min and LICENSE into `dest`
 * (replacing what was there). Returns the number of files written.
 */
export function extractViewer(tarball, dest, integrity = INTEGRITY) {
  const got = integrityOf(tarball);
  if (got !== integrity) {
    throw new Error(`${PACKAGE}@${VERSION} tarball integrity mismatch: expected ${integrity}, got ${got}`);
  }
  const parent = dirname(dest);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, ".neuroglancer-"));
  chmodSync(staging, 0o755); // mkdtemp makes it 0700
  try {
    let files = 0;
    for (const { path, data } of tarFiles(gunzipSync(tarball))) {
      const out = outputPath(path, staging);
      if (out === undefined) continue;
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, data);
      files++;
    }
    for (const required of ["index.html", "LICENSE"]) {
      if (!existsSync(join(staging, required))) throw new Error(`${PACKAGE}@${VERSION} tarball has no ${required} to extract`);
    }
    writeFileSync(
      join(staging, STAMP),
      `${JSON.stringify({ package: PACKAGE, version: VERSION, integrity, files }, null, 2)}\n`,
    );
    const old = `${dest}.old-${process.pid}`;
    if (existsSync(dest)) renameSync(dest, old);
    renameSync(staging, dest);
    rmSync(old, { recursive: true, force: true });
    return files;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Makes sure `dest` holds the pinned viewer; returns what it did. */
export function fetchNeuroglancer({ dest = DEFAULT_DEST, force = false } = {}) {
  if (!force && isPresent(dest)) return { fetched: false, dest };
  const work = mkdtempSync(join(tmpdir(), "dvidcloud-neuroglancer-"));
  try {
    const files = extractViewer(readFileSync(npmPack(work)), dest);
    return { fetched: true, dest, files };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.env.DVIDCLOUD_SKIP_NEUROGLANCER === "1") {
    console.log("neuroglancer: skipped (DVIDCLOUD_SKIP_NEUROGLANCER=1)");
  } else {
    try {
      const result = fetchNeuroglancer({ force: process.argv.includes("--force") });
      console.log(
        result.fetched
          ? `neuroglancer: ${PACKAGE}@${VERSION} (${result.files} files, integrity checked) -> ${result.dest}`
          : `neuroglancer: ${PACKAGE}@${VERSION} already in ${result.dest}`,
      );
    } catch (err) {
      console.error(`neuroglancer: ${err instanceof Error ? err.message : err}`);
      console.error("(set DVIDCLOUD_SKIP_NEUROGLANCER=1 to install without the viewer)");
      process.exit(1);
    }
  }
}
