// DVID's URLs for voxels (dvid-api.md §1.1, §4.3): `/api/node/<uuid>/<data name>/raw/<dims>/
// <size>/<offset>[/<format>]`, size `nx_ny_nz` and offset `x_y_z` x first, and the words DVID
// refuses bad ones with. Both sides use it: the client to build paths from ZYX boxes, a server
// to read them.
import { boxOffset, boxShape, zyxToXyz, type BoxZyx } from "./geometry.js";
import { goPoint } from "./go-format.js";
import { INT32_MAX } from "./int32.js";
import { parsed, refused, type Parsed } from "./parse-result.js";
import { formatPoint, parsePoint } from "./point.js";

/** The `<dims>` of a 3-D subvolume. */
const DIMS_3D = "0_1_2";

/** What `<dims>` asks for: a 3-D subvolume or a 2-D slice through x and y, x and z, or y and z. */
export type DataShape = "3d" | "xy" | "xz" | "yz";

/** DVID's `<dims>` strings, in any case: 0_1_2 / vol / 0,1,2; 0_1 / xy; 0_2 / xz; 1_2 / yz. */
export function parseDataShape(text: string): Parsed<DataShape> {
  switch (text.toLowerCase().replace(/,/g, "_")) {
    case DIMS_3D:
    case "vol":
      return parsed("3d");
    case "0_1":
    case "xy":
      return parsed("xy");
    case "0_2":
    case "xz":
      return parsed("xz");
    case "1_2":
    case "yz":
      return parsed("yz");
    default:
      return refused(`Unknown data shape specification (${text})`);
  }
}

/** A box as a raw URL states it: its first voxel and its size, x first; sizes are positive. */
export interface RawBox {
  readonly x0: number;
  readonly y0: number;
  readonly z0: number;
  readonly nx: number;
  readonly ny: number;
  readonly nz: number;
}

/** DVID's words for a subvolume: `3d volume (nx,ny,nz) at offset (x,y,z)`. */
export function describeRawBox(box: RawBox): string {
  return `3d volume ${goPoint([box.nx, box.ny, box.nz])} at offset ${goPoint([box.x0, box.y0, box.z0])}`;
}

/** Sizes must be positive and the last voxel must stay within int32 (dvid.Subvolume). */
function checkGeometry(box: RawBox): Parsed<RawBox> {
  const ok =
    box.nx > 0 &&
    box.ny > 0 &&
    box.nz > 0 &&
    box.x0 + box.nx - 1 <= INT32_MAX &&
    box.y0 + box.ny - 1 <= INT32_MAX &&
    box.z0 + box.nz - 1 <= INT32_MAX;
  return ok ? parsed(box) : refused(`Illegal geometry requested: ${describeRawBox(box)}`);
}

function parseOffset(text: string): Parsed<number[]> {
  const offset = parsePoint(text);
  if (offset.ok && offset.value.length !== 3) {
    return refused(`Offset must be 3d coordinate, not ${offset.value.length}-d coordinate`);
  }
  return offset;
}

/** A 3-D subvolume: `<size>` is `nx_ny_nz`, `<offset>` is `x_y_z`. */
export function parseRawBox(sizeText: string, offsetText: string): Parsed<RawBox> {
  const size = parsePoint(sizeText);
  if (!size.ok) return size;
  if (size.value.length !== 3) return refused(`Size must be 3 (not ${size.value.length}) dimensions`);
  const offset = parseOffset(offsetText);
  if (!offset.ok) return offset;
  const [x0, y0, z0] = offset.value;
  const [nx, ny, nz] = size.value;
  return checkGeometry({ x0, y0, z0, nx, ny, nz });
}

/** A 2-D slice: the one-voxel-thick box it reads, and the image's width and height. */
export interface RawSlice {
  /** Its voxels, x fastest then y then z, are already the image rows (XY: x by y, XZ: x by z, YZ: y by z). */
  readonly box: RawBox;
  readonly width: number;
  readonly height: number;
}

/** A 2-D slice: `<size>` is `width_height`, `<offset>` is `x_y_z`. */
export function parseRawSlice(shape: Exclude<DataShape, "3d">, sizeText: string, offsetText: string): Parsed<RawSlice> {
  const size = parsePoint(sizeText);
  if (!size.ok) return size;
  if (size.value.length !== 2) return refused(`Size must be 2 (not ${size.value.length}) dimensions for a 2d slice`);
  const offset = parseOffset(offsetText);
  if (!offset.ok) return offset;
  const [x0, y0, z0] = offset.value;
  const [width, height] = size.value;
  const [nx, ny, nz] = shape === "xy" ? [width, height, 1] : shape === "xz" ? [width, 1, height] : [1, width, height];
  const box = checkGeometry({ x0, y0, z0, nx, ny, nz });
  return box.ok ? parsed({ box: box.value, width, height }) : box;
}

/**
 * Percent-encodes one path segment but keeps `:` readable, since DVID's `uuid:branch`
 * references (dvid-api.md §1.2) are common and DVID decodes the path before routing anyway.
 */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%3A/gi, ":");
}

/** `…/raw/0_1_2/<nx_ny_nz>/<x0_y0_z0>` of a ZYX box, for GET and POST. */
export function rawVolumePath(uuid: string, dataName: string, box: BoxZyx): string {
  return (
    `/api/node/${encodePathSegment(uuid)}/${encodePathSegment(dataName)}` +
    `/raw/${DIMS_3D}/${formatPoint(zyxToXyz(boxShape(box)))}/${formatPoint(zyxToXyz(boxOffset(box)))}`
  );
}
