// The data types local-dvid compiles in: DVID's imageblk types, labelblk and keyvalue, with the
// type URLs and versions DVID reports (dvid-api.md §2 compiled-types, §4.1, Base.TypeVersion).
import { DTYPES, VOXEL_TYPES, type Dtype, type VoxelTypeName } from "../../volume-client/wire/dtype.js";

export type DataTypeName = VoxelTypeName | "keyvalue";

export interface DataTypeInfo {
  readonly name: DataTypeName;
  readonly url: string;
  readonly version: string;
  /** Which handler family serves it. */
  readonly family: "imageblk" | "labelblk" | "keyvalue";
}

export interface VoxelTypeInfo extends DataTypeInfo {
  readonly family: "imageblk" | "labelblk";
  readonly dtype: Dtype;
  readonly bytesPerVoxel: number;
  /** `Extended.Values[0]`. */
  readonly values: readonly { DataType: string; Label: string }[];
  readonly interpolable: boolean;
}

function voxelType(name: VoxelTypeName): VoxelTypeInfo {
  const t = VOXEL_TYPES[name];
  const labelblk = name === "labelblk";
  return Object.freeze({
    name,
    url: labelblk
      ? "github.com/janelia-flyem/dvid/datatype/labelblk"
      : `github.com/janelia-flyem/dvid/datatype/imageblk/${t.dtype}.go`,
    version: labelblk ? "0.1" : "0.2",
    family: labelblk ? "labelblk" : "imageblk",
    dtype: t.dtype,
    bytesPerVoxel: DTYPES[t.dtype].bytesPerVoxel,
    values: Object.freeze([Object.freeze({ DataType: t.dtype, Label: t.label })]),
    interpolable: t.interpolable,
  });
}

export const DATA_TYPES: Readonly<Record<DataTypeName, DataTypeInfo>> = Object.freeze({
  uint8blk: voxelType("uint8blk"),
  uint16blk: voxelType("uint16blk"),
  uint32blk: voxelType("uint32blk"),
  uint64blk: voxelType("uint64blk"),
  float32blk: voxelType("float32blk"),
  labelblk: voxelType("labelblk"),
  keyvalue: Object.freeze({
    name: "keyvalue",
    url: "github.com/janelia-flyem/dvid/datatype/keyvalue",
    version: "0.2",
    family: "keyvalue",
  }),
});

export function isDataTypeName(value: unknown): value is DataTypeName {
  return typeof value === "string" && Object.hasOwn(DATA_TYPES, value);
}

export function isVoxelType(info: DataTypeInfo): info is VoxelTypeInfo {
  return info.family !== "keyvalue";
}
