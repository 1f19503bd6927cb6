// Boxes, points and DVID's URL grammar for them. Public coordinates are ZYX (numpy order);
// DVID's URLs say x first (`x_y_z`, `nx_ny_nz`, dvid-api.md §4.3). This module is the one place
// that reverses the axes: everything else speaks ZYX.

/** Three numbers, z first. */
export type Zyx = readonly [z: number, y: number, x: number];
/** Three numbers, x first, as DVID's URLs and JSON (`MinPoint`, `BlockSize`) give them. */
export type Xyz = readonly [x: number, y: number, z: number];
/** A half-open box `[[z0, z1], [y0, y1], [x0, x1]]`, as numpy's `vol[z0:z1, y0:y1, x0:x1]`. */
export type BoxZyx = readonly [
  z: readonly [number, number],
  y: readonly [number, number],
  x: readonly [number, number],
];

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export function zyxToXyz(v: Zyx): Xyz {
  return [v[2], v[1], v[0]];
}

export function xyzToZyx(v: Xyz): Zyx {
  return [v[2], v[1], v[0]];
}

/** `[x, y, z]` → `"x_y_z"`. */
export function formatXyz(v: Xyz): string {
  return `${v[0]}_${v[1]}_${v[2]}`;
}

/** `[z, y, x]` → `"x_y_z"`. */
export function formatZyxAsXyz(v: Zyx): string {
  return `${v[2]}_${v[1]}_${v[0]}`;
}

/**
 * Parses DVID's point grammar: integers separated by `_` (DVID also accepts `,`), as many as
 * given. Returns undefined when a component is not a base-10 integer in int32 range, the same
 * inputs on which DVID's `strconv.ParseInt(s, 10, 32)` fails.
 */
export function parseIntList(text: string): number[] | undefined {
  if (text.length === 0) return undefined;
  const parts = text.split(/[_,]/);
  const out: number[] = [];
  for (const part of parts) {
    if (!/^[+-]?\d+$/.test(part)) return undefined;
    const n = Number(part);
    if (n < INT32_MIN || n > INT32_MAX) return undefined;
    out.push(n);
  }
  return out;
}

export function boxShape(box: BoxZyx): Zyx {
  return [box[0][1] - box[0][0], box[1][1] - box[1][0], box[2][1] - box[2][0]];
}

export function boxOffset(box: BoxZyx): Zyx {
  return [box[0][0], box[1][0], box[2][0]];
}

export function boxVoxelCount(box: BoxZyx): number {
  const [nz, ny, nx] = boxShape(box);
  return nz * ny * nx;
}

export function boxFromOffsetShape(offset: Zyx, shape: Zyx): BoxZyx {
  return [
    [offset[0], offset[0] + shape[0]],
    [offset[1], offset[1] + shape[1]],
    [offset[2], offset[2] + shape[2]],
  ];
}

/** Floor division, as DVID computes block coordinates (so -1 lies in block -1). */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** True when every edge of the box lies on a block boundary (DVID's rule for POST raw). */
export function isBlockAligned(box: BoxZyx, blockZyx: Zyx): boolean {
  for (let a = 0; a < 3; a++) {
    const [lo, hi] = box[a];
    if (lo % blockZyx[a] !== 0 || hi % blockZyx[a] !== 0) return false;
  }
  return true;
}

/** The smallest block-aligned box that contains `box`. */
export function alignBoxOut(box: BoxZyx, blockZyx: Zyx): BoxZyx {
  const axis = (a: number): [number, number] => {
    const b = blockZyx[a];
    return [floorDiv(box[a][0], b) * b, Math.ceil(box[a][1] / b) * b];
  };
  return [axis(0), axis(1), axis(2)];
}

/** The intersection of two boxes, or undefined when they do not overlap. */
export function intersectBoxes(a: BoxZyx, b: BoxZyx): BoxZyx | undefined {
  const out: [number, number][] = [];
  for (let i = 0; i < 3; i++) {
    const lo = Math.max(a[i][0], b[i][0]);
    const hi = Math.min(a[i][1], b[i][1]);
    if (hi <= lo) return undefined;
    out.push([lo, hi]);
  }
  return [out[0], out[1], out[2]];
}

/** The half-open range of block coordinates `[first, last + 1)` per axis that `box` touches. */
export function blockRange(box: BoxZyx, blockZyx: Zyx): BoxZyx {
  const axis = (a: number): [number, number] => [
    floorDiv(box[a][0], blockZyx[a]),
    floorDiv(box[a][1] - 1, blockZyx[a]) + 1,
  ];
  return [axis(0), axis(1), axis(2)];
}

/**
 * Percent-encodes one path segment but keeps `:` readable, since DVID's `uuid:branch`
 * references (dvid-api.md §1.2) are common and DVID decodes the path before routing anyway.
 */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%3A/gi, ":");
}

/** `GET/POST …/raw/0_1_2/{nx_ny_nz}/{x0_y0_z0}` for a box. */
export function rawVolumePath(uuid: string, dataName: string, box: BoxZyx): string {
  const shape = boxShape(box);
  return (
    `/api/node/${encodePathSegment(uuid)}/${encodePathSegment(dataName)}` +
    `/raw/0_1_2/${formatZyxAsXyz(shape)}/${formatZyxAsXyz(boxOffset(box))}`
  );
}
