// Instance info JSON as DVID emits it (dvid-api.md §4.2): `Base` for every type; `Extended` with
// Go's embedded-struct fields flattened for image and label types; keyvalue's `Extended` is {}.
import { floorDiv } from "../../volume-client/wire/block-grid.js";
import type { InstanceMeta } from "../meta/repo-meta.js";
import { DATA_TYPES, isVoxelType, type VoxelTypeInfo } from "../types/data-types.js";
import type { Extents } from "../voxels/extents.js";

export function baseJson(inst: InstanceMeta, storeName: string): Record<string, unknown> {
  const type = DATA_TYPES[inst.typeName];
  return {
    TypeName: type.name,
    TypeURL: type.url,
    TypeVersion: type.version,
    DataUUID: inst.dataUUID,
    Name: inst.name,
    RepoUUID: inst.repoUUID,
    Compression: inst.compression,
    Checksum: inst.checksum,
    Syncs: [],
    Versioned: inst.versioned,
    KVStore: `${storeName} (local-dvid object store)`,
    LogStore: "no mutation log set",
    Tags: inst.tags,
  };
}

export function voxelExtendedJson(inst: InstanceMeta, type: VoxelTypeInfo, extents: Extents | undefined): Record<string, unknown> {
  const blockSizeXyz = inst.blockSizeXyz as [number, number, number];
  const index = (pointXyz: readonly number[]): number[] => pointXyz.map((v, i) => floorDiv(v, blockSizeXyz[i]));
  return {
    Values: type.values,
    Interpolable: type.interpolable,
    BlockSize: blockSizeXyz,
    VoxelSize: inst.voxelSizeXyz,
    VoxelUnits: inst.voxelUnitsXyz,
    MinPoint: extents ? extents.minXyz : null,
    MaxPoint: extents ? extents.maxXyz : null,
    MinIndex: extents ? index(extents.minXyz) : null,
    MaxIndex: extents ? index(extents.maxXyz) : null,
    Background: inst.background ?? 0,
    GridStore: "",
    ScaleLevel: 0,
  };
}

/** `{Base, Extended}`: the value under `DataInstances` in repo info. */
export function instanceJson(inst: InstanceMeta, storeName: string, extents: Extents | undefined): Record<string, unknown> {
  const type = DATA_TYPES[inst.typeName];
  return {
    Base: baseJson(inst, storeName),
    Extended: isVoxelType(type) ? voxelExtendedJson(inst, type, extents) : {},
  };
}
