// neuroglancerUrl and consoleUrl: the viewer state in the fragment as neuroglancer-dvid.md says
// (dvid://scheme://host:port/<uuid>/<instance> sources, `#!<url-encoded JSON>`), bad input refused
// with the option named; and the console's own links.
import { describe, expect, it } from "@jest/globals";
import { boxCentre, consoleUrl, layerTypeFor, neuroglancerUrl } from "../../console/index.js";

const UUID = "0123456789abcdef0123456789abcdef";

function stateOf(url: string): unknown {
  const i = url.indexOf("#!");
  expect(i).toBeGreaterThan(0);
  return JSON.parse(decodeURIComponent(url.slice(i + 2)));
}

describe("neuroglancerUrl", () => {
  it("puts one dvid:// layer per volume in the fragment, at the viewer on the server's /ng/", () => {
    const url = neuroglancerUrl({
      serverUrl: "http://127.0.0.1:8000",
      uuid: UUID,
      layers: [
        { name: "grayscale", type: "image" },
        { name: "labels", type: "segmentation" },
      ],
    });
    expect(url.startsWith("http://127.0.0.1:8000/ng/#!")).toBe(true);
    expect(stateOf(url)).toEqual({
      layers: [
        { type: "image", source: `dvid://http://127.0.0.1:8000/${UUID}/grayscale`, name: "grayscale" },
        { type: "segmentation", source: `dvid://http://127.0.0.1:8000/${UUID}/labels`, name: "labels" },
      ],
      layout: "4panel",
    });
  });

  it("writes the state URL-encoded, so the fragment has no raw quotes, braces or spaces", () => {
    const url = neuroglancerUrl({ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "g", type: "image" }] });
    expect(url.slice(url.indexOf("#!") + 2)).not.toMatch(/["{} ]/);
  });

  it("drops a trailing slash of the server URL and keeps https and default ports as the browser writes them", () => {
    const state = stateOf(neuroglancerUrl({ serverUrl: "https://dvid.example.org/", uuid: UUID, layers: [{ name: "g", type: "image" }] }));
    expect(state).toMatchObject({ layers: [{ source: `dvid://https://dvid.example.org/${UUID}/g` }] });
  });

  it("sets the position (x, y, z voxels), the coordinate space from the voxel size, a viewer and a layout", () => {
    const url = neuroglancerUrl({
      serverUrl: "http://127.0.0.1:8000",
      uuid: `${UUID.slice(0, 6)}:master`,
      layers: [{ name: "g", type: "image" }],
      position: [64, 48, 32.5],
      voxelSize: [8, 8, 40.9],
      viewerBase: "http://127.0.0.1:9999/viewer/index.html",
      layout: "xy",
    });
    expect(url.startsWith("http://127.0.0.1:9999/viewer/index.html#!")).toBe(true);
    expect(stateOf(url)).toEqual({
      dimensions: { x: [8e-9, "m"], y: [8e-9, "m"], z: [40e-9, "m"] },
      position: [64, 48, 32.5],
      layers: [{ type: "image", source: `dvid://http://127.0.0.1:8000/${UUID.slice(0, 6)}:master/g`, name: "g" }],
      layout: "xy",
    });
  });

  it.each([
    [{ serverUrl: "http://h:1/dvid", uuid: UUID, layers: [{ name: "g", type: "image" }] }, "serverUrl must be scheme://host:port only"],
    [{ serverUrl: "ftp://h", uuid: UUID, layers: [{ name: "g", type: "image" }] }, 'serverUrl must be an http(s) URL such as "http://127.0.0.1:8000"; got "ftp://h"'],
    [{ serverUrl: "127.0.0.1:8000", uuid: UUID, layers: [{ name: "g", type: "image" }] }, "serverUrl must be an http(s) URL"],
    [{ serverUrl: "http://h:1?x=1", uuid: UUID, layers: [{ name: "g", type: "image" }] }, "serverUrl must be scheme://host:port only"],
    [{ serverUrl: "http://h:1", uuid: "", layers: [{ name: "g", type: "image" }] }, 'uuid must be a version UUID, prefix or "prefix:branch"'],
    [{ serverUrl: "http://h:1", uuid: "a/b", layers: [{ name: "g", type: "image" }] }, "uuid must be"],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [] }, "layers must list at least one { name, type }; got []"],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "g", type: "volume" }] }, 'layers[0].type must be "image" or "segmentation"; got "volume"'],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "a b", type: "image" }] }, "layers[0].name must be a DVID instance name"],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "g", type: "image" }, { name: "g", type: "image" }] }, 'layers[1].name "g" is listed twice'],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "g", type: "image" }], position: [1, 2] }, "position must be 3 finite numbers [x, y, z]; got [1,2]"],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "g", type: "image" }], position: [1, 2, NaN] }, "position must be 3 finite numbers"],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "g", type: "image" }], voxelSize: [0.5, 8, 8] }, "voxelSize must be at least 1 nm"],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "g", type: "image" }], viewerBase: "/ng/" }, "viewerBase must be an absolute http(s) URL"],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "g", type: "image" }], viewerBase: "http://h:1/ng/#x" }, "viewerBase must be an http(s) URL without a fragment"],
    [{ serverUrl: "http://h:1", uuid: UUID, layers: [{ name: "g", type: "image" }], zoom: 3 }, 'unknown option "zoom"'],
  ])("refuses %j: %s", (options, message) => {
    expect(() => neuroglancerUrl(options as never)).toThrow(`neuroglancerUrl: ${message}`);
  });

  it("picks the layer type by DVID type: image for uint8blk, segmentation for label types, none otherwise", () => {
    expect(["uint8blk", "labelblk", "labelarray", "labelmap", "uint16blk", "keyvalue", "constructor"].map(layerTypeFor)).toEqual([
      "image",
      "segmentation",
      "segmentation",
      "segmentation",
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("puts the centre of an inclusive box half-way between its first voxel and the end of its last", () => {
    expect(boxCentre([0, 0, 0], [127, 95, 63])).toEqual([64, 48, 32]);
    expect(boxCentre([10, -4, 0], [10, 3, 0])).toEqual([10.5, 0, 0.5]);
    expect(() => boxCentre(null as never, [1, 1, 1])).toThrow("boxCentre: minPoint must be 3 finite numbers [x, y, z]; got null");
  });
});

describe("consoleUrl", () => {
  it("names the server, the other nodes, admin mode and the selection", () => {
    const url = new URL(
      consoleUrl({
        base: "http://127.0.0.1:7000/",
        server: "http://10.0.0.1:8000/",
        nodes: ["http://10.0.0.2:8000", "http://10.0.0.3:8000"],
        admin: true,
        repo: UUID,
        version: "abc123",
      }),
    );
    expect(url.origin + url.pathname).toBe("http://127.0.0.1:7000/");
    expect(url.searchParams.get("server")).toBe("http://10.0.0.1:8000");
    expect(url.searchParams.get("nodes")).toBe("http://10.0.0.2:8000,http://10.0.0.3:8000");
    expect(url.searchParams.get("admin")).toBe("1");
    expect(url.hash).toBe(`#repo=${UUID}&version=abc123`);
  });

  it("is just the base when nothing else is asked", () => {
    expect(consoleUrl({ base: "http://127.0.0.1:8000/" })).toBe("http://127.0.0.1:8000/");
  });

  it.each([
    [{ base: "/" }, 'base must be the absolute http(s) URL the console is served at; got "/"'],
    [{ base: "http://h/", server: "http://h/x" }, "server must be scheme://host:port only"],
    [{ base: "http://h/", nodes: "http://a" }, 'nodes must be a list of node URLs; got "http://a"'],
    [{ base: "http://h/", nodes: ["nope"] }, 'nodes[0] must be an http(s) URL such as "http://127.0.0.1:8000"; got "nope"'],
    [{ base: "http://h/", admin: "yes" }, 'admin must be true or false; got "yes"'],
    [{ base: "http://h/", version: "a b" }, "version must be a UUID"],
    [{ base: "http://h/", port: 1 }, 'unknown option "port"'],
  ])("refuses %j: %s", (options, message) => {
    expect(() => consoleUrl(options as never)).toThrow(`consoleUrl: ${message}`);
  });
});
