// Which version an instance request reads and writes, and in what order it looks through the
// ancestry. Unversioned instances map every node to the repo root (dvid-api.md §3.7).
import { versionAncestry } from "../meta/dag.js";
import { initialExtents } from "../meta/instance-json.js";
import { rootNode, type InstanceMeta, type NodeMeta, type RepoMeta } from "../meta/repo-meta.js";
import type { VersionRef } from "../voxels/block-lookup.js";
import { allVersionsExtents, readExtents, unionExtents, type Extents } from "../voxels/extents.js";
import type { AppState } from "./app-state.js";

export function instanceVersion(repo: RepoMeta, node: NodeMeta, inst: InstanceMeta): NodeMeta {
  return inst.versioned ? node : rootNode(repo);
}

/** The version read/written first, then its ancestors in copy-on-write lookup order. */
export function versionRefs(repo: RepoMeta, node: NodeMeta, inst: InstanceMeta): VersionRef[] {
  if (!inst.versioned) return [{ uuid: repo.root, cacheable: false, epoch: 0 }];
  return versionAncestry(repo, node).map((n) => ({ uuid: n.uuid, cacheable: n.locked, epoch: n.dataEpoch }));
}

/**
 * Extents as DVID reports them: imageblk per version (inherited from ancestors); labelblk
 * instance-wide (dvid-api.md §4.2); either joined with the legacy MinPoint/MaxPoint config.
 */
export async function instanceExtents(
  app: AppState,
  repo: RepoMeta,
  node: NodeMeta,
  inst: InstanceMeta,
): Promise<Extents | undefined> {
  const written =
    inst.typeName === "labelblk"
      ? await allVersionsExtents(app.store, inst.dataUUID)
      : await readExtents(app.store, inst.dataUUID, versionRefs(repo, node, inst));
  return unionExtents(written, initialExtents(inst));
}
