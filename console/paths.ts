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
