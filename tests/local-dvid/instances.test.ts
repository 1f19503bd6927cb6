import { beforeAll, describe, expect, it } from "@jest/globals";
import {
  commit,
  expectDvidError,
  newInstance,
  newRepo,
  newVersion,
  rawPath,
  request,
  snapshotStore,
  useCluster,
} from "./server-helpers.js";

const c = useCluster(1);
let repo: string;
beforeAll(async () => {
  repo = await newRepo(c.url);
});

const create = (body: unknown, uuid = repo) => request(`${c.url}/api/repo/${uuid}/instance`, { method: "POST", body: body as object });

describe("POST /api/repo/{uuid}/instance", () => {
  it("creates an instance and answers with DVID's result sentence", async () => {
    const r = await create({ typename: "uint8blk", dataname: "gray" });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ result: `Added gray [uint8blk] to node ${repo}` });
  });

  it("accepts case-insensitive setting names", async () => {
    const r = await create({ TypeName: "uint16blk", DataName: "g16", blocksize: "16,16,16" });
    expect(r.status).toBe(200);
    const info = (await request(`${c.url}/api/node/${repo}/g16/info`)).json();
    expect(info.Extended.BlockSize).toEqual([16, 16, 16]);
  });

  it("refuses a duplicate name in the repo", async () => {
    await newInstance(c.url, repo, "uint8blk", "dup");
    expectDvidError(
      await create({ typename: "labelblk", dataname: "dup" }),
      400,
      `Data named "dup" already exists in repo (root ${repo})`,
      `/api/repo/${repo}/instance`,
    );
  });

  it("refuses DVID's reserved names", async () => {
    for (const name of ["log", "branch", "note", "commit", "newversion"]) {
      expectDvidError(await create({ typename: "uint8blk", dataname: name }), 400, `cannot use reserved name "${name}"`);
    }
  });

  it("refuses unknown types and missing typename or dataname", async () => {
    expectDvidError(await create({ typename: "labelmap", dataname: "x" }), 400, 'Data type "labelmap" is not supported by current DVID server');
    expectDvidError(await create({ dataname: "x" }), 400, "POST on repo endpoint requires specification of valid 'typename'");
    expectDvidError(await create({ typename: "uint8blk" }), 400, "POST on repo endpoint requires specification of valid 'dataname'");
  });

  it("refuses non-string settings with DVID's message", async () => {
    expectDvidError(
      await create({ typename: "uint8blk", dataname: "b1", BlockSize: [32, 32, 32] }),
      400,
      "Setting for 'BlockSize' was not a string: [32 32 32]",
    );
    expectDvidError(await create({ typename: "uint8blk", dataname: "b2", VoxelSize: 8 }), 400, "Setting for 'VoxelSize' was not a string: 8");
  });

  it("accepts versioned as a boolean or a string and refuses anything else", async () => {
    expect((await create({ typename: "keyvalue", dataname: "kv1", versioned: false })).status).toBe(200);
    expect((await create({ typename: "keyvalue", dataname: "kv2", versioned: "0" })).status).toBe(200);
    expectDvidError(await create({ typename: "keyvalue", dataname: "kv3", versioned: "maybe" }), 400, "versioned");
    const info = (await request(`${c.url}/api/node/${repo}/kv1/info`)).json();
    expect(info.Base.Versioned).toBe(false);
  });

  it("refuses malformed JSON and bad geometry settings", async () => {
    expectDvidError(
      await request(`${c.url}/api/repo/${repo}/instance`, { method: "POST", body: "not json" }),
      400,
      "Error decoding POSTed JSON config for 'new'",
    );
    expectDvidError(await create([1, 2]), 400, "cannot unmarshal array");
    expectDvidError(await create({ typename: "uint8blk", dataname: "bs", BlockSize: "32,32" }), 400, "BlockSize");
    expectDvidError(await create({ typename: "uint8blk", dataname: "bs0", BlockSize: "0,32,32" }), 400, "BlockSize");
    expectDvidError(await create({ typename: "uint8blk", dataname: "comp", Compression: "zstd" }), 400, "Illegal compression");
  });

  it("refuses instance creation on a locked node", async () => {
    const r2 = await newRepo(c.url);
    await commit(c.url, r2);
    expectDvidError(await create({ typename: "uint8blk", dataname: "x" }, r2), 400, `New data instance cannot be created on locked node ${r2}`);
  });

  it("makes an instance created on a child visible from its ancestors, where it reads as empty", async () => {
    const r3 = await newRepo(c.url);
    await commit(c.url, r3);
    const child = await newVersion(c.url, r3);
    await newInstance(c.url, child, "uint8blk", "late");
    await request(`${c.url}${rawPath(child, "late", [32, 32, 32], [0, 0, 0])}`, { method: "POST", body: Buffer.alloc(32 ** 3, 9) });
    const fromRoot = await request(`${c.url}${rawPath(r3, "late", [32, 32, 32], [0, 0, 0])}`);
    expect(fromRoot.status).toBe(200);
    expect(fromRoot.body.every((b) => b === 0)).toBe(true);
    const info = (await request(`${c.url}/api/node/${r3}/late/info`)).json();
    expect(info.Base.RepoUUID).toBe(child);
  });
});

describe("instance info", () => {
  it("gives imageblk Base, Extended with defaults and null extents before writes, and top-level Extents", async () => {
    await newInstance(c.url, repo, "uint8blk", "fresh");
    const r = await request(`${c.url}/api/node/${repo}/fresh/info`);
    expect(r.status).toBe(200);
    const info = r.json();
    expect(Object.keys(info)).toEqual(["Base", "Extended", "Extents"]);
    expect(info.Base).toMatchObject({
      TypeName: "uint8blk",
      TypeURL: "github.com/janelia-flyem/dvid/datatype/imageblk/uint8.go",
      TypeVersion: "0.2",
      Name: "fresh",
      RepoUUID: repo,
      Compression: "LZ4 compression, level -1",
      Checksum: "No checksum",
      Syncs: [],
      Versioned: true,
    });
    expect(info.Base.DataUUID).toMatch(/^[0-9a-f]{32}$/);
    expect(info.Extended).toEqual({
      Values: [{ DataType: "uint8", Label: "uint8" }],
      Interpolable: true,
      BlockSize: [32, 32, 32],
      VoxelSize: [8, 8, 8],
      VoxelUnits: ["nanometers", "nanometers", "nanometers"],
      MinPoint: null,
      MaxPoint: null,
      MinIndex: null,
      MaxIndex: null,
      Background: 0,
      GridStore: "",
      ScaleLevel: 0,
    });
    expect(info.Extents).toEqual({ MinPoint: null, MaxPoint: null });
  });

  it("reports the Values of every voxel type", async () => {
    const expected: Record<string, [string, string, boolean]> = {
      uint16blk: ["uint16", "uint16", true],
      uint32blk: ["uint32", "uint32", true],
      uint64blk: ["uint64", "uint64", true],
      float32blk: ["float32", "float32", true],
      labelblk: ["uint64", "labelblk", false],
    };
    for (const [type, [dataType, label, interpolable]] of Object.entries(expected)) {
      await newInstance(c.url, repo, type, `v-${type}`);
      const info = (await request(`${c.url}/api/node/${repo}/v-${type}/info`)).json();
      expect(info.Extended.Values).toEqual([{ DataType: dataType, Label: label }]);
      expect(info.Extended.Interpolable).toBe(interpolable);
    }
  });

  it("gives labelblk no top-level Extents and keyvalue an empty Extended", async () => {
    await newInstance(c.url, repo, "labelblk", "labels");
    await newInstance(c.url, repo, "keyvalue", "files");
    const labels = (await request(`${c.url}/api/node/${repo}/labels/info`)).json();
    expect(Object.keys(labels)).toEqual(["Base", "Extended"]);
    expect(labels.Base.TypeVersion).toBe("0.1");
    const kv = (await request(`${c.url}/api/node/${repo}/files/info`)).json();
    expect(kv).toEqual({ Base: expect.objectContaining({ TypeName: "keyvalue", TypeVersion: "0.2" }), Extended: {} });
  });

  it("grows extents with each write and reports MinIndex/MaxIndex by floor division, negatives included", async () => {
    await newInstance(c.url, repo, "uint8blk", "ext");
    await request(`${c.url}${rawPath(repo, "ext", [32, 32, 32], [-32, 0, 64])}`, { method: "POST", body: Buffer.alloc(32 ** 3, 1) });
    await request(`${c.url}${rawPath(repo, "ext", [64, 32, 32], [32, 32, 0])}`, { method: "POST", body: Buffer.alloc(64 * 32 * 32, 1) });
    const info = (await request(`${c.url}/api/node/${repo}/ext/info`)).json();
    expect(info.Extended.MinPoint).toEqual([-32, 0, 0]);
    expect(info.Extended.MaxPoint).toEqual([95, 63, 95]);
    expect(info.Extended.MinIndex).toEqual([-1, 0, 0]);
    expect(info.Extended.MaxIndex).toEqual([2, 1, 2]);
    expect(info.Extents).toEqual({ MinPoint: [-32, 0, 0], MaxPoint: [95, 63, 95] });
  });

  it("replaces a version's extents with POST extents and describes axes in metadata", async () => {
    await newInstance(c.url, repo, "uint8blk", "meta", { VoxelSize: "4,4,40", VoxelUnits: "nm,nm,nm" });
    const post = await request(`${c.url}/api/node/${repo}/meta/extents`, {
      method: "POST",
      body: { MinPoint: [0, 0, 0], MaxPoint: [99, 49, 9] },
    });
    expect(post.status).toBe(200);
    const meta = await request(`${c.url}/api/node/${repo}/meta/metadata`);
    expect(meta.headers["content-type"]).toBe("application/vnd.dvid-nd-data+json");
    expect(meta.json().Axes).toEqual([
      { Label: "X", Resolution: 4, Units: "nm", Size: 100, Offset: 0 },
      { Label: "Y", Resolution: 4, Units: "nm", Size: 50, Offset: 0 },
      { Label: "Z", Resolution: 40, Units: "nm", Size: 10, Offset: 0 },
    ]);
    expectDvidError(
      await request(`${c.url}/api/node/${repo}/meta/extents`, { method: "POST", body: { MinPoint: "x" } }),
      400,
      "extents must be JSON",
    );
  });

  it("changes VoxelSize with POST resolution", async () => {
    await newInstance(c.url, repo, "uint8blk", "res");
    expect((await request(`${c.url}/api/node/${repo}/res/resolution`, { method: "POST", body: [3.5, 3.5, 30] })).status).toBe(200);
    expect((await request(`${c.url}/api/node/${repo}/res/info`)).json().Extended.VoxelSize).toEqual([3.5, 3.5, 30]);
  });

  it("answers unknown instances with 400 and unknown keywords with DVID's Bad API call text", async () => {
    const before = await snapshotStore(c.store);
    expectDvidError(await request(`${c.url}/api/node/${repo}/nosuchdata/info`), 400, "invalid data instance name");
    const bad = await request(`${c.url}/api/node/${repo}/gray/frobnicate`);
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^Bad API call \(\/api\/node\/[0-9a-f]+\/gray\/frobnicate\) for data "gray"\. {2}See API help at http:\/\/.+\/api\/help\/uint8blk\n$/);
    expectDvidError(await request(`${c.url}/api/node/${repo}/gray/info`, { method: "POST" }), 400, "info endpoint only supports GET");
    expectDvidError(await request(`${c.url}/api/node/${repo}/gray/raw`, { method: "DELETE" }), 400, 'Data "gray" can only handle GET or POST HTTP verbs');
    expect(await snapshotStore(c.store)).toEqual(before);
  });

  it("serves type help from the instance's help keyword", async () => {
    const r = await request(`${c.url}/api/node/${repo}/gray/help`);
    expect(r.status).toBe(200);
    expect(r.text).toContain("uint8blk");
  });
});

describe("stores written by earlier versions of local-dvid", () => {
  it("serves a repo stored in format 1 (per-axis instance fields without the Xyz suffix) and writes it back upgraded", async () => {
    const root = await newRepo(c.url);
    await newInstance(c.url, root, "uint16blk", "old", { BlockSize: "16,32,8", VoxelSize: "4,5,6", VoxelUnits: "nm,um,mm", MinPoint: "1,2,3", MaxPoint: "4,5,6" });
    const before = (await request(`${c.url}/api/node/${root}/old/info`)).json();
    // Rewrite the stored repo as format 1 named the fields.
    const key = (await c.store.list("repos/")).find((k) => k.includes(root)) as string;
    const stored = JSON.parse((await c.store.get(key))!.data.toString("utf8"));
    const renames: [string, string][] = [["blockSizeXyz", "blockSize"], ["voxelSizeXyz", "voxelSize"], ["voxelUnitsXyz", "voxelUnits"], ["initialMinXyz", "initialMinPoint"], ["initialMaxXyz", "initialMaxPoint"]];
    for (const inst of stored.instances) {
      for (const [now, old] of renames) {
        inst[old] = inst[now];
        delete inst[now];
      }
    }
    stored.format = 1;
    await c.store.put(key, Buffer.from(JSON.stringify(stored)));

    expect((await request(`${c.url}/api/node/${root}/old/info`)).json()).toEqual(before);
    expect(before.Extended).toMatchObject({ BlockSize: [16, 32, 8], VoxelSize: [4, 5, 6], VoxelUnits: ["nm", "um", "mm"], MinPoint: [1, 2, 3] });
    const r = await request(`${c.url}${rawPath(root, "old", [16, 32, 8], [0, 0, 0])}`, { method: "POST", body: Buffer.alloc(16 * 32 * 8 * 2, 1) });
    expect(r.status).toBe(200);
    // A metadata change writes the repo back in the current format.
    expect((await request(`${c.url}/api/node/${root}/note`, { method: "POST", body: { note: "upgraded" } })).status).toBe(200);
    const upgraded = JSON.parse((await c.store.get(key))!.data.toString("utf8"));
    expect(upgraded.format).toBe(2);
    expect(upgraded.instances[0]).toMatchObject({ blockSizeXyz: [16, 32, 8], initialMaxXyz: [4, 5, 6] });
    expect(upgraded.instances[0].blockSize).toBeUndefined();
  });
});
