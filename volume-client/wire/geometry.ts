// Boxes and points. Public coordinates are ZYX (numpy order); DVID's URLs and JSON say x first
// (`x_y_z`, `BlockSize`, dvid-api.md §4.3). `zyxToXyz` and `xyzToZyx` are the only reversals of
// the axes: everything else speaks one order and says which in its names.

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

export function zyxToXyz(v: Zyx): Xyz {
  return [v[2], v[1], v[0]];
}

export function xyzToZyx(v: Xyz): Zyx {
  return [v[2], v[1], v[0]];
}

export function boxShape(box: BoxZyx): Zyx {
  return [box[0][1] - box[0][0], box[1][1] - box[1][0], box[2][1] - box[2][0]];
}

export function boxOffset(box: BoxZyx): Zyx {
  return [box[0][0], box[1][0], box[2][0]];
}

export function boxFromOffsetShape(offset: Zyx, shape: Zyx): BoxZyx {
  return [
    [offset[0], offset[0] + shape[0]],
    [offset[1], offset[1] + shape[1]],
    [offset[2], offset[2] + shape[2]],
  ];
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
