// Version.neuroglancerUrl(): the viewer link of a version's volumes, built from each volume's info
// over real HTTP (a writer and a reader of local-dvid on one store), read back by decoding the
// neuroglancer state in the URL's fragment.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { connect, type DvidClient, type Version } from "../../volume-client/index.js";
import { expectRejectCode } from "./helpers/expect-error.js";
import { startTestCluster, type TestCluster } from "./helpers/test-cluster.js";

let cluster: TestCluster;
let client: DvidClient;
let repo: Version;
let uuid: string;

interface State {
  dimensions?: Record<string, [number, string]>;
  position?: number[];
  layers: { type: string; source: string; name: string }[];
  layout: string;
}

/** The viewer's page and the decoded JSON state of a neuroglancer URL. */
function decode(url: string): { base: string; state: State } {
  const at = url.indexOf("#!");
  expect(at).toBeGreaterThan(0);
  return { base: url.slice(0, at), state: JSON.parse(decodeURIComponent(url.slice(at + 2))) as State };
}

beforeAll(async () => {
  cluster = await startTestCluster({ readers: 1 });
  client = connect(cluster.endpoints, { adminToken: cluster.adminToken });
  repo = await client.createRepo({ alias: `ng-url-${Date.now()}` });
  uuid = await repo.uuid();
  // x 64..127, y 32..95, z 0..31 (inclusive): centre (96, 64, 16).
  const grey = await repo.createVolume("grey", "uint8", { voxelSizeZyx: [40, 8, 8] });
  await grey.write([0, 32, 64], ndarray(new Uint8Array(32 * 64 * 64).fill(7), [32, 64, 64]));
  const labels = await repo.createVolume("seg", "uint64", { labels: true });
  await labels.write([0, 0, 0], ndarray(new BigUint64Array(32 * 32 * 32).fill(5n), [32, 32, 32]));
  await repo.createVolume("empty", "uint8");
  await repo.createVolume("wide", "uint16");
  await repo.createKeyValue("files");
});

afterAll(async () => {
  client?.close();
  await cluster?.close();
});

describe("Version.neuroglancerUrl()", () => {
  it("shows uint8blk as an image and labelblk as a segmentation, on the writer, centred on the first volume", async () => {
    const { base, state } = decode(await repo.neuroglancerUrl(["grey", "seg"]));
    const writer = cluster.endpoints.writer.replace(/\/$/, "");
    expect(base).toBe(`${writer}/ng/`);
    expect(state.layers).toEqual([
      { type: "image", source: `dvid://${writer}/${uuid}/grey`, name: "grey" },
      { type: "segmentation", source: `dvid://${writer}/${uuid}/seg`, name: "seg" },
    ]);
    expect(state.position).toEqual([96, 64, 16]);
    expect(state.dimensions).toEqual({ x: [8e-9, "m"], y: [8e-9, "m"], z: [4e-8, "m"] });
  });

  it("takes { name, type } entries, a server URL, a viewer page and a ZYX position", async () => {
    const { base, state } = decode(
      await repo.neuroglancerUrl([{ name: "seg", type: "segmentation" }, "grey"], {
        serverUrl: "http://dvid.example.org:8000/",
        viewerBase: "https://viewer.example.org/ng/",
        positionZyx: [1, 2, 3],
      }),
    );
    expect(base).toBe("https://viewer.example.org/ng/");
    expect(state.layers.map((l) => [l.name, l.type, l.source])).toEqual([
      ["seg", "segmentation", `dvid://http://dvid.example.org:8000/${uuid}/seg`],
      ["grey", "image", `dvid://http://dvid.example.org:8000/${uuid}/grey`],
    ]);
    expect(state.position).toEqual([3, 2, 1]);
  });

  it("names the version by its full UUID when asked through a branch reference", async () => {
    const { state } = decode(await client.version(`${uuid.slice(0, 8)}:master`).neuroglancerUrl(["grey"]));
    expect(state.layers[0].source).toMatch(new RegExp(`/${uuid}/grey$`));
  });

  it("leaves the position to neuroglancer when the first volume holds no data yet", async () => {
    const { state } = decode(await repo.neuroglancerUrl(["empty", "grey"]));
    expect(state.position).toBeUndefined();
    expect(state.layers.map((l) => l.name)).toEqual(["empty", "grey"]);
  });

  it.each([
    [[], "volumes must list at least one volume"],
    [["grey", 3], "volumes[1] must be a volume name or { name, type }"],
    [[{ name: "grey", type: "labels" }], 'volumes[0].type must be "image" or "segmentation"'],
    [[{ name: "grey", type: "segmentation" }], 'volumes[0].type is "segmentation" but "grey" is a uint8blk, which neuroglancer shows as image'],
    [["wide"], 'volume "wide" is a uint16blk, which neuroglancer\'s dvid:// source cannot show'],
    [["files"], 'instance "files" is of type "keyvalue", not a voxel volume'],
  ])("refuses %j with a message naming what was wrong", async (volumes, message) => {
    const err = await expectRejectCode(repo.neuroglancerUrl(volumes as never), "INVALID_ARGUMENT");
    expect(err.message).toContain(message);
  });

  it("says which volume does not exist (the server's answer to its info request, as Volume.info() gives it)", async () => {
    const err = await expectRejectCode(repo.neuroglancerUrl(["grey", "nowhere"]), "HTTP_ERROR");
    expect(err.message).toContain("/nowhere/info");
  });

  it.each([
    [{ serverUrl: "http://host:8000/some/path" }, "serverUrl must be scheme://host:port only"],
    [{ viewerBase: "not a url" }, "viewerBase must be an absolute http(s) URL"],
    [{ positionZyx: [1, 2] }, "positionZyx must be 3 numbers (ZYX)"],
    [{ zoom: 2 }, "zoom"],
  ])("refuses the options %j, saying what is expected", async (options, message) => {
    const err = await expectRejectCode(repo.neuroglancerUrl(["grey"], options as never), "INVALID_ARGUMENT");
    expect(err.message).toContain(message);
  });
});
