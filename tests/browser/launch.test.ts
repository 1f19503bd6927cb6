// The browser helper: it finds Chromium without downloading anything, says why when there is none,
// and the browser it launches renders pages and WebGL2 (which neuroglancer needs) headless.
import { describe, expect, it } from "@jest/globals";
import sharp from "sharp";
import { CHROMIUM_ENV, findChromium, launchBrowser, whyNoChromium } from "../helpers/browser.js";

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

describe("launchBrowser", () => {
  withBrowser(
    `renders a page and a WebGL2 canvas headless${missing ? ` (skipped: ${missing})` : ""}`,
    async () => {
      const browser = await launchBrowser();
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
