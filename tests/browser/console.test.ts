// The console in a real browser (Chromium via playwright-core) against a local-dvid holding data
// made with the volume-client: it lists the repo and draws the version DAG, shows the cluster's
// nodes with their health and a version's data instances with neuroglancer links; with ?admin=1 a
// commit, a branch, a new version and a merge made in the page are seen through the API, and the
// server's refusals are shown in words; without it nothing in the page changes anything.
// Screenshots go to artifacts/console/ (git-ignored).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { isPresent } from "../../console/scripts/fetch-neuroglancer.mjs";
import type { VersionInfo } from "../../volume-client/index.js";
import { launchBrowser, whyNoChromium } from "../helpers/browser.js";
import { startConsoleBed, type ConsoleBed } from "./console-bed.js";

const missing = whyNoChromium();
if (missing) console.info(`console browser tests skipped: ${missing}`);
const skipped = missing ? ` (skipped: ${missing})` : "";
const withBrowser = missing ? it.skip : it;
const viewerMissing = missing ?? (isPresent() ? undefined : "neuroglancer's files are not in console/vendor/neuroglancer");
const withViewer = viewerMissing ? it.skip : it;

const ARTIFACTS = fileURLToPath(new URL("../../artifacts/console/", import.meta.url));
const SLOW = 120_000;

let bed: ConsoleBed;
let browser: Browser;

beforeAll(async () => {
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  bed = await startConsoleBed();
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await bed?.close();
});

interface Opened {
  page: Page;
  /** Every request the page made, as "METHOD url". */
  requests: string[];
  /** Errors thrown in the page. */
  errors: string[];
}

async function openConsole(url: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(`${r.method()} ${r.url()}`));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
  return { page, requests, errors };
}

async function history(): Promise<VersionInfo[]> {
  return bed.versions.root.history();
}

async function uuids() {
  const v = bed.versions;
  return {
    root: await v.root.uuid(),
    proof: await v.proof.uuid(),
    second: await v.second.uuid(),
    merged: await v.merged.uuid(),
  };
}

/** The neuroglancer state in a link's fragment. */
function ngState(href: string | null): { layers: { type: string; source: string; name: string }[]; position?: number[]; dimensions?: unknown } {
  expect(href).toContain("#!");
  return JSON.parse(decodeURIComponent(href!.slice(href!.indexOf("#!") + 2)));
}

/** Submits an action form and waits until the page shows the outcome (success or the error). */
async function submit(page: Page, action: string): Promise<void> {
  // Dismiss earlier outcomes first, so the wait below sees this one.
  for (const close of await page.locator(".message-success .message-close").all()) await close.click();
  const form = page.locator(`form[data-action=${action}]`);
  await form.locator("button[type=submit]").click();
  await page.waitForFunction(
    (a) => {
      const f = document.querySelector(`form[data-action=${a}]`);
      const error = f?.querySelector(".form-error");
      return document.querySelector(".message-success") !== null || (error instanceof HTMLElement && !error.hidden);
    },
    action,
  );
}

async function selectVersion(page: Page, uuid: string): Promise<void> {
  await page.locator(`svg.dag .dag-node[data-uuid="${uuid}"]`).click();
  await page.waitForFunction((u) => document.querySelector("#version-detail .full-uuid")?.textContent === u, uuid);
  await page.waitForSelector("#instances .loading", { state: "detached" });
}

describe("the console in a browser", () => {
  withBrowser(
    `lists the repo with alias and description and draws its version DAG${skipped}`,
    async () => {
      const { page, errors } = await openConsole(`${bed.url}/?nodes=${bed.readerUrl},${bed.deadUrl}`);
      try {
        const u = await uuids();
        await page.waitForSelector("#instances table.volumes");
        expect(await page.locator(".repo").count()).toBe(1);
        expect(await page.locator(".repo .repo-alias").textContent()).toBe("fib25");
        expect(await page.locator(".repo .repo-description").textContent()).toBe("FIB-SEM test volume with labels");
        expect(await page.locator(".repo-title").textContent()).toBe("fib25");

        // One SVG node per version, one edge per parent link, the merge's second parent dashed.
        const versions = await history();
        expect(await page.locator("svg.dag .dag-node").count()).toBe(versions.length);
        expect(versions.length).toBe(4);
        const edges = await page.locator("svg.dag .dag-edge").evaluateAll((els) =>
          els.map((e) => `${e.getAttribute("data-from")}>${e.getAttribute("data-to")}${e.classList.contains("dag-edge-merge") ? " merge" : ""}`),
        );
        expect(edges.sort()).toEqual(
          versions.flatMap((v) => v.parents.map((p, i) => `${p}>${v.uuid}${i > 0 ? " merge" : ""}`)).sort(),
        );
        expect(edges).toContain(`${u.proof}>${u.merged} merge`);
        expect(await page.locator("svg.dag .dag-lane").evaluateAll((els) => els.map((e) => e.getAttribute("data-branch")))).toEqual([
          "master",
          "proofreading",
        ]);
        expect(await page.locator("svg.dag .dag-branch").allTextContents()).toEqual(["master", "proofreading"]);

        // Locked and open versions, the merge, notes and short UUIDs as labels.
        const nodes = await page.locator("svg.dag .dag-node").evaluateAll((els) =>
          els.map((e) => ({
            uuid: e.getAttribute("data-uuid"),
            locked: e.getAttribute("data-locked"),
            merge: e.getAttribute("data-merge"),
            branch: e.getAttribute("data-branch"),
            label: e.getAttribute("aria-label"),
            uuidText: e.querySelector(".dag-uuid")?.textContent,
            noteText: e.querySelector(".dag-note")?.textContent ?? "",
          })),
        );
        for (const v of versions) {
          const n = nodes.find((x) => x.uuid === v.uuid);
          expect(n).toMatchObject({ locked: String(v.locked), branch: v.branch, uuidText: v.uuid.slice(0, 8) });
          expect(n?.label).toContain(v.note);
          expect(v.note.startsWith(n!.noteText.replace(/…$/, ""))).toBe(true);
        }
        expect(nodes.filter((n) => n.merge === "true").map((n) => n.uuid)).toEqual([u.merged]);
        expect(nodes.filter((n) => n.locked === "false").map((n) => n.uuid)).toEqual([u.merged]);
        expect(await page.locator("svg.dag .dag-note").allTextContents()).toEqual(
          ["imported grayscale…", "proofread", "aligned", "alignment + proofr…"],
        );

        // The master leaf is chosen first.
        expect(await page.locator("#version-detail .full-uuid").textContent()).toBe(u.merged);
        await page.screenshot({ path: join(ARTIFACTS, "overview.png"), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
    SLOW,
  );

  withBrowser(
    `shows every node of the cluster with its health and latency${skipped}`,
    async () => {
      const { page } = await openConsole(`${bed.url}/?nodes=${bed.readerUrl},${bed.deadUrl},${bed.readerUrl}/`);
      try {
        await page.waitForFunction(() => document.querySelectorAll(".node[data-status=checking]").length === 0);
        const rows = await page.locator(".node").evaluateAll((els) =>
          els.map((e) => ({
            url: e.getAttribute("data-url"),
            status: e.getAttribute("data-status"),
            latency: e.querySelector(".latency")?.textContent,
            meta: e.querySelector(".node-meta")?.textContent,
            error: e.querySelector(".node-error")?.textContent ?? "",
          })),
        );
        expect(rows.map((r) => [r.url, r.status])).toEqual([
          [bed.url, "up"],
          [bed.readerUrl, "up"],
          [bed.deadUrl, "down"],
        ]);
        expect(rows[0].latency).toMatch(/^\d+ ms$/);
        expect(rows[1].latency).toMatch(/^\d+ ms$/);
        expect(rows[0].meta).toContain("writable");
        expect(rows[1].meta).toContain("read-only");
        expect(rows[2].latency).toBe("down");
        expect(rows[2].error).toContain(`could not reach ${bed.deadUrl} (GET /api/heartbeat)`);
        expect(await page.locator(".cluster-summary").textContent()).toBe("2 of 3 up");
      } finally {
        await page.close();
      }
    },
    SLOW,
  );

  withBrowser(
    `shows a chosen version's instances: type, block size, voxel size, extents, neuroglancer links and keys${skipped}`,
    async () => {
      const { page, requests } = await openConsole(`${bed.url}/`);
      try {
        const u = await uuids();
        await selectVersion(page, u.root);
        expect(page.url()).toContain(`version=${u.root}`);
        const rows = await page.locator("table.volumes tr.volume").evaluateAll((els) =>
          els.map((e) => [...e.querySelectorAll("td")].map((td) => td.textContent)),
        );
        expect(rows).toEqual([
          ["grayscale", "uint8blk", "32 × 32 × 32", "8 × 8 × 8 nm", "0, 0, 0 → 127, 95, 63128 × 96 × 64 voxels", "Open in neuroglancer"],
          ["grayscale_1level 1 of grayscale", "uint8blk", "32 × 32 × 32", "8 × 8 × 8 nm", "0, 0, 0 → 63, 63, 3164 × 64 × 32 voxels", "Open in neuroglancer"],
          ["segmentation", "labelblk", "32 × 32 × 32", "8 × 8 × 8 nm", "0, 0, 0 → 63, 63, 3164 × 64 × 32 voxels", "Open in neuroglancer"],
        ]);
        // Extents are read at the chosen version.
        expect(requests).toContain(`GET ${bed.url}/api/node/${u.root}/grayscale/info`);

        const gray = ngState(await page.locator('tr.volume[data-name="grayscale"] a.ng-link').getAttribute("href"));
        expect(gray).toEqual({
          dimensions: { x: [8e-9, "m"], y: [8e-9, "m"], z: [8e-9, "m"] },
          position: [64, 48, 32],
          layers: [{ type: "image", source: `dvid://${bed.url}/${u.root}/grayscale`, name: "grayscale" }],
          layout: "4panel",
        });
        const segHref = await page.locator('tr.volume[data-name="segmentation"] a.ng-link').getAttribute("href");
        expect(segHref!.startsWith(`${bed.url}/ng/#!`)).toBe(true);
        expect(ngState(segHref)).toMatchObject({
          position: [32, 32, 16],
          layers: [{ type: "segmentation", source: `dvid://${bed.url}/${u.root}/segmentation`, name: "segmentation" }],
        });
        expect(ngState(await page.locator("a.ng-all").getAttribute("href")).layers.map((l) => [l.name, l.type])).toEqual([
          ["grayscale", "image"],
          ["segmentation", "segmentation"],
        ]);

        // Keys as each version sees them; an instance made on the branch only where the branch is.
        const keysAt = () => page.locator('.keyvalue[data-name="files"] .key').allTextContents();
        const keyvalues = () => page.locator(".keyvalue").evaluateAll((els) => els.map((e) => e.getAttribute("data-name")));
        expect(await keysAt()).toEqual(["README.txt", "meta.json", "roi-list.csv"]);
        expect(await keyvalues()).toEqual(["files"]);
        expect(await page.locator("#instances").textContent()).toContain(
          "1 instance was created in versions that are not ancestors of this one and is not shown.",
        );
        await selectVersion(page, u.proof);
        expect(await keysAt()).toEqual(["README.txt", "meta.json", "proof-notes.txt", "roi-list.csv"]);
        expect(await keyvalues()).toEqual(["files", "proofreading-log"]);
        expect(await page.locator('.keyvalue[data-name="proofreading-log"] .key').allTextContents()).toEqual(["2024-01-01.txt"]);
        expect(await page.locator('.keyvalue[data-name="files"] .kv-header').textContent()).toContain("4 keys");
        await page.screenshot({ path: join(ARTIFACTS, "version.png"), fullPage: true });
      } finally {
        await page.close();
      }
    },
    SLOW,
  );

  withViewer(
    `opens a volume in neuroglancer from the console at the volume's centre${viewerMissing ? ` (skipped: ${viewerMissing})` : ""}`,
    async () => {
      const { page } = await openConsole(`${bed.url}/`);
      try {
        const u = await uuids();
        await selectVersion(page, u.root);
        const [viewer] = await Promise.all([
          page.context().waitForEvent("page"),
          page.locator('tr.volume[data-name="grayscale"] a.ng-link').click(),
        ]);
        await viewer.setViewportSize({ width: 1200, height: 800 });
        await viewer.waitForFunction(() => {
          const v = (window as unknown as { viewer?: { state: { toJSON(): { layers?: unknown[] } } } }).viewer;
          return (v?.state.toJSON().layers?.length ?? 0) > 0;
        }, undefined, { timeout: 60_000 });
        const state = (await viewer.evaluate(() =>
          (window as unknown as { viewer: { state: { toJSON(): unknown } } }).viewer.state.toJSON(),
        )) as { layers: { type: string; source: unknown; name: string }[]; position?: number[] };
        expect(state.layers.map((l) => [l.name, l.type])).toEqual([["grayscale", "image"]]);
        expect(JSON.stringify(state.layers[0].source)).toContain(`dvid://${bed.url}/${u.root}/grayscale`);
        expect(state.position).toEqual([64, 48, 32]);
        await viewer.waitForTimeout(1500); // let a few chunks arrive for the screenshot; not asserted
        await viewer.screenshot({ path: join(ARTIFACTS, "neuroglancer-from-console.png") });
        await viewer.close();
      } finally {
        await page.close();
      }
    },
    SLOW,
  );

  withBrowser(
    `offers no control that changes anything without admin=1, and its client refuses changes before any request${skipped}`,
    async () => {
      const before = await history();
      const u = await uuids();
      for (const query of ["", "?admin=0"]) {
        const { page, requests, errors } = await openConsole(`${bed.url}/${query}#version=${u.merged}`);
        try {
          await page.waitForSelector("#instances table.volumes");
          expect(await page.locator("form, textarea, input, [data-action]").count()).toBe(0);
          expect(await page.locator("#actions").isHidden()).toBe(true);
          expect(await page.locator("#mode-badge").textContent()).toBe("read-only");

          // Press everything there is to press.
          for (const uuid of before.map((v) => v.uuid)) await selectVersion(page, uuid);
          const buttons = page.locator("button:visible");
          for (let i = 0; i < (await buttons.count()); i++) await buttons.nth(i).click();
          await page.locator(".repo a").first().click();

          // Forced from the page: the console's client refuses, and sends nothing.
          const refusals = await page.evaluate(async ([merged, proof]) => {
            const api = (window as unknown as { dvidConsole: { api: Record<string, (...a: unknown[]) => Promise<unknown>> } }).dvidConsole.api;
            const attempts = [
              () => api.commit(merged, "forced"),
              () => api.newVersion(proof, "forced"),
              () => api.branch(proof, "forced", "forced"),
              () => api.merge([proof, merged], "forced"),
            ];
            const out: string[] = [];
            for (const attempt of attempts) out.push(await attempt().then(() => "done", (e: Error) => e.message));
            return out;
          }, [u.merged, u.proof]);
          expect(refusals).toEqual(Array(4).fill("this console is read-only: open it with ?admin=1 to commit, create versions, branch or merge"));

          expect(requests.filter((r) => !r.startsWith("GET "))).toEqual([]);
          expect(requests.some((r) => r.includes("admin-forms.js"))).toBe(false);
          expect(errors).toEqual([]);
        } finally {
          await page.close();
        }
      }
      expect(await history()).toEqual(before);
    },
    SLOW,
  );

  withBrowser(
    `with admin=1, a commit, a branch, a new version and a merge made in the page are seen through the API${skipped}`,
    async () => {
      const u = await uuids();
      const { page, requests, errors } = await openConsole(`${bed.url}/?admin=1#version=${u.merged}`);
      try {
        expect(await page.locator("#mode-badge").textContent()).toBe("admin");
        const childOf = async (parent: string, count: number) => {
          const all = await history();
          expect(all.length).toBe(count);
          return all.filter((v) => v.parents[0] === parent);
        };

        // Commit the open merge.
        await page.locator("form[data-action=commit] textarea[name=note]").fill("reviewed the merge");
        await submit(page, "commit");
        expect(await page.locator(".message-success").textContent()).toContain(`Committed version ${u.merged.slice(0, 8)}.`);
        expect(await bed.versions.merged.info()).toMatchObject({ locked: true, note: "reviewed the merge" });
        await page.waitForSelector("form[data-action=branch]");
        await page.screenshot({ path: join(ARTIFACTS, "admin.png"), fullPage: true });

        // Branch from the aligned version.
        await selectVersion(page, u.second);
        await page.locator("form[data-action=branch] input[name=branch]").fill("review");
        await page.locator("form[data-action=branch] textarea[name=note]").fill("a second look");
        await submit(page, "branch");
        const [review] = (await childOf(u.second, 5)).filter((v) => v.branch === "review");
        expect(review).toMatchObject({ branch: "review", note: "a second look", locked: false, parents: [u.second] });
        await page.waitForFunction((r) => document.querySelector("#version-detail .full-uuid")?.textContent === r, review.uuid);
        expect(await page.locator("svg.dag .dag-node").count()).toBe(5);

        // Commit the branch's version, then merge it with the proofreading version: the merge
        // offers the committed versions outside its own line (not its ancestors).
        await page.locator("form[data-action=commit] textarea[name=note]").fill("looked again");
        await submit(page, "commit");
        expect(await bed.client.version(review.uuid).info()).toMatchObject({ locked: true, note: "looked again" });
        await page.waitForSelector("form[data-action=merge]");
        expect(await page.locator("form[data-action=merge] input[name=parents]").evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual([
          u.proof,
          u.merged,
        ]);
        await page.locator(`form[data-action=merge] input[name=parents][value="${u.proof}"]`).check();
        await page.locator("form[data-action=merge] textarea[name=note]").fill("review + proofreading");
        await submit(page, "merge");
        const [merge] = await childOf(review.uuid, 6);
        expect(merge).toMatchObject({ note: "review + proofreading", parents: [review.uuid, u.proof], locked: false });
        await page.waitForFunction((m) => document.querySelector("#version-detail .full-uuid")?.textContent === m, merge.uuid);

        // A new version on the proofreading branch.
        await selectVersion(page, u.proof);
        await page.locator("form[data-action=newversion] textarea[name=note]").fill("more proofreading");
        await submit(page, "newversion");
        const after = await history();
        expect(after.length).toBe(7);
        expect(after.filter((v) => v.parents[0] === u.proof && v.branch === "proofreading")).toMatchObject([
          { note: "more proofreading", locked: false },
        ]);
        expect(await page.locator("svg.dag .dag-node").count()).toBe(7);
        expect(await page.locator("svg.dag .dag-node[data-merge=true]").count()).toBe(2);
        await page.screenshot({ path: join(ARTIFACTS, "admin-after.png"), fullPage: true });

        // The read-only view of the grown DAG, for the README.
        const view = await openConsole(`${bed.url}/?nodes=${bed.readerUrl}#version=${merge.uuid}`);
        await view.page.waitForSelector("#instances table.volumes");
        await view.page.waitForFunction(() => document.querySelectorAll(".node[data-status=checking]").length === 0);
        await view.page.screenshot({ path: join(ARTIFACTS, "console.png"), fullPage: true });
        await view.page.close();

        // What went over the wire: DVID's endpoints, JSON bodies as the API wants them.
        expect(requests.filter((r) => r.startsWith("POST ")).map((r) => r.replace(bed.url, ""))).toEqual([
          `POST /api/node/${u.merged}/commit`,
          `POST /api/node/${u.second}/branch`,
          `POST /api/node/${review.uuid}/commit`,
          `POST /api/repo/${review.uuid}/merge`,
          `POST /api/node/${u.proof}/newversion`,
        ]);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    },
    SLOW,
  );

  withBrowser(
    `shows DVID's refusal in words: a branch name already taken, a commit without a note${skipped}`,
    async () => {
      const u = await uuids();
      const before = await history();
      const { page } = await openConsole(`${bed.url}/?admin=1#version=${u.root}`);
      try {
        await page.locator("form[data-action=branch] input[name=branch]").fill("proofreading");
        await page.locator("form[data-action=branch] textarea[name=note]").fill("again");
        await submit(page, "branch");
        const error = page.locator("form[data-action=branch] .form-error");
        expect(await error.isVisible()).toBe(true);
        expect(await error.textContent()).toBe(
          `DVID answered 400 to POST /api/node/${u.root}/branch: branch already exists with given name (/api/node/${u.root}/branch).`,
        );
        await page.screenshot({ path: join(ARTIFACTS, "error.png"), fullPage: true });

        // A note is asked for before anything is sent.
        await page.locator("form[data-action=newversion] button[type=submit]").click();
        expect(await page.locator("form[data-action=newversion] .form-error").textContent()).toBe("Write a note: it says what this version is.");
        expect(await history()).toEqual(before);
      } finally {
        await page.close();
      }
    },
    SLOW,
  );

  withBrowser(
    `says in words what is wrong with its own URL, and opens links in the viewer ?viewer= names${skipped}`,
    async () => {
      const bad = await openConsole(`${bed.url}/?server=ftp://x&nodes=nope,${bed.readerUrl}&viewer=javascript:alert(1)`);
      try {
        await bad.page.waitForSelector("#instances table.volumes");
        expect(await bad.page.locator(".message-error .message-text").allTextContents()).toEqual([
          'console: ?server must be an http(s) URL such as "http://127.0.0.1:8000"; got "ftp://x"',
          'console: each of ?nodes must be an http(s) URL such as "http://127.0.0.1:8000"; got "nope"',
          `console: ?viewer must be the http(s) URL of neuroglancer's page; got "javascript:alert(1)"`,
        ]);
        expect(await bad.page.locator(".node").evaluateAll((els) => els.map((e) => e.getAttribute("data-url")))).toEqual([bed.url, bed.readerUrl]);
        const href = await bad.page.locator('tr.volume[data-name="grayscale"] a.ng-link').getAttribute("href");
        expect(href!.startsWith(`${bed.url}/ng/#!`)).toBe(true);
      } finally {
        await bad.page.close();
      }
      const good = await openConsole(`${bed.url}/?viewer=${encodeURIComponent("http://127.0.0.1:9/viewer/")}`);
      try {
        await good.page.waitForSelector("#instances table.volumes");
        const href = await good.page.locator('tr.volume[data-name="grayscale"] a.ng-link').getAttribute("href");
        expect(href!.startsWith("http://127.0.0.1:9/viewer/#!")).toBe(true);
        expect(await good.page.locator(".message-error").count()).toBe(0);
      } finally {
        await good.page.close();
      }
    },
    SLOW,
  );

  withBrowser(
    `talks to a DVID on another origin named by ?server=: reads it, is refused writes without a token, and says in words when it cannot reach it${skipped}`,
    async () => {
      const u = await uuids();
      const { page, requests } = await openConsole(`${bed.consoleOnlyUrl}/?server=${bed.url}&admin=1#version=${u.root}`);
      try {
        await page.waitForSelector("#instances table.volumes");
        expect(await page.locator(".repo .repo-alias").textContent()).toBe("fib25");
        const href = await page.locator('tr.volume[data-name="grayscale"] a.ng-link').getAttribute("href");
        expect(href!.startsWith(`${bed.consoleOnlyUrl}/ng/#!`)).toBe(true);
        expect(ngState(href).layers[0].source).toBe(`dvid://${bed.url}/${u.root}/grayscale`);

        await page.locator("form[data-action=branch] input[name=branch]").fill("remote");
        await page.locator("form[data-action=branch] textarea[name=note]").fill("from another origin");
        await submit(page, "branch");
        // A page on another origin may read (the node lists it in corsOrigins) but not write
        // without a token (local-dvid/http/access.ts): the refusal is shown, nothing changes.
        expect(await page.locator("form[data-action=branch] .form-error").textContent()).toContain(
          `DVID answered 403 to POST /api/node/${u.root}/branch: Cross-origin POST from "${bed.consoleOnlyUrl}" refused`,
        );
        expect((await history()).filter((v) => v.branch === "remote")).toEqual([]);
        expect(requests.filter((r) => r.startsWith("POST "))).toEqual([`POST ${bed.url}/api/node/${u.root}/branch`]);
      } finally {
        await page.close();
      }

      const down = await openConsole(`${bed.consoleOnlyUrl}/?server=${bed.deadUrl}`);
      try {
        await down.page.waitForSelector(".message-error");
        expect(await down.page.locator(".message-error .message-text").allTextContents()).toContain(
          `could not reach ${bed.deadUrl} (GET /api/repos/info): Failed to fetch`,
        );
      } finally {
        await down.page.close();
      }
    },
    SLOW,
  );
});
