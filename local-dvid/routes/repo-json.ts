// Repo info JSON with DVID's field names (dvid-api.md §3.3). DataInstances show the extents of
// the master-branch leaf, as DVID's repo info does.
import { findNode, rootNode, type NodeMeta, type RepoMeta } from "../meta/repo-meta.js";
import { DATA_TYPES, isVoxelType } from "../types/data-types.js";
import { instanceExtents } from "../voxels/extents.js";
import type { AppState } from "./app-state.js";
import { instanceJson } from "./instance-json.js";

function nodeJson(node: NodeMeta): Record<string, unknown> {
  return {
    Branch: node.branch,
    Note: node.note,
    Log: node.log,
    UUID: node.uuid,
    VersionID: node.versionId,
    Locked: node.locked,
    Parents: node.parents,
    Children: node.children,
    Created: node.created,
    Updated: node.updated,
  };
}

/** An object keyed by user-chosen strings: a null prototype so that no name is special. */
function dict(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

export async function repoJson(app: AppState, repo: RepoMeta): Promise<Record<string, unknown>> {
  const leafUuid = repo.branchLeaves.find((l) => l.name === "master")?.uuid;
  const master = (leafUuid && findNode(repo, leafUuid)) || rootNode(repo);
  const instances = dict();
  await Promise.all(
    repo.instances.map(async (inst) => {
      const extents = isVoxelType(DATA_TYPES[inst.typeName]) ? await instanceExtents(app.store, repo, master, inst) : undefined;
      instances[inst.name] = instanceJson(inst, app.storeName, extents);
    }),
  );
  const nodes = dict();
  for (const n of repo.nodes) nodes[n.uuid] = nodeJson(n);
  return {
    Root: repo.root,
    Alias: repo.alias,
    Description: repo.description,
    Log: repo.log,
    Properties: repo.properties,
    DataInstances: instances,
    DAG: { Root: repo.root, Nodes: nodes },
    MutationID: repo.mutationId,
    SavedMutationID: repo.savedMutationId,
    Created: repo.created,
    Updated: repo.updated,
  };
}
