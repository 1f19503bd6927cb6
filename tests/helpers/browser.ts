// A headless Chromium for the browser tests (issue 12: the console and neuroglancer are tested in
// a real browser), driven by playwright-core. Nothing is ever downloaded at run time. In order:
// 1. the binary DVIDCLOUD_CHROMIUM names;
// 2. the Chromium that `npm ci` brings: the devDependency @sparticuz/chromium carries a headless
//    shell, brotli-compressed inside the package, with SwiftShader's libraries; the first launch
//    unpacks it (a few seconds) into a folder of the temp dir, shared by later runs;
// 3. Debian's `chromium` package (which .ci/run installs when the npm one is missing).
// A machine without any gets the reason, so tests can skip and say why. neuroglancer needs WebGL2:
// without a GPU, Chromium gives it through SwiftShader, which it enables only when asked
// (neuroglancer-dvid.md, "Headless Chromium").
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { chromium, type Browser, type LaunchOptions } from "playwright-core";

/** Environment variable that names the Chromium binary to use instead of the usual places. */
export const CHROMIUM_ENV = "DVIDCLOUD_CHROMIUM";

/** The npm package whose Chromium is preferred (a devDependency, so `npm ci` brings it). */
export const NPM_CHROMIUM = "@sparticuz/chromium";

/** Where Debian and Ubuntu put the browser (the first is Debian's launcher script). */
export const DEBIAN_CANDIDATES = ["/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser"];

/**
 * Flags for a root user in a container without a GPU: no sandbox, WebGL2 on SwiftShader. The same
 * for both browsers (the npm package's own `args` are for AWS Lambda: single process, no web security).
 */
export const CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"];

/** Where to look; tests point these elsewhere to see what happens without a browser. */
export interface ChromiumPlaces {
  /** The folder of the installed npm package, or undefined when it is not installed. */
  readonly npmPackageDir?: string;
  readonly debianCandidates?: readonly string[];
}

export type LocatedChromium =
  | { readonly source: "env" | "debian"; readonly path: string }
  /** `path` exists once `prepareChromium()` (which `launchBrowser()` calls) has unpacked it. */
  | { readonly source: "npm"; readonly path: string; readonly packageDir: string; readonly version: string }
  | { readonly reason: string };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The installed npm package's folder, or undefined when `npm ci` did not bring it. */
function installedNpmPackage(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve(NPM_CHROMIUM);
    // build/index.js -> the package folder
    return dirname(dirname(entry));
  } catch {
    return undefined;
  }
}

/** The package's version and the compressed browser in it, or why it cannot serve. */
function npmPackage(dir: string): { version: string } | { reason: string } {
  const archive = join(dir, "bin", "chromium.br");
  if (!existsSync(archive)) return { reason: `${NPM_CHROMIUM} in ${dir} has no bin/chromium.br` };
  try {
    return { version: String((JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: unknown }).version) };
  } catch (err) {
    return { reason: `${NPM_CHROMIUM}'s package.json in ${dir} cannot be read: ${String(err)}` };
  }
}

/** The folder of the temp dir that holds the unpacked npm browser, one per version and user. */
function unpackedDir(version: string): string {
  return join(tmpdir(), `dvidcloud-chromium-${version}-${process.getuid?.() ?? "user"}`);
}

/** The Chromium to use and where it comes from, or why there is none. */
export function locateChromium(env: NodeJS.ProcessEnv = process.env, places: ChromiumPlaces = {}): LocatedChromium {
  const named = env[CHROMIUM_ENV];
  if (named !== undefined && named !== "") {
    return isExecutable(named) ? { source: "env", path: named } : { reason: `${CHROMIUM_ENV}=${named} is not an executable file` };
  }
  const npmDir = "npmPackageDir" in places ? places.npmPackageDir : installedNpmPackage();
  let npmWhy = `${NPM_CHROMIUM} is not installed (npm ci brings it)`;
  if (npmDir !== undefined) {
    const pkg = npmPackage(npmDir);
    if ("version" in pkg) return { source: "npm", path: join(unpackedDir(pkg.version), "chromium"), packageDir: npmDir, version: pkg.version };
    npmWhy = pkg.reason;
  }
  const candidates = places.debianCandidates ?? DEBIAN_CANDIDATES;
  const found = candidates.find(isExecutable);
  if (found !== undefined) return { source: "debian", path: found };
  return {
    reason:
      `no Chromium found: ${npmWhy}, and no Debian chromium (looked for ${candidates.join(", ")}); ` +
      `run npm ci, or apt-get install -y chromium, or set ${CHROMIUM_ENV} to a Chromium binary`,
  };
}

/** The Chromium binary to use, if the machine has one (the npm one's is where it unpacks to). */
export function findChromium(env: NodeJS.ProcessEnv = process.env, places: ChromiumPlaces = {}): string | undefined {
  const located = locateChromium(env, places);
  return "path" in located ? located.path : undefined;
}

/** Why the browser tests cannot run here, or undefined when they can. */
export function whyNoChromium(env: NodeJS.ProcessEnv = process.env, places: ChromiumPlaces = {}): string | undefined {
  const located = locateChromium(env, places);
  return "reason" in located ? located.reason : undefined;
}

const run = promisify(execFile);

/**
 * Unpacks the npm package's browser (Chromium, SwiftShader, fonts) once into its folder of the temp
 * dir and returns the binary. The package's own `executablePath()` does the unpacking, in a child
 * process whose temp dir is a fresh staging folder (it writes to `os.tmpdir()`), which is then
 * renamed into place: a half-unpacked browser is never seen, and two test workers unpacking at
 * once both end with the same complete folder.
 */
async function unpackNpmChromium(packageDir: string, version: string): Promise<string> {
  const dir = unpackedDir(version);
  const binary = join(dir, "chromium");
  if (existsSync(join(dir, ".complete")) && isExecutable(binary)) return binary;
  await mkdir(dirname(dir), { recursive: true });
  const staging = await mkdtemp(`${dir}.staging-`);
  try {
    const entry = pathToFileURL(join(packageDir, "build", "index.js")).href;
    const script = `const m = await import(${JSON.stringify(entry)}); process.stdout.write(await m.default.executablePath());`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, TMPDIR: staging, TMP: staging, TEMP: staging },
      timeout: 120_000,
    });
    if (stdout !== join(staging, "chromium")) throw new Error(`${NPM_CHROMIUM} unpacked to ${JSON.stringify(stdout)}, expected ${join(staging, "chromium")}`);
    await writeFile(join(staging, ".complete"), `${NPM_CHROMIUM}@${version}\n`);
    try {
      await rename(staging, dir);
    } catch (err) {
      // Another worker got there first (its folder is complete), or a stale folder without the marker.
      if (!existsSync(join(dir, ".complete"))) {
        await rm(dir, { recursive: true, force: true });
        await rename(staging, dir);
      } else if ((err as NodeJS.ErrnoException).code !== "ENOTEMPTY" && (err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw err;
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!isExecutable(binary)) throw new Error(`${NPM_CHROMIUM}@${version}: ${binary} is not executable after unpacking`);
  return binary;
}

/** The Chromium binary ready to run (unpacking the npm one when it is the one chosen), or why there is none. */
export async function prepareChromium(env: NodeJS.ProcessEnv = process.env, places: ChromiumPlaces = {}): Promise<LocatedChromium> {
  const located = locateChromium(env, places);
  if ("source" in located && located.source === "npm") await unpackNpmChromium(located.packageDir, located.version);
  return located;
}

/**
 * Launches headless Chromium with WebGL2 on SwiftShader. Throws, with the reason, when the machine
 * has no Chromium; never downloads one. Close the browser when done.
 */
export async function launchBrowser(options: Omit<LaunchOptions, "executablePath"> = {}, env: NodeJS.ProcessEnv = process.env): Promise<Browser> {
  const located = await prepareChromium(env);
  if ("reason" in located) throw new Error(`cannot launch a browser: ${located.reason}`);
  return chromium.launch({
    headless: true,
    timeout: 60_000,
    ...options,
    executablePath: located.path,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}
