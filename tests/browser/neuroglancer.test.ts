// neuroglancer in a real browser (Chromium via playwright-core, WebGL2 on SwiftShader) against a
// local-dvid that serves the viewer same-origin at /ng/: a grayscale volume that varies and a
// labelblk volume with one labelled box, each with a two-level pyramid (Volume.buildPyramid). The
// checks read pixels of screenshots (decoded with sharp): grayscale varies as the data does, the
// labelled box's colour differs from the background around it, and zooming out makes the viewer
// ask for the `_1`/`_2` levels. Waiting is on the viewer's chunk requests (none in flight), never
// a fixed sleep. Screenshots go to artifacts/neuroglancer/ (git-ignored).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync } from "node:fs";
import ndarray from "ndarray";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { neuroglancerUrl } from "../../console/index.js";
import { isPresent } from "../../console/scripts/fetch-neuroglancer.mjs";
import { MemoryStore, startLocalDvid, type RunningLocalDvid } from "../../local-dvid/index.js";
import { connect, type DvidClient } from "../../volume-client/index.js";
import { launchBrowser, whyNoChromium } from "../helpers/browser.js";

const missing = whyNoChromium() ?? (isPresent() ? undefined : "neuroglancer's files are not in console/vendor/neuroglancer (npm ci brings them)");
if (missing) console.info(`neuroglancer browser tests skipped: ${missing}`);
const withBrowser = missing ? it.skip : it;

const ARTIFACTS = fileURLToPath(new URL("../../artifacts/neuroglancer/", import.meta.url));
const SLOW = 240_000;
const N = 128; // the volumes are N^3 voxels
/** The labelled box: x and y in [LO, HI), every z. */
const LO = 40;
const HI = 88;
const LABEL = 2n ** 40n + 17n;

let node: RunningLocalDvid;
let client: DvidClient;
let uuid: string;
let browser: Browser;

/** Grayscale that varies along x and y: stripes of a sine, plus a ramp. */
function grayscale(): Uint8Array {
  const out = new Uint8Array(N * N * N);
  for (let z = 0; z < N; z++)
    for (let y = 0; y < N; y++)
      for (let x = 0; x < N; x++) out[(z * N + y) * N + x] = Math.round(127 + 100 * Math.sin(x / 6) * Math.cos(y / 9) + (z - 64) / 4);
  return out;
}

function labels(): BigUint64Array<ArrayBuffer> {
  const out = new BigUint64Array(N * N * N);
  for (let z = 0; z < N; z++) for (let y = LO; y < HI; y++) for (let x = LO; x < HI; x++) out[(z * N + y) * N + x] = LABEL;
  return out;
}

beforeAll(async () => {
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  node = await startLocalDvid({ store: new MemoryStore(), port: 0 });
  client = connect(node.url);
  const repo = await client.createRepo({ alias: "neuroglancer", description: "grayscale and labels for the viewer" });
  uuid = await repo.uuid();
  const gray = await repo.createVolume("grayscale", "uint8", { blockSizeZyx: [32, 32, 32] });
  await gray.write([0, 0, 0], ndarray(grayscale(), [N, N, N]));
  await gray.buildPyramid({ levels: 2 });
  const seg = await repo.createVolume("labels", "uint64", { labels: true, blockSizeZyx: [32, 32, 32] });
  await seg.write([0, 0, 0], ndarray(labels(), [N, N, N]));
  await seg.buildPyramid({ levels: 2 });
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  client?.close();
  await node?.close();
});

interface Viewer {
  page: Page;
  /** Chunk URLs the viewer asked for (paths under /api/node/). */
  chunks: string[];
  /** Chunk answers that were not 2xx, and page errors. */
  failures: string[];
}

/** Opens `url` and waits until the viewer has asked for chunks and none is in flight. */
async function openViewer(url: string, name: string): Promise<Viewer> {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const chunks: string[] = [];
  const failures: string[] = [];
  let inFlight = 0;
  const isChunk = (u: string): boolean => u.includes("/api/node/");
  page.on("request", (r) => {
    if (!isChunk(r.url())) return;
    chunks.push(new URL(r.url()).pathname + new URL(r.url()).search);
    inFlight++;
  });
  page.on("requestfinished", async (r) => {
    if (!isChunk(r.url())) return;
    inFlight--;
    const res = await r.response();
    if (res && res.status() >= 300) failures.push(`${res.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => {
    if (!isChunk(r.url())) return;
    inFlight--;
    failures.push(`failed ${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  await page.goto(url);
  // Quiet: chunks were asked for and none has been in flight for a while (polled, not slept).
  let quietSince = 0;
  await page.waitForFunction(() => true); // the page is alive
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (chunks.length > 0 && inFlight === 0) {
      if (quietSince === 0) quietSince = Date.now();
      else if (Date.now() - quietSince > 1500) break;
    } else {
      quietSince = 0;
    }
    if (Date.now() > deadline) throw new Error(`the viewer did not settle: ${chunks.length} chunk requests, ${inFlight} in flight; ${failures.join("; ")}`);
    await page.waitForTimeout(200);
  }
  // Two frames after the last chunk, so it is drawn.
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
  await page.screenshot({ path: `${ARTIFACTS}${name}.png` });
  return { page, chunks, failures };
}

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  /** The rendered panel's box in the screenshot. */
  panel: { x: number; y: number; width: number; height: number };
}

async function pixels(viewer: Viewer): Promise<Pixels> {
  const box = await viewer.page.locator(".neuroglancer-rendered-data-panel").first().boundingBox();
  expect(box).not.toBeNull();
  const png = await viewer.page.screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, panel: box! };
}

function rgbAt(p: Pixels, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * p.width + Math.round(x)) * 3;
  return [p.data[i], p.data[i + 1], p.data[i + 2]];
}

/** Mean colour of a small square around (x, y). */
function meanAround(p: Pixels, x: number, y: number, r = 3): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let dy = -r; dy <= r; dy++)
    for (let dx = -r; dx <= r; dx++) {
      const c = rgbAt(p, x + dx, y + dy);
      for (let k = 0; k < 3; k++) sum[k] += c[k];
      n++;
    }
  return sum.map((s) => s / n) as [number, number, number];
}

const distance = (a: readonly number[], b: readonly number[]): number => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

function url(layers: { name: string; type: "image" | "segmentation" }[], crossSectionScale: number): string {
  const base = neuroglancerUrl({ serverUrl: node.url, uuid, layers, position: [N / 2, N / 2, N / 2], voxelSize: [8, 8, 8], layout: "xy" });
  // The zoom (voxels per screen pixel) is one more key of the same state.
  const [page, fragment] = base.split("#!");
  const state = JSON.parse(decodeURIComponent(fragment));
  state.crossSectionScale = crossSectionScale;
  state.showDefaultAnnotations = false;
  return `${page}#!${encodeURIComponent(JSON.stringify(state))}`;
}

describe("neuroglancer served by local-dvid at /ng/", () => {
  withBrowser(
    "shows the grayscale as it varies and the labelled box in a colour apart from the background",
    async () => {
      const viewer = await openViewer(url([{ name: "grayscale", type: "image" }, { name: "labels", type: "segmentation" }], 0.5), "grayscale-and-labels");
      expect(viewer.failures).toEqual([]);
      if (process.env.NG_DEBUG) console.log([...new Set(viewer.chunks)].sort().join("\n"));
      expect(viewer.chunks.some((c) => /\/grayscale\/raw\/0_1_2\/.*\/jpeg/.test(c))).toBe(true);
      expect(viewer.chunks.some((c) => /\/labels\/raw\/0_1_2\/.*compression=googlegzip/.test(c))).toBe(true);
      await viewer.page.close();

      // Grayscale alone: the panel's pixels vary as the sine stripes do.
      const gray = await openViewer(url([{ name: "grayscale", type: "image" }], 0.5), "grayscale");
      expect(gray.failures).toEqual([]);
      const g = await pixels(gray);
      const cx = g.panel.x + g.panel.width / 2;
      const cy = g.panel.y + g.panel.height / 2;
      const values: number[] = [];
      for (let dy = -100; dy <= 100; dy += 4) for (let dx = -100; dx <= 100; dx += 4) values.push(rgbAt(g, cx + dx, cy + dy)[0]);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      expect(sd).toBeGreaterThan(20);
      expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(100);
      await gray.page.close();

      // Labels alone: inside the box (the centre) a colour; 32 voxels (64 px) outside it, background.
      const seg = await openViewer(url([{ name: "labels", type: "segmentation" }], 0.5), "labels");
      expect(seg.failures).toEqual([]);
      const s = await pixels(seg);
      const sx = s.panel.x + s.panel.width / 2;
      const sy = s.panel.y + s.panel.height / 2;
      const inside = meanAround(s, sx, sy);
      const outside = meanAround(s, sx + 2 * (HI - N / 2 + 12), sy);
      expect(distance(inside, outside)).toBeGreaterThan(40);
      await seg.page.close();
    },
    SLOW,
  );

  withBrowser(
    "asks for the coarser levels (_1, _2) when zoomed out",
    async () => {
      const viewer = await openViewer(url([{ name: "grayscale", type: "image" }, { name: "labels", type: "segmentation" }], 4), "zoomed-out");
      expect(viewer.failures).toEqual([]);
      const levels = new Set(viewer.chunks.map((c) => /\/api\/node\/[^/]+\/([^/]+)\//.exec(c)?.[1]));
      expect([...levels].some((name) => name === "grayscale_1" || name === "grayscale_2")).toBe(true);
      expect([...levels].some((name) => name === "labels_1" || name === "labels_2")).toBe(true);
      expect(levels.has("grayscale")).toBe(false);
      await viewer.page.close();
    },
    SLOW,
  );
});
