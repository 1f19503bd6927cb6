// The stored shape of a repo (repos/<root>.json). Lists rather than maps, so that user-chosen
// names (instance names, UUIDs) can never collide with JavaScript object internals. Per-axis
// lists are x first, as DVID's JSON gives them, and say so in their names.
import type { DataTypeName } from "../types/data-types.js";

export interface NodeMeta {
  uuid: string;
  /** DVID's VersionID: allocated per repo here (see store-layout.ts). */
  versionId: number;
  /** Branch name; the master branch is "" as in DVID. */
  branch: string;
  note: string;
  log: string[];
  locked: boolean;
  /** VersionIDs; the first parent is the default ancestor path (merges have several). */
  parents: number[];
  children: number[];
  created: string;
  updated: string;
  /**
   * Bumped after an admin-token write to this node while it is locked: processes cache the block
   * lists of locked versions (they cannot change otherwise) and key the cache on this number.
   */
  dataEpoch: number;
}

export interface InstanceMeta {
  name: string;
  typeName: DataTypeName;
  /** 32-hex id of the instance, distinct from node UUIDs; names its objects in the store. */
  dataUUID: string;
  /** The node the instance was created on (DVID's Base.RepoUUID). */
  repoUUID: string;
  versioned: boolean;
  /** DVID's description of the requested storage compression (objects are stored uncompressed). */
  compression: string;
  checksum: string;
  tags: Record<string, string> | null;
  created: string;
  // Block-based voxel types only:
  blockSizeXyz?: [number, number, number];
  voxelSizeXyz?: [number, number, number];
  voxelUnitsXyz?: [string, string, string];
  background?: number;
  /** Legacy `MinPoint`/`MaxPoint` config: initial extents, joined with what is written. */
  initialMinXyz?: [number, number, number];
  initialMaxXyz?: [number, number, number];
}

export interface BranchLeaf {
  /** "master" for the master branch "", as DVID keys its branch-to-leaf map. */
  name: string;
  uuid: string;
}

export interface RepoMeta {
  /** 2 since the per-axis fields of instances end in Xyz; format 1 is read and upgraded (parseRepo). */
  format: 2;
  root: string;
  alias: string;
  description: string;
  passcode: string;
  log: string[];
  properties: Record<string, unknown>;
  created: string;
  updated: string;
  mutationId: number;
  savedMutationId: number;
  nextVersionId: number;
  nodes: NodeMeta[];
  branchLeaves: BranchLeaf[];
  instances: InstanceMeta[];
}

/** The names format 1 gave the per-axis fields of an instance. */
const FORMAT_1_FIELDS = {
  blockSize: "blockSizeXyz",
  voxelSize: "voxelSizeXyz",
  voxelUnits: "voxelUnitsXyz",
  initialMinPoint: "initialMinXyz",
  initialMaxPoint: "initialMaxXyz",
} as const;

/** A stored repo object, upgraded to the current format (stores written before keep working). */
export function parseRepo(data: Buffer): RepoMeta {
  const repo = JSON.parse(data.toString("utf8")) as RepoMeta | (Omit<RepoMeta, "format"> & { format: 1 });
  if (repo.format === 1) {
    for (const inst of repo.instances as unknown as Record<string, unknown>[]) {
      for (const [old, now] of Object.entries(FORMAT_1_FIELDS)) {
        if (old in inst) {
          inst[now] = inst[old];
          delete inst[old];
        }
      }
    }
  }
  return { ...repo, format: 2 } as RepoMeta;
}

export function findNode(repo: RepoMeta, uuid: string): NodeMeta | undefined {
  return repo.nodes.find((n) => n.uuid === uuid);
}

export function findNodeByVersion(repo: RepoMeta, versionId: number): NodeMeta | undefined {
  return repo.nodes.find((n) => n.versionId === versionId);
}

export function findInstance(repo: RepoMeta, name: string): InstanceMeta | undefined {
  return repo.instances.find((i) => i.name === name);
}

export function rootNode(repo: RepoMeta): NodeMeta {
  const node = findNode(repo, repo.root);
  if (!node) throw new Error(`repo ${repo.root} has no root node`);
  return node;
}

export function setBranchLeaf(repo: RepoMeta, branch: string, uuid: string): void {
  const name = branch === "" ? "master" : branch;
  const leaf = repo.branchLeaves.find((l) => l.name === name);
  if (leaf) leaf.uuid = uuid;
  else repo.branchLeaves.push({ name, uuid });
}
