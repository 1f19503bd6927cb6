// Instance info JSON as DVID emits it (dvid-api.md §4.2): `Base` for every type; `Extended` with
// Go's embedded-struct fields flattened for image and label types; keyvalue's `Extended` is {}.
import { DATA_TYPES, isVoxelType, type VoxelTypeInfo } from "../types/data-types.js";
import type { Extents } from "../voxels/extents.js";
import type { InstanceMeta } from "./repo-meta.js";

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

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

export function voxelExtendedJson(inst: InstanceMeta, type: VoxelTypeInfo, extents: Extents | undefined): Record<string, unknown> {
  const block = inst.blockSize as [number, number, number];
  const index = (p: readonly number[]): number[] => p.map((v, i) => floorDiv(v, block[i]));
  return {
    Values: type.values,
    Interpolable: type.interpolable,
    BlockSize: block,
    VoxelSize: inst.voxelSize,
    VoxelUnits: inst.voxelUnits,
    MinPoint: extents ? extents.min : null,
    MaxPoint: extents ? extents.max : null,
    MinIndex: extents ? index(extents.min) : null,
    MaxIndex: extents ? index(extents.max) : null,
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

/** The legacy `MinPoint`/`MaxPoint` config as extents, if given. */
export function initialExtents(inst: InstanceMeta): Extents | undefined {
  return inst.initialMinPoint && inst.initialMaxPoint ? { min: inst.initialMinPoint, max: inst.initialMaxPoint } : undefined;
}
