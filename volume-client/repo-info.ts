// Parsing DVID's repo JSON (`GET /api/repo/{uuid}/info`, `GET /api/repos/info`, dvid-api.md §3.3)
// into UUID-based history. DVID names parents and children by VersionID, a small integer local
// to one server (§3.3, §7.6), so they are mapped to UUIDs through `DAG.Nodes[*].VersionID`; and
// DVID's master branch is the empty string, reported here as "master".
import { VolumeClientError } from "./errors.js";

/** One version (a node of the repo's DAG). */
export interface VersionInfo {
  readonly uuid: string;
  /** Branch name; DVID's master branch (`""` on the wire) is reported as `"master"`. */
  readonly branch: string;
  readonly note: string;
  /** Log entries, `"<RFC3339 time>  <message>"` as DVID stores them. */
  readonly log: readonly string[];
  /** Committed: no more writes to versioned instances. */
  readonly locked: boolean;
  /** Parent UUIDs; `[]` for the root; a merge lists ≥ 2, the first being the default path. */
  readonly parents: readonly string[];
  readonly children: readonly string[];
  readonly created: string;
  readonly updated: string;
}

/** A data instance as the repo lists it. */
export interface InstanceSummary {
  readonly name: string;
  /** DVID type: `uint8blk`, `labelblk`, `keyvalue`… */
  readonly typeName: string;
  /** UUID of the version where the instance was created. */
  readonly createdIn: string;
  readonly versioned: boolean;
}

export interface RepoInfo {
  readonly root: string;
  readonly alias: string;
  readonly description: string;
  readonly log: readonly string[];
  readonly instances: readonly InstanceSummary[];
  /** Every version, in creation order (parents before children). */
  readonly versions: readonly VersionInfo[];
  readonly created: string;
  readonly updated: string;
}

interface DvidNode {
  Branch?: string;
  Note?: string;
  Log?: string[] | null;
  UUID: string;
  VersionID: number;
  Locked?: boolean;
  Parents?: number[] | null;
  Children?: number[] | null;
  Created?: string;
  Updated?: string;
}

interface DvidRepo {
  Root: string;
  Alias?: string;
  Description?: string;
  Log?: string[] | null;
  DataInstances?: Record<string, { Base?: { TypeName?: string; Name?: string; RepoUUID?: string; Versioned?: boolean } }> | null;
  DAG?: { Root?: string; Nodes?: Record<string, DvidNode> | null };
  Created?: string;
  Updated?: string;
}

export function parseRepoInfo(json: unknown, source: string): RepoInfo {
  const repo = json as DvidRepo;
  if (!repo || typeof repo !== "object" || typeof repo.Root !== "string" || !repo.DAG?.Nodes) {
    throw new VolumeClientError("HTTP_ERROR", `${source} did not return a DVID repo object (with Root and DAG.Nodes)`);
  }
  const nodes = Object.values(repo.DAG.Nodes);
  const byVersionId = new Map<number, string>(nodes.map((n) => [n.VersionID, n.UUID]));
  const toUuids = (ids: number[] | null | undefined, of: string): string[] =>
    (ids ?? []).map((id) => {
      const uuid = byVersionId.get(id);
      if (uuid === undefined) {
        throw new VolumeClientError("HTTP_ERROR", `${source}: node ${of} refers to VersionID ${id}, which no node of the DAG has`);
      }
      return uuid;
    });
  const versions = [...nodes]
    .sort((a, b) => a.VersionID - b.VersionID)
    .map(
      (n): VersionInfo => ({
        uuid: n.UUID,
        branch: n.Branch ? n.Branch : "master",
        note: n.Note ?? "",
        log: n.Log ?? [],
        locked: n.Locked === true,
        parents: toUuids(n.Parents, n.UUID),
        children: toUuids(n.Children, n.UUID),
        created: n.Created ?? "",
        updated: n.Updated ?? "",
      }),
    );
  const instances = Object.entries(repo.DataInstances ?? {}).map(
    ([name, inst]): InstanceSummary => ({
      name,
      typeName: inst.Base?.TypeName ?? "",
      createdIn: inst.Base?.RepoUUID ?? "",
      versioned: inst.Base?.Versioned !== false,
    }),
  );
  instances.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    root: repo.Root,
    alias: repo.Alias ?? "",
    description: repo.Description ?? "",
    log: repo.Log ?? [],
    instances,
    versions,
    created: repo.Created ?? "",
    updated: repo.Updated ?? "",
  };
}
