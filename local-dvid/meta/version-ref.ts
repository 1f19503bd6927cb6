// Which versions an instance request reads and writes, in lookup order (ARCHITECTURE.md
// "Versioned blocks"). Unversioned instances map every node to the repo root (dvid-api.md §3.7).
import { versionAncestry } from "./dag.js";
import { rootNode, type InstanceMeta, type NodeMeta, type RepoMeta } from "./repo-meta.js";

/** One version of an instance's lookup order, as blocks, extents and keyvalue entries see it. */
export interface VersionRef {
  readonly uuid: string;
  /** True when the version cannot change (it is locked), so what it holds may be cached. */
  readonly cacheable: boolean;
  /** Bumped by admin-token writes to a locked version: part of any cache key (repo-meta.ts dataEpoch). */
  readonly epoch: number;
}

/** The node an instance request reads and writes at: the node itself, or the root when unversioned. */
export function instanceVersion(repo: RepoMeta, node: NodeMeta, inst: InstanceMeta): NodeMeta {
  return inst.versioned ? node : rootNode(repo);
}

/** The version read and written first, then its ancestors in copy-on-write lookup order. */
export function versionRefs(repo: RepoMeta, node: NodeMeta, inst: InstanceMeta): VersionRef[] {
  if (!inst.versioned) return [{ uuid: repo.root, cacheable: false, epoch: 0 }];
  return versionAncestry(repo, node).map((n) => ({ uuid: n.uuid, cacheable: n.locked, epoch: n.dataEpoch }));
}
