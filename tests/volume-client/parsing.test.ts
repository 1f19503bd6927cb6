import { describe, expect, it } from "@jest/globals";
import { parseRepoInfo } from "../../volume-client/repo-info.js";
import { parseVolumeInfo } from "../../volume-client/volume-info.js";
import { checkVersionRef, isStableRef } from "../../volume-client/version-ref.js";
import { isVolumeClientError } from "../../volume-client/errors.js";

const A = "a".repeat(32);
const B = "b".repeat(32);
const C = "c".repeat(32);

describe("parseRepoInfo", () => {
  it("maps DVID's server-local VersionIDs to UUIDs and the empty master branch name to master", () => {
    const repo = parseRepoInfo(
      {
        Root: A,
        Alias: "fib",
        Description: "d",
        Log: [],
        Properties: {},
        DataInstances: { gray: { Base: { TypeName: "uint8blk", Name: "gray", RepoUUID: A, Versioned: true } } },
        DAG: {
          Root: A,
          Nodes: {
            [C]: { Branch: "dev", Note: "", Log: [], UUID: C, VersionID: 7, Locked: false, Parents: [3], Children: [] },
            [A]: { Branch: "", Note: "root", Log: null, UUID: A, VersionID: 3, Locked: true, Parents: [], Children: [9, 7] },
            [B]: { Branch: "", Note: "", Log: [], UUID: B, VersionID: 9, Locked: false, Parents: [3], Children: [] },
          },
        },
      },
      "test",
    );
    expect(repo.versions.map((v) => v.uuid)).toEqual([A, C, B]);
    expect(repo.versions[0]).toMatchObject({ branch: "master", locked: true, parents: [], children: [B, C], note: "root", log: [] });
    expect(repo.versions[1]).toMatchObject({ branch: "dev", parents: [A] });
    expect(repo.instances).toEqual([{ name: "gray", typeName: "uint8blk", createdIn: A, versioned: true }]);
  });

  it("rejects a DAG that names a VersionID no node has", () => {
    let caught: unknown;
    try {
      parseRepoInfo({ Root: A, DAG: { Nodes: { [A]: { UUID: A, VersionID: 1, Parents: [5] } } } }, "test");
    } catch (err) {
      caught = err;
    }
    expect(isVolumeClientError(caught, "HTTP_ERROR")).toBe(true);
  });
});

describe("parseVolumeInfo", () => {
  it("turns x-first sizes into ZYX and inclusive MinPoint/MaxPoint into a half-open box", () => {
    const info = parseVolumeInfo(
      {
        Base: { TypeName: "uint16blk", Name: "v", RepoUUID: A, Versioned: true },
        Extended: { BlockSize: [64, 32, 16], VoxelSize: [4, 5, 6], VoxelUnits: ["nm", "um", "mm"], MinPoint: null, MaxPoint: null },
        Extents: { MinPoint: [-5, 0, 10], MaxPoint: [63, 31, 15] },
      },
      "test",
    );
    expect(info).toMatchObject({
      dtype: "uint16",
      blockSizeZyx: [16, 32, 64],
      voxelSizeZyx: [6, 5, 4],
      voxelUnitsZyx: ["mm", "um", "nm"],
      extentsZyx: [[10, 16], [0, 32], [-5, 64]],
    });
  });

  it("reports no extents before the first write and uint64 for labelblk", () => {
    const info = parseVolumeInfo({ Base: { TypeName: "labelblk" }, Extended: { BlockSize: [32, 32, 32], MinPoint: null, MaxPoint: null } }, "t");
    expect(info.extentsZyx).toBeUndefined();
    expect(info.dtype).toBe("uint64");
  });

  it("refuses an instance that is not a voxel type", () => {
    let caught: unknown;
    try {
      parseVolumeInfo({ Base: { TypeName: "keyvalue", Name: "files" }, Extended: {} }, "t");
    } catch (err) {
      caught = err;
    }
    expect(isVolumeClientError(caught, "INVALID_ARGUMENT")).toBe(true);
  });
});

describe("checkVersionRef", () => {
  it("accepts a UUID, a prefix and prefix:branch with an optional ~N", () => {
    for (const ref of [A, "ab", "ab:master", ":master", "ab:dev~2"]) expect(checkVersionRef(ref)).toBe(ref);
    expect(isStableRef("ab")).toBe(true);
    expect(isStableRef("ab:master")).toBe(false);
  });

  it("rejects empty references, paths, several colons and bad branch specs", () => {
    for (const ref of ["", "a/b", "a:b:c", "ab:", "ab:~1", "a b", 5]) {
      let caught: unknown;
      try {
        checkVersionRef(ref);
      } catch (err) {
        caught = err;
      }
      expect(isVolumeClientError(caught, "INVALID_ARGUMENT")).toBe(true);
    }
  });
});
