// Where the console's files and neuroglancer's viewer live on disk.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The console page: index.html, its ES modules and stylesheet (served at `/` and `/console/`). */
export const CONSOLE_DIR = join(HERE, "web");

/**
 * neuroglancer's prebuilt viewer (served at `/ng/`), brought by console/scripts/fetch-neuroglancer.mjs
 * (`npm ci` runs it); git-ignored.
 */
export const NEUROGLANCER_DIR = join(HERE, "vendor", "neuroglancer");

/**
 * Modules the page imports from `/console/` that live elsewhere in the project, by file name: the
 * link builder is the volume-client's (`Version.neuroglancerUrl()` uses it too), one copy for both.
 */
export const SHARED_CONSOLE_FILES: Readonly<Record<string, string>> = Object.freeze({
  "neuroglancer-url.js": join(HERE, "..", "volume-client", "wire", "neuroglancer-url.js"),
});
