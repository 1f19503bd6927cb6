// The gcp driver (Pulumi, @pulumi/gcp, the infra program) is loaded only when target "gcp" is
// used: a local cluster's round trip must not pay for it. Each case runs in a fresh process
// that records every module it resolves (fixtures/record-modules.mjs explains how).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const recorder = new URL("./fixtures/record-modules.mjs", import.meta.url).href;
const script = fileURLToPath(new URL("./fixtures/local-round-trip.ts", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await createTempDir("lazy-load");
});
afterAll(async () => {
  await removeTempDir(dir);
});

function run(mode: "local" | "gcp"): { esm: string[]; cjs: string[] } {
  const log = join(dir, `${mode}-modules.log`);
  const r = spawnSync(process.execPath, ["--import", "tsx", "--import", recorder, script, mode, join(dir, `${mode}-state`)], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, DVIDCLOUD_TEST_MODULE_LOG: log },
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  const esm = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const { cjs } = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { cjs: string[] };
  return { esm, cjs };
}

const pulumi = (urls: string[]) => urls.filter((u) => u.includes("/node_modules/@pulumi/"));
const ours = (urls: string[], folder: string) => urls.filter((u) => u.startsWith(`file://${root}${folder}/`));

describe("loading the gcp driver", () => {
  it("a local withCluster round trip loads no module under @pulumi/ and nothing of infra/ or automation/gcp/", () => {
    const { esm, cjs } = run("local");
    expect(ours(esm, "local-dvid").length).toBeGreaterThan(0); // the recorder saw the round trip's modules
    expect(pulumi(esm)).toEqual([]);
    expect(cjs).toEqual([]);
    expect(ours(esm, "infra")).toEqual([]);
    expect(ours(esm, "automation/gcp")).toEqual([]);
  }, 90_000);

  it("an up on the gcp target loads them (so the check above would see them)", () => {
    const { esm } = run("gcp");
    expect(pulumi(esm).some((u) => u.includes("/@pulumi/pulumi/"))).toBe(true);
    expect(ours(esm, "infra").length).toBeGreaterThan(0);
  }, 90_000);
});
