// DVID's voxel URL grammar (dvid-api.md §4.3): `raw/<dims>/<size>/<offset>[/<format>]`, sizes
// and offsets x first, parsed as int32 with Go's error texts.
import { badRequest, goQuote } from "../http/errors.js";

/** A box in voxel coordinates, x first as DVID's URLs give it; sizes are positive. */
export interface VoxelBox {
  readonly x0: number;
  readonly y0: number;
  readonly z0: number;
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
}

export type DataShape = "3d" | "xy" | "xz" | "yz";

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** DVID's data shape strings, case-insensitive: 0_1_2 / vol / 0,1,2; 0_1 / xy; 0_2 / xz; 1_2 / yz. */
export function parseDataShape(s: string): DataShape {
  const v = s.toLowerCase().replace(/,/g, "_");
  switch (v) {
    case "0_1_2":
    case "vol":
      return "3d";
    case "0_1":
    case "xy":
      return "xy";
    case "0_2":
    case "xz":
      return "xz";
    case "1_2":
    case "yz":
      return "yz";
    default:
      throw badRequest(`Unknown data shape specification (${s})`);
  }
}

/** dvid.StringToPoint: integers separated by `_` (or `,`), each a Go ParseInt(s, 10, 32). */
export function parsePoint(s: string): number[] {
  return s.split(/[_,]/).map((part) => {
    if (!/^[+-]?\d+$/.test(part)) throw badRequest(`strconv.ParseInt: parsing ${goQuote(part)}: invalid syntax`);
    const n = Number(part);
    if (n < INT32_MIN || n > INT32_MAX) throw badRequest(`strconv.ParseInt: parsing ${goQuote(part)}: value out of range`);
    return n;
  });
}

export function formatPoint(p: readonly number[]): string {
  return `(${p.join(",")})`;
}

export function describeBox(box: VoxelBox): string {
  return `3d volume ${formatPoint([box.nx, box.ny, box.nz])} at offset ${formatPoint([box.x0, box.y0, box.z0])}`;
}

function checkVolume(box: VoxelBox): VoxelBox {
  const ok =
    box.nx > 0 &&
    box.ny > 0 &&
    box.nz > 0 &&
    box.x0 + box.nx - 1 <= INT32_MAX &&
    box.y0 + box.ny - 1 <= INT32_MAX &&
    box.z0 + box.nz - 1 <= INT32_MAX;
  if (!ok) throw badRequest(`Illegal geometry requested: ${describeBox(box)}`);
  return box;
}

function parseOffset(offsetStr: string): number[] {
  const offset = parsePoint(offsetStr);
  if (offset.length !== 3) throw badRequest(`Offset must be 3d coordinate, not ${offset.length}-d coordinate`);
  return offset;
}

/** A 3-D subvolume: size `nx_ny_nz`, offset `x_y_z`. */
export function parseSubvolume(sizeStr: string, offsetStr: string): VoxelBox {
  const size = parsePoint(sizeStr);
  if (size.length !== 3) throw badRequest(`Size must be 3 (not ${size.length}) dimensions`);
  const offset = parseOffset(offsetStr);
  return checkVolume({ x0: offset[0], y0: offset[1], z0: offset[2], nx: size[0], ny: size[1], nz: size[2] });
}

/**
 * A 2-D slice as the one-voxel-thick box it reads. Its voxels, read x fastest then y then z,
 * are already the image rows: XY = x by y, XZ = x by z, YZ = y by z.
 */
export function parseSlice(shape: Exclude<DataShape, "3d">, sizeStr: string, offsetStr: string): {
  box: VoxelBox;
  width: number;
  height: number;
} {
  const size = parsePoint(sizeStr);
  if (size.length !== 2) throw badRequest(`Size must be 2 (not ${size.length}) dimensions for a 2d slice`);
  const [x0, y0, z0] = parseOffset(offsetStr);
  const [w, h] = size;
  const dims = shape === "xy" ? [w, h, 1] : shape === "xz" ? [w, 1, h] : [1, w, h];
  const box = checkVolume({ x0, y0, z0, nx: dims[0], ny: dims[1], nz: dims[2] });
  return { box, width: w, height: h };
}
