// Turning what a caller passes to `write()` (any ndarray view, or a typed array with a shape)
// into C-order bytes in DVID's wire layout (x fastest, little-endian: dvid-api.md §1.4). A view
// that already is C-contiguous is used in place (read only); any other is copied once. The
// caller's array is never written to.
import type ndarray from "ndarray";
import { VolumeClientError, invalidArgument } from "./errors.js";
import { DTYPES, dtypeOfArray, type Dtype, type TypedArrayFor, type VoxelArray } from "./wire/dtype.js";
import type { Zyx } from "./wire/geometry.js";
import { bytesOf } from "./voxel-copy.js";
import { describe, isTriple } from "./checks.js";

/** A typed array with its ZYX shape, C order (x fastest), as an alternative to an ndarray. */
export interface ShapedArray<D extends Dtype = Dtype> {
  readonly data: TypedArrayFor<D>;
  readonly shape: Zyx | readonly number[];
}

/** An ndarray over the typed array of dtype `D` (BigUint64Array for uint64). */
export type VoxelNdArray<D extends Dtype = Dtype> = ndarray.NdArray<TypedArrayFor<D> & ndarray.Data>;

/** What `Volume.write()` accepts: an ndarray view of any strides, or a shaped typed array. */
export type WritableArray<D extends Dtype = Dtype> = VoxelNdArray<D> | ShapedArray<D>;

interface ContiguousArray {
  /** The element type of the caller's array. */
  readonly dtype: Dtype;
  readonly shapeZyx: Zyx;
  /** C-order voxel bytes; may share memory with the caller's array and must not be written. */
  readonly bytes: Uint8Array;
  /** True when `bytes` is the caller's own memory (no copy was needed). */
  readonly shared: boolean;
}

function isNdarrayLike(v: object): v is { data: unknown; shape: number[]; stride: number[]; offset: number } {
  const o = v as Record<string, unknown>;
  return Array.isArray(o.shape) && Array.isArray(o.stride) && typeof o.offset === "number" && "data" in o;
}

function checkShape(shape: unknown, what: string): Zyx {
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new VolumeClientError(
      "SHAPE_MISMATCH",
      `${what} must be 3-D with shape [nz, ny, nx]; got shape ${describe(shape)}`,
    );
  }
  if (!isTriple(shape, (n) => Number.isInteger(n) && n >= 0)) {
    throw new VolumeClientError("SHAPE_MISMATCH", `${what} has an invalid shape ${describe(shape)}; expected 3 non-negative integers`);
  }
  if (shape.some((n) => n === 0)) throw invalidArgument(`${what} is empty: shape ${describe(shape)}`);
  return [shape[0], shape[1], shape[2]];
}

function checkDtype(data: unknown, expected: Dtype | undefined, what: string): VoxelArray {
  const got = dtypeOfArray(data);
  if (got === undefined) {
    throw new VolumeClientError(
      "DTYPE_MISMATCH",
      `${what} must hold ${expected ? `${expected} voxels (a ${typedArrayName(expected)})` : `a typed array of a volume dtype (${Object.values(DTYPES).map((d) => typedArrayName(d.dtype)).join(", ")})`}; got ${describe(data)}`,
    );
  }
  if (expected !== undefined) checkArrayDtype(got, expected, what);
  return data as VoxelArray;
}

function typedArrayName(dtype: Dtype): string {
  return DTYPES[dtype].alloc(0).constructor.name;
}

/** Throws DTYPE_MISMATCH unless the array's element type `got` is the volume's `expected`. */
export function checkArrayDtype(got: Dtype, expected: Dtype, what: string): void {
  if (got !== expected) {
    throw new VolumeClientError(
      "DTYPE_MISMATCH",
      `${what} must hold ${expected} voxels (a ${typedArrayName(expected)}) to match the volume; got ${got} (a ${typedArrayName(got)})`,
    );
  }
}

/**
 * Validates `input` (its shape, its element type, and that type against `expected` when the
 * volume's dtype is known) and returns its C-order bytes. Needs no request: a bad array is
 * refused before any is sent.
 */
export function toContiguous(input: unknown, expected: Dtype | undefined, what: string, inPlaceOnly = false): ContiguousArray {
  if (input === null || typeof input !== "object") {
    throw invalidArgument(`${what} must be an ndarray or { data, shape }; got ${describe(input)}`);
  }
  if (ArrayBuffer.isView(input)) {
    throw new VolumeClientError(
      "SHAPE_MISMATCH",
      `${what} is a bare ${describe(input)} without a shape; pass ndarray(data, [nz, ny, nx]) or { data, shape }`,
    );
  }
  if (isNdarrayLike(input)) {
    const data = checkDtype(input.data, expected, what);
    const shape = checkShape(input.shape, what);
    return fromView(data, shape, input.stride, input.offset, what, inPlaceOnly);
  }
  const o = input as Record<string, unknown>;
  if (!("data" in o) || !("shape" in o)) {
    throw invalidArgument(`${what} must be an ndarray or { data, shape }; got ${describe(input)}`);
  }
  const data = checkDtype(o.data, expected, what);
  const shape = checkShape(o.shape, what);
  const size = shape[0] * shape[1] * shape[2];
  if (data.length !== size) {
    throw new VolumeClientError(
      "SHAPE_MISMATCH",
      `${what}: data holds ${data.length} voxels but shape ${describe(shape)} needs ${size}`,
    );
  }
  return { dtype: dtypeOfArray(data)!, shapeZyx: shape, bytes: bytesOf(data), shared: true };
}

/** With `inPlaceOnly`, a view that is not C-contiguous is not copied: it comes back `shared: false` with no bytes. */
function fromView(data: VoxelArray, shape: Zyx, stride: number[], offset: number, what: string, inPlaceOnly: boolean): ContiguousArray {
  if (stride.length !== 3 || !stride.every((s) => Number.isInteger(s)) || !Number.isInteger(offset)) {
    throw new VolumeClientError("SHAPE_MISMATCH", `${what} has an invalid stride ${describe(stride)}`);
  }
  // The lowest and highest element the view touches must lie inside its data.
  let lo = offset;
  let hi = offset;
  for (let a = 0; a < 3; a++) {
    const reach = stride[a] * (shape[a] - 1);
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  if (lo < 0 || hi >= data.length) {
    throw new VolumeClientError(
      "SHAPE_MISMATCH",
      `${what}: the view (shape ${describe(shape)}, stride ${describe(stride)}, offset ${offset}) reaches elements ${lo}..${hi} of data of length ${data.length}`,
    );
  }
  const size = shape[0] * shape[1] * shape[2];
  const cStride = [shape[1] * shape[2], shape[2], 1];
  const contiguous = stride.every((s, a) => shape[a] === 1 || s === cStride[a]);
  const dtype = dtypeOfArray(data)!;
  if (contiguous) return { dtype, shapeZyx: shape, bytes: bytesOf(data.subarray(offset, offset + size)), shared: true };
  if (inPlaceOnly) return { dtype, shapeZyx: shape, bytes: new Uint8Array(0), shared: false };

  const out = DTYPES[dtype].alloc(size);
  const [nz, ny, nx] = shape;
  const [sz, sy, sx] = stride;
  let i = 0;
  if (sx === 1) {
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++, i += nx) {
        const start = offset + z * sz + y * sy;
        (out as Uint8Array).set((data as Uint8Array).subarray(start, start + nx), i);
      }
    }
  } else {
    const src = data as unknown as number[];
    const dst = out as unknown as number[];
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        let j = offset + z * sz + y * sy;
        for (let x = 0; x < nx; x++, j += sx) dst[i++] = src[j];
      }
    }
  }
  return { dtype, shapeZyx: shape, bytes: bytesOf(out), shared: false };
}

/**
 * Validates the `out` array of a read: a volume dtype (also the volume's, when the handle already
 * knows it), exactly the box's shape, C-order contiguous so the read fills its memory in place.
 * Returns the bytes the read fills. Needs no request.
 */
export function checkOutArray(out: unknown, box: readonly (readonly [number, number])[], expected: Dtype | undefined): ContiguousArray {
  const what = "Volume.read(): out";
  const array = toContiguous(out, expected, what, true);
  const want = box.map(([a, b]) => b - a);
  if (array.shapeZyx.some((n, a) => n !== want[a])) {
    throw new VolumeClientError(
      "SHAPE_MISMATCH",
      `${what} has shape ${describe(array.shapeZyx)} but the box needs ${describe(want)} ([nz, ny, nx])`,
    );
  }
  if (!array.shared) {
    const o = out as { stride?: unknown };
    throw invalidArgument(
      `${what} must be C-order contiguous (strides ${describe([want[1] * want[2], want[2], 1])}) so the read can fill it in place; got stride ${describe(o.stride)}`,
    );
  }
  return array;
}
