// Parsing `GET /api/node/{uuid}/{name}/info` for voxel instances (dvid-api.md §4.2). DVID gives
// points and sizes x first and extents as inclusive `MinPoint`/`MaxPoint` (or null before the
// first write); here they become ZYX and a half-open box.
import { VolumeClientError } from "./errors.js";
import { isTriple } from "./checks.js";
import { isVoxelTypeName, VOXEL_TYPES, type Dtype } from "./wire/dtype.js";
import { xyzToZyx, type BoxZyx, type Xyz, type Zyx } from "./wire/geometry.js";

/** Instance types whose `raw` endpoint serves uint64 labels besides `labelblk`. */
const LABEL_TYPES: Readonly<Record<string, Dtype>> = { labelmap: "uint64", labelarray: "uint64" };

export interface VolumeInfo {
  readonly name: string;
  /** DVID type name: `uint8blk` … `float32blk`, `labelblk` (also `labelmap`, `labelarray`). */
  readonly typeName: string;
  readonly dtype: Dtype;
  /** Block size, the unit of alignment for writes, ZYX voxels. */
  readonly blockSizeZyx: Zyx;
  /** Physical voxel size, ZYX. */
  readonly voxelSizeZyx: Zyx;
  readonly voxelUnitsZyx: readonly [string, string, string];
  /**
   * Half-open bounding box of everything written so far (at this version for image types;
   * instance-wide for labelblk, as DVID keeps it), or undefined before the first write.
   */
  readonly extentsZyx: BoxZyx | undefined;
  readonly versioned: boolean;
  /** UUID of the version where the instance was created. */
  readonly createdIn: string;
}

interface Extents {
  MinPoint?: number[] | null;
  MaxPoint?: number[] | null;
}

interface DvidVoxelInfo {
  Base?: { TypeName?: string; Name?: string; RepoUUID?: string; Versioned?: boolean };
  Extended?: Extents & {
    Values?: { DataType?: string }[];
    BlockSize?: number[];
    VoxelSize?: number[];
    VoxelUnits?: string[];
  };
  Extents?: Extents;
}

function dtypeOfTypeName(typeName: string): Dtype | undefined {
  if (isVoxelTypeName(typeName)) return VOXEL_TYPES[typeName].dtype;
  return LABEL_TYPES[typeName];
}

export function parseVolumeInfo(json: unknown, source: string): VolumeInfo {
  const info = json as DvidVoxelInfo;
  const typeName = info?.Base?.TypeName ?? "";
  const dtype = dtypeOfTypeName(typeName);
  if (!dtype) {
    throw new VolumeClientError(
      "INVALID_ARGUMENT",
      `${source}: instance "${info?.Base?.Name ?? "?"}" is of type "${typeName}", not a voxel volume (uint8blk … float32blk, labelblk, labelmap, labelarray)`,
    );
  }
  const ext = info.Extended ?? {};
  if (!isTriple(ext.BlockSize, Number.isFinite)) {
    throw new VolumeClientError("HTTP_ERROR", `${source}: Extended.BlockSize is missing or not [x, y, z]`);
  }
  const extents: Extents = info.Extents ?? ext;
  const min = extents.MinPoint;
  const max = extents.MaxPoint;
  const extentsZyx: BoxZyx | undefined =
    isTriple(min, Number.isFinite) && isTriple(max, Number.isFinite)
      ? [
          [min[2], max[2] + 1],
          [min[1], max[1] + 1],
          [min[0], max[0] + 1],
        ]
      : undefined;
  const units = Array.isArray(ext.VoxelUnits) && ext.VoxelUnits.length === 3 ? ext.VoxelUnits : ["", "", ""];
  return {
    name: info.Base?.Name ?? "",
    typeName,
    dtype,
    blockSizeZyx: xyzToZyx(ext.BlockSize as Xyz),
    voxelSizeZyx: isTriple(ext.VoxelSize, Number.isFinite) ? xyzToZyx(ext.VoxelSize as Xyz) : [0, 0, 0],
    voxelUnitsZyx: [units[2], units[1], units[0]],
    extentsZyx,
    versioned: info.Base?.Versioned !== false,
    createdIn: info.Base?.RepoUUID ?? "",
  };
}
