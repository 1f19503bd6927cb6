// Types of dag-layout.js (plain JS because the console page loads it as is in the browser).

/** A version placed on the grid. */
export interface DagNode {
  readonly uuid: string;
  readonly versionId: number;
  /** Branch name; DVID's "" is shown as "master". */
  readonly branch: string;
  readonly note: string;
  readonly locked: boolean;
  /** Parent UUIDs, the first being the default ancestor path. */
  readonly parents: readonly string[];
  readonly children: readonly string[];
  /** Two or more parents. */
  readonly merge: boolean;
  /** Row: index into `lanes`. */
  readonly lane: number;
  /** Column: greater than every parent's. */
  readonly column: number;
}

export interface DagEdge {
  readonly from: string;
  readonly to: string;
  /** False for a merge's second and later parents. */
  readonly primary: boolean;
}

export interface DagLayout {
  readonly nodes: readonly DagNode[];
  readonly edges: readonly DagEdge[];
  readonly lanes: readonly string[];
  readonly columns: number;
}

export declare const MASTER: "master";
export declare function layoutDag(dagNodes: Record<string, unknown>): DagLayout;

/** `uuid` and every version reached from it through `key` (ancestors or descendants). */
export function lineage(
  uuid: string,
  nodes: readonly { readonly uuid: string; readonly parents: readonly string[]; readonly children: readonly string[] }[],
  key: "parents" | "children",
): Set<string>;
