// Validation of caller-supplied boxes, offsets and sizes, before any request is sent.
// DVID parses URL coordinates as int32 (dvid-api.md §4.3), so every coordinate must fit.
import { invalidArgument } from "./errors.js";
import type { BoxZyx, Zyx } from "./wire/geometry.js";
import { isInt32 } from "./wire/int32.js";
import { describe, isTriple } from "./checks.js";

/** The largest array one read or write may produce: Node's Buffer limit (4 GiB on 64-bit). */
const MAX_ARRAY_BYTES = 2 ** 32;

/** Returns a frozen copy of a valid half-open ZYX box, or throws INVALID_ARGUMENT. */
export function checkBox(box: unknown, what: string): BoxZyx {
  const shapeOk =
    Array.isArray(box) &&
    box.length === 3 &&
    box.every((r) => Array.isArray(r) && r.length === 2 && isInt32(r[0]) && isInt32(r[1]));
  if (!shapeOk) {
    throw invalidArgument(
      `${what} must be a ZYX box [[z0, z1], [y0, y1], [x0, x1]] of int32 integers; got ${describe(box)}`,
    );
  }
  const b = box as [number, number][];
  const axes = ["z", "y", "x"];
  for (let a = 0; a < 3; a++) {
    const [lo, hi] = b[a];
    if (hi === lo) throw invalidArgument(`${what} is empty along ${axes[a]}: [${lo}, ${hi}) in ${describe(box)}`);
    if (hi < lo) {
      throw invalidArgument(`${what} has a negative extent along ${axes[a]}: [${lo}, ${hi}) in ${describe(box)}`);
    }
  }
  return Object.freeze([
    Object.freeze([b[0][0], b[0][1]]),
    Object.freeze([b[1][0], b[1][1]]),
    Object.freeze([b[2][0], b[2][1]]),
  ]) as BoxZyx;
}

/** Returns a valid ZYX point of int32 integers, or throws INVALID_ARGUMENT. */
export function checkOffset(offset: unknown, what: string): Zyx {
  if (!isTriple(offset, isInt32)) {
    throw invalidArgument(`${what} must be a ZYX point [z, y, x] of int32 integers; got ${describe(offset)}`);
  }
  return [offset[0], offset[1], offset[2]];
}

/** Checks that the box's end stays in int32 and its byte size fits one array. */
export function checkBoxSize(box: BoxZyx, bytesPerVoxel: number, what: string): number {
  for (const [lo, hi] of box) {
    if (!isInt32(lo) || !isInt32(hi)) {
      throw invalidArgument(`${what} ${describe(box)} leaves DVID's int32 coordinate range`);
    }
  }
  const bytes = (box[0][1] - box[0][0]) * (box[1][1] - box[1][0]) * (box[2][1] - box[2][0]) * bytesPerVoxel;
  if (bytes > MAX_ARRAY_BYTES) {
    throw invalidArgument(`${what} ${describe(box)} needs ${bytes} bytes; one array holds at most ${MAX_ARRAY_BYTES} bytes (split the box)`);
  }
  return bytes;
}

/** `[[z0,z1],[y0,y1],[x0,x1]]` as text, for messages. */
export function formatBox(box: BoxZyx | readonly (readonly [number, number])[]): string {
  return `[${box.map(([lo, hi]) => `[${lo}, ${hi}]`).join(", ")}]`;
}
