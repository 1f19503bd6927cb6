// The voxel types DVID stores and how they map to JavaScript typed arrays.
// DVID's wire format is little-endian for every multi-byte type (dvid-api.md §1.4); so is every
// platform Node runs on, so a typed array laid over the response bytes is the array, no copy.

/** A voxel data type as numpy names it. */
export type Dtype = "uint8" | "uint16" | "uint32" | "uint64" | "float32";

/** A DVID data type name for a block-based voxel instance. */
export type VoxelTypeName =
  | "uint8blk"
  | "uint16blk"
  | "uint32blk"
  | "uint64blk"
  | "float32blk"
  | "labelblk";

export type TypedArrayFor<D extends Dtype> = D extends "uint8"
  ? Uint8Array
  : D extends "uint16"
    ? Uint16Array
    : D extends "uint32"
      ? Uint32Array
      : D extends "uint64"
        ? BigUint64Array
        : Float32Array;

export type VoxelArray = Uint8Array | Uint16Array | Uint32Array | BigUint64Array | Float32Array;

export interface DtypeInfo {
  readonly dtype: Dtype;
  readonly bytesPerVoxel: number;
  /** The DVID image type that stores this dtype (`labelblk` also stores uint64). */
  readonly imageTypeName: VoxelTypeName;
  /** Builds a typed array over `length` voxels of `buffer` starting at `byteOffset`. */
  view(buffer: ArrayBufferLike, byteOffset: number, length: number): VoxelArray;
  /** Allocates a zeroed typed array of `length` voxels. */
  alloc(length: number): VoxelArray;
}

function info<T extends VoxelArray>(
  dtype: Dtype,
  imageTypeName: VoxelTypeName,
  Ctor: {
    BYTES_PER_ELEMENT: number;
    new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
    new (length: number): T;
  },
): DtypeInfo {
  return Object.freeze({
    dtype,
    bytesPerVoxel: Ctor.BYTES_PER_ELEMENT,
    imageTypeName,
    view: (buffer: ArrayBufferLike, byteOffset: number, length: number) =>
      new Ctor(buffer, byteOffset, length),
    alloc: (length: number) => new Ctor(length),
  });
}

export const DTYPES: Readonly<Record<Dtype, DtypeInfo>> = Object.freeze({
  uint8: info("uint8", "uint8blk", Uint8Array),
  uint16: info("uint16", "uint16blk", Uint16Array),
  uint32: info("uint32", "uint32blk", Uint32Array),
  uint64: info("uint64", "uint64blk", BigUint64Array),
  float32: info("float32", "float32blk", Float32Array),
});

/** What each DVID voxel type stores; `Label` is the value of `Extended.Values[0].Label`. */
export const VOXEL_TYPES: Readonly<
  Record<VoxelTypeName, { dtype: Dtype; label: string; interpolable: boolean }>
> = Object.freeze({
  uint8blk: { dtype: "uint8", label: "uint8", interpolable: true },
  uint16blk: { dtype: "uint16", label: "uint16", interpolable: true },
  uint32blk: { dtype: "uint32", label: "uint32", interpolable: true },
  uint64blk: { dtype: "uint64", label: "uint64", interpolable: true },
  float32blk: { dtype: "float32", label: "float32", interpolable: true },
  labelblk: { dtype: "uint64", label: "labelblk", interpolable: false },
});

export function isDtype(value: unknown): value is Dtype {
  return typeof value === "string" && Object.hasOwn(DTYPES, value);
}

export function isVoxelTypeName(value: unknown): value is VoxelTypeName {
  return typeof value === "string" && Object.hasOwn(VOXEL_TYPES, value);
}

/** The dtype whose typed array `array` is, or undefined for any other object. */
export function dtypeOfArray(array: unknown): Dtype | undefined {
  if (array instanceof Uint8Array) return "uint8";
  if (array instanceof Uint16Array) return "uint16";
  if (array instanceof Uint32Array) return "uint32";
  if (array instanceof BigUint64Array) return "uint64";
  if (array instanceof Float32Array) return "float32";
  return undefined;
}
