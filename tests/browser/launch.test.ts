// The browser helper: it finds Chromium without downloading anything (DVIDCLOUD_CHROMIUM, then the
// npm package @sparticuz/chromium that npm ci brings, then Debian's), says why when there is none,
// and each browser it launches renders pages and WebGL2 (which neuroglancer needs) headless.
import { describe, expect, it } from "@jest/globals";
import sharp from "sharp";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  CHROMIUM_ENV,
  DEBIAN_CANDIDATES,
  NPM_CHROMIUM,
  findChromium,
  launchBrowser,
  locateChromium,
  prepareChromium,
  whyNoChromium,
} from "../helpers/browser.js";

const missing = whyNoChromium();
if (missing) console.info(`browser tests skipped: ${missing}`);
const withBrowser = missing ? it.skip : it;

describe("findChromium", () => {
  it(`uses the binary ${CHROMIUM_ENV} names`, () => {
    expect(findChromium({ [CHROMIUM_ENV]: process.execPath })).toBe(process.execPath);
  });

  it(`finds nothing and says why when ${CHROMIUM_ENV} names no executable`, () => {
    const env = { [CHROMIUM_ENV]: "/nonexistent/chromium" };
    expect(findChromium(env)).toBeUndefined();
    expect(whyNoChromium(env)).toBe(`${CHROMIUM_ENV}=/nonexistent/chromium is not an executable file`);
  });
});

describe("locateChromium", () => {
  it(`prefers the Chromium of ${NPM_CHROMIUM}, which npm ci brings, over Debian's`, () => {
    const located = locateChromium({});
    expect(located).toMatchObject({ source: "npm" });
    if (!("source" in located) || located.source !== "npm") return;
    expect(existsSync(join(located.packageDir, "bin", "chromium.br"))).toBe(true);
  });

  it("falls back to Debian's chromium when the npm package is not installed", () => {
    expect(locateChromium({}, { npmPackageDir: undefined, debianCandidates: ["/nonexistent/chromium", process.execPath] })).toEqual({
      source: "debian",
      path: process.execPath,
    });
  });

  it("says why, naming the npm package, Debian's chromium and the variable, when there is neither", () => {
    const why = whyNoChromium({}, { npmPackageDir: undefined, debianCandidates: ["/nonexistent/chromium"] });
    expect(why).toBe(
      `no Chromium found: ${NPM_CHROMIUM} is not installed (npm ci brings it), and no Debian chromium (looked for /nonexistent/chromium); ` +
        `run npm ci, or apt-get install -y chromium, or set ${CHROMIUM_ENV} to a Chromium binary`,
    );
    expect(whyNoChromium({}, { npmPackageDir: "/nonexistent/pkg", debianCandidates: [] })).toContain(`${NPM_CHROMIUM} in /nonexistent/pkg has no bin/chromium.br`);
  });

  it(`unpacks the npm browser into one folder of the temp dir and reuses it`, async () => {
    const first = await prepareChromium({});
    const second = await prepareChromium({});
    expect(second).toEqual(first);
    if (!("path" in first)) throw new Error(first.reason);
    expect(existsSync(first.path)).toBe(true);
    expect(existsSync(join(first.path, "..", ".complete"))).toBe(true);
    expect(existsSync(join(first.path, "..", "libGLESv2.so"))).toBe(true);
  });
});

const debian = DEBIAN_CANDIDATES.find((p) => existsSync(p));
const browsers: [string, NodeJS.ProcessEnv][] = [[`the preferred (${findChromium() ?? "none"})`, {}]];
if (debian) browsers.push([`Debian's (${debian})`, { [CHROMIUM_ENV]: debian }]);

describe.each(browsers)("launchBrowser with %s", (_label, env) => {
  withBrowser(
    `renders a page and a WebGL2 canvas headless${missing ? ` (skipped: ${missing})` : ""}`,
    async () => {
      const browser = await launchBrowser({}, { ...process.env, ...env });
      try {
        const page = await browser.newPage({ viewport: { width: 200, height: 100 } });
        const html =
          '<body style="margin:0;background:rgb(0,0,255)">' +
          '<div style="position:absolute;left:0;top:0;width:100px;height:100px;background:rgb(255,0,0)"></div>' +
          '<canvas id="c" width="100" height="100" style="position:absolute;left:100px;top:0"></canvas>' +
          "<script>const gl = document.getElementById('c').getContext('webgl2');" +
          "if (gl) { gl.clearColor(0, 1, 0, 1); gl.clear(gl.COLOR_BUFFER_BIT); }" +
          "document.title = gl ? 'webgl2' : 'none';</script></body>";
        await page.goto(`data:text/html,${encodeURIComponent(html)}`);
        expect(await page.title()).toBe("webgl2");
        const png = await page.screenshot();
        const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
        expect([info.width, info.height]).toEqual([200, 100]);
        expect(at(50, 50)).toEqual([255, 0, 0]); // the div
        expect(at(150, 50)).toEqual([0, 255, 0]); // the WebGL2 canvas
      } finally {
        await browser.close();
      }
    },
  );
});
