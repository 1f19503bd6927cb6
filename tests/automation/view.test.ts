// `dvidcloud view NAME [--version REF]` on a real local cluster: the console and neuroglancer links
// point at the writer, which serves both; the neuroglancer state names the version's volumes with
// the right layer types and is centred on the first volume.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { EXIT, up } from "../../automation/index.js";
import { connect } from "../../volume-client/index.js";
import { removeLocalStateDir, runCliCaptured } from "../helpers/local-clusters.js";
import { createTempDir } from "../helpers/temp-dir.js";

const cli = runCliCaptured;

let stateDir: string;
let writer: string;
let root: string;
let child: string;

beforeAll(async () => {
  stateDir = await createTempDir("view");
  const cluster = await up({ name: "view-a", nodes: 2, local: { stateDir, detached: true } });
  writer = cluster.endpoints.writer;
  const client = connect({ writer: cluster.endpoints.writer, readers: [...cluster.endpoints.readers] });
  const repo = await client.createRepo({ alias: "viewed" });
  root = await repo.uuid();
  const gray = await repo.createVolume("grayscale", "uint8", { blockSizeZyx: [32, 32, 32] });
  await gray.write([0, 0, 0], ndarray(new Uint8Array(32 * 64 * 96).fill(7), [32, 64, 96]));
  await gray.buildPyramid({ levels: 1 });
  await repo.createVolume("labels", "uint64", { labels: true, blockSizeZyx: [32, 32, 32] });
  await repo.createKeyValue("files");
  await repo.commit("first");
  child = await (await repo.newVersion()).uuid();
  client.close();
}, 120_000);

afterAll(async () => {
  await removeLocalStateDir(stateDir);
});

function ngState(url: string): { layers: { type: string; source: string; name: string }[]; position?: number[] } {
  return JSON.parse(decodeURIComponent(url.split("#!")[1]));
}

describe("dvidcloud view", () => {
  it("prints the writer's console and a neuroglancer link of the master leaf with its volumes, images first, pyramid levels left to the viewer", async () => {
    const r = await cli(["view", "view-a", "--state-dir", stateDir]);
    expect(r.code).toBe(EXIT.ok);
    const consoleLine = /console: +(\S+)/.exec(r.out)?.[1];
    const ngLine = /neuroglancer: +(\S+)/.exec(r.out)?.[1];
    expect(consoleLine?.startsWith(`${writer}/`)).toBe(true);
    expect(consoleLine).toContain(`version=${child}`);
    expect(ngLine?.startsWith(`${writer}/ng/#!`)).toBe(true);
    const state = ngState(ngLine!);
    expect(state.layers).toEqual([
      { type: "image", source: `dvid://${writer}/${child}/grayscale`, name: "grayscale" },
      { type: "segmentation", source: `dvid://${writer}/${child}/labels`, name: "labels" },
    ]);
    expect(state.position).toEqual([48, 32, 16]);
    // The writer serves both pages.
    expect((await fetch(consoleLine!)).status).toBe(200);
    expect((await fetch(`${writer}/ng/`)).status).toBe(200);
  });

  it("shows the version --version names, and refuses one no repo has", async () => {
    const r = await cli(["view", "view-a", "--state-dir", stateDir, "--version", root.slice(0, 10), "--json"]);
    expect(r.code).toBe(EXIT.ok);
    const links = JSON.parse(r.out);
    expect(links.version).toBe(root.slice(0, 10));
    expect(ngState(links.neuroglancerUrl).layers[0].source).toBe(`dvid://${writer}/${root.slice(0, 10)}/grayscale`);
    const bad = await cli(["view", "view-a", "--state-dir", stateDir, "--version", "ffffffffffff"]);
    expect(bad.code).not.toBe(EXIT.ok);
    expect(bad.err).toMatch(/--version ffffffffffff: no version of any repo starts with "ffffffffffff"/);
  });
});
