// A headless Chromium for the browser tests (issue 12: the console and neuroglancer are tested in
// a real browser), driven by playwright-core. Nothing is ever downloaded: the browser is one
// already on the machine (Debian's `chromium` package, which .ci/run installs when missing), or
// the one DVIDCLOUD_CHROMIUM names. A machine without one gets the reason, so tests can skip and
// say why. neuroglancer needs WebGL2: without a GPU, Chromium gives it through SwiftShader, which
// it enables only when asked (neuroglancer-dvid.md, "Headless Chromium").
import { accessSync, constants } from "node:fs";
import { chromium, type Browser, type LaunchOptions } from "playwright-core";

/** Environment variable that names the Chromium binary to use instead of the usual places. */
export const CHROMIUM_ENV = "DVIDCLOUD_CHROMIUM";

/** Where Debian and Ubuntu put the browser (the first is Debian's launcher script). */
const CANDIDATES = ["/usr/bin/chromium", "/usr/lib/chromium/chromium", "/usr/bin/chromium-browser"];

/** Flags for a root user in a container without a GPU: no sandbox, WebGL2 on SwiftShader. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium binary to use, or why there is none. */
export function locateChromium(env: NodeJS.ProcessEnv = process.env): { path: string } | { reason: string } {
  const named = env[CHROMIUM_ENV];
  if (named !== undefined && named !== "") {
    return isExecutable(named) ? { path: named } : { reason: `${CHROMIUM_ENV}=${named} is not an executable file` };
  }
  const found = CANDIDATES.find(isExecutable);
  if (found !== undefined) return { path: found };
  return {
    reason:
      `no Chromium found (looked for ${CANDIDATES.join(", ")}; set ${CHROMIUM_ENV} to use another). ` +
      "Install Debian's: apt-get install -y chromium",
  };
}

/** The Chromium binary to use, if the machine has one. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const located = locateChromium(env);
  return "path" in located ? located.path : undefined;
}

/** Why the browser tests cannot run here, or undefined when they can. */
export function whyNoChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const located = locateChromium(env);
  return "reason" in located ? located.reason : undefined;
}

/**
 * Launches headless Chromium with WebGL2 on SwiftShader. Throws, with the reason, when the machine
 * has no Chromium; never downloads one. Close the browser when done.
 */
export async function launchBrowser(options: Omit<LaunchOptions, "executablePath"> = {}): Promise<Browser> {
  const located = locateChromium();
  if ("reason" in located) throw new Error(`cannot launch a browser: ${located.reason}`);
  return chromium.launch({
    headless: true,
    timeout: 60_000,
    ...options,
    executablePath: located.path,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}
