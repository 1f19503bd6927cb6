// Extents (MinPoint/MaxPoint, inclusive voxel bounds of everything written) per instance and
// version, as imageblk keeps them (dvid-api.md §4.2, §4.4). A version starts with the extents of
// its ancestry (like any versioned key) and each successful voxel POST grows them by
// compare-and-swap, so writers on several nodes merge their extents instead of overwriting.
import { isLocalDvidError } from "../errors.js";
import { DvidRequestError } from "../http/errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { extentsKey } from "../meta/store-layout.js";
import type { VersionRef } from "./block-lookup.js";
import type { VoxelBox } from "./url-geometry.js";

export type Point3 = [number, number, number];

export interface Extents {
  readonly min: Point3;
  readonly max: Point3;
}

const MAX_ATTEMPTS = 200;

function parse(data: Buffer): Extents | undefined {
  const v = JSON.parse(data.toString("utf8")) as { MinPoint?: Point3 | null; MaxPoint?: Point3 | null };
  return v.MinPoint && v.MaxPoint ? { min: v.MinPoint, max: v.MaxPoint } : undefined;
}

function serialize(e: Extents): Buffer {
  return Buffer.from(JSON.stringify({ MinPoint: e.min, MaxPoint: e.max }), "utf8");
}

export function unionExtents(a: Extents | undefined, b: Extents | undefined): Extents | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    min: [Math.min(a.min[0], b.min[0]), Math.min(a.min[1], b.min[1]), Math.min(a.min[2], b.min[2])],
    max: [Math.max(a.max[0], b.max[0]), Math.max(a.max[1], b.max[1]), Math.max(a.max[2], b.max[2])],
  };
}

export function boxExtents(box: VoxelBox): Extents {
  return {
    min: [box.x0, box.y0, box.z0],
    max: [box.x0 + box.nx - 1, box.y0 + box.ny - 1, box.z0 + box.nz - 1],
  };
}

/** The extents seen at ancestry[0]: its own, else its nearest ancestor's. */
export async function readExtents(
  store: ObjectStore,
  dataUUID: string,
  ancestry: readonly VersionRef[],
  from = 0,
): Promise<Extents | undefined> {
  for (let i = from; i < ancestry.length; i++) {
    const obj = await store.get(extentsKey(dataUUID, ancestry[i].uuid));
    if (obj) return parse(obj.data);
  }
  return undefined;
}

/** Grows the extents of ancestry[0] to include `add`. */
export async function growExtents(
  store: ObjectStore,
  dataUUID: string,
  ancestry: readonly VersionRef[],
  add: Extents,
): Promise<void> {
  const key = extentsKey(dataUUID, ancestry[0].uuid);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const own = await store.get(key);
    const base = own ? parse(own.data) : await readExtents(store, dataUUID, ancestry, 1);
    const next = unionExtents(base, add) as Extents;
    if (own && base && JSON.stringify(base) === JSON.stringify(next)) return;
    try {
      await store.put(key, serialize(next), { ifGenerationMatch: own?.generation ?? 0 });
      return;
    } catch (err) {
      if (!isLocalDvidError(err, "PRECONDITION_FAILED") && !isLocalDvidError(err, "STORE_LOCK_TIMEOUT")) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt + 1)));
    }
  }
  throw new DvidRequestError(503, `extents of data ${dataUUID} kept changing during ${MAX_ATTEMPTS} attempts; retry`);
}

/** POST …/extents: replaces the version's extents ("last one wins", as DVID documents). */
export async function putExtents(store: ObjectStore, dataUUID: string, versionUUID: string, e: Extents): Promise<void> {
  await store.put(extentsKey(dataUUID, versionUUID), serialize(e));
}

/** The union of the extents of every version (labelblk reports instance-wide extents). */
export async function allVersionsExtents(store: ObjectStore, dataUUID: string): Promise<Extents | undefined> {
  const keys = await store.list(`extents/${dataUUID}/`);
  let out: Extents | undefined;
  for (const key of keys) {
    const obj = await store.get(key);
    if (obj) out = unionExtents(out, parse(obj.data));
  }
  return out;
}
