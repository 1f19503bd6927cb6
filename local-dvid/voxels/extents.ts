// Extents (MinPoint/MaxPoint, inclusive voxel bounds of everything written) per instance and
// version, as imageblk keeps them (dvid-api.md §4.2, §4.4). A version starts with the extents of
// its ancestry (like any versioned key) and each successful voxel POST grows them by
// compare-and-swap, so writers on several nodes merge their extents instead of overwriting.
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import type { Xyz } from "../../volume-client/wire/geometry.js";
import type { InstanceMeta, NodeMeta, RepoMeta } from "../meta/repo-meta.js";
import { extentsKey, extentsPrefix } from "../meta/store-layout.js";
import { versionRefs, type VersionRef } from "../meta/version-ref.js";
import type { ObjectStore } from "../store/object-store.js";
import { updateWithRetry } from "../store/update-with-retry.js";

/** Inclusive voxel bounds, x first. */
export interface Extents {
  readonly minXyz: Xyz;
  readonly maxXyz: Xyz;
}

function parse(data: Buffer): Extents | undefined {
  const v = JSON.parse(data.toString("utf8")) as { MinPoint?: Xyz | null; MaxPoint?: Xyz | null };
  return v.MinPoint && v.MaxPoint ? { minXyz: v.MinPoint, maxXyz: v.MaxPoint } : undefined;
}

function serialize(e: Extents): Buffer {
  return Buffer.from(JSON.stringify({ MinPoint: e.minXyz, MaxPoint: e.maxXyz }), "utf8");
}

function unionExtents(a: Extents | undefined, b: Extents | undefined): Extents | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    minXyz: [Math.min(a.minXyz[0], b.minXyz[0]), Math.min(a.minXyz[1], b.minXyz[1]), Math.min(a.minXyz[2], b.minXyz[2])],
    maxXyz: [Math.max(a.maxXyz[0], b.maxXyz[0]), Math.max(a.maxXyz[1], b.maxXyz[1]), Math.max(a.maxXyz[2], b.maxXyz[2])],
  };
}

export function boxExtents(box: RawBox): Extents {
  return {
    minXyz: [box.x0, box.y0, box.z0],
    maxXyz: [box.x0 + box.nx - 1, box.y0 + box.ny - 1, box.z0 + box.nz - 1],
  };
}

/** The legacy `MinPoint`/`MaxPoint` creation settings as extents, if given. */
function initialExtents(inst: InstanceMeta): Extents | undefined {
  return inst.initialMinXyz && inst.initialMaxXyz ? { minXyz: inst.initialMinXyz, maxXyz: inst.initialMaxXyz } : undefined;
}

/** The extents seen at ancestry[from]: its own, else its nearest ancestor's. */
async function readExtents(
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
  await updateWithRetry(
    store,
    extentsKey(dataUUID, ancestry[0].uuid),
    async () => {
      const own = await store.get(extentsKey(dataUUID, ancestry[0].uuid));
      const base = own ? parse(own.data) : await readExtents(store, dataUUID, ancestry, 1);
      const next = unionExtents(base, add) as Extents;
      const unchanged = own !== undefined && base !== undefined && JSON.stringify(base) === JSON.stringify(next);
      return { generation: own?.generation ?? 0, data: unchanged ? undefined : serialize(next), result: undefined };
    },
    { what: `extents of data ${dataUUID}` },
  );
}

/** POST …/extents: replaces the version's extents ("last one wins", as DVID documents). */
export async function putExtents(store: ObjectStore, dataUUID: string, versionUUID: string, e: Extents): Promise<void> {
  await store.put(extentsKey(dataUUID, versionUUID), serialize(e));
}

/** The union of the extents of every version (labelblk reports instance-wide extents). */
async function allVersionsExtents(store: ObjectStore, dataUUID: string): Promise<Extents | undefined> {
  const keys = await store.list(extentsPrefix(dataUUID));
  let out: Extents | undefined;
  for (const key of keys) {
    const obj = await store.get(key);
    if (obj) out = unionExtents(out, parse(obj.data));
  }
  return out;
}

/**
 * Extents as DVID reports them: imageblk per version (inherited from ancestors); labelblk
 * instance-wide (dvid-api.md §4.2); either joined with the legacy MinPoint/MaxPoint settings.
 */
export async function instanceExtents(
  store: ObjectStore,
  repo: RepoMeta,
  node: NodeMeta,
  inst: InstanceMeta,
): Promise<Extents | undefined> {
  const written =
    inst.typeName === "labelblk"
      ? await allVersionsExtents(store, inst.dataUUID)
      : await readExtents(store, inst.dataUUID, versionRefs(repo, node, inst));
  return unionExtents(written, initialExtents(inst));
}
