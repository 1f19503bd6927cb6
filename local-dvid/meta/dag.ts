// Walking a repo's version DAG: the order in which a read at version V looks for data
// (copy-on-write), and DVID's branch ancestry for `branch-versions` and `uuid:branch~N`.
import { LocalDvidError } from "../errors.js";
import { findNodeByVersion, type NodeMeta, type RepoMeta } from "./repo-meta.js";

/**
 * V and all its ancestors, ordered so that every version comes before its ancestors (a reverse
 * post-order of a depth-first walk). The first version in this list that holds a key is the one
 * a read at V sees:
 * - on a single-parent chain this is DVID's nearest-ancestor rule;
 * - after a merge, a key written on only one parent's side is found there (so the merged version
 *   sees every parent's changes when they do not overlap, DVID's "conflict-free" merge), because
 *   the common ancestor comes after both sides;
 * - when both sides wrote the key (a conflict DVID reports as an error on read), the first
 *   parent's side comes first: DVID's default ancestor path is the first parent.
 */
export function versionAncestry(repo: RepoMeta, start: NodeMeta): NodeMeta[] {
  const byVersion = new Map<number, NodeMeta>();
  for (const n of repo.nodes) byVersion.set(n.versionId, n);
  const visited = new Set<number>();
  const postOrder: NodeMeta[] = [];
  // Iterative DFS. Parents are pushed so that the first parent is explored last, hence finishes
  // last, hence comes first in the reversed order.
  const stack: { node: NodeMeta; next: number }[] = [{ node: start, next: start.parents.length - 1 }];
  visited.add(start.versionId);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next >= 0) {
      const parent = byVersion.get(top.node.parents[top.next--]);
      if (parent && !visited.has(parent.versionId)) {
        visited.add(parent.versionId);
        stack.push({ node: parent, next: parent.parents.length - 1 });
      }
    } else {
      postOrder.push(top.node);
      stack.pop();
    }
  }
  return postOrder.reverse();
}

/**
 * DVID's getAncestryByBranch: from the branch's leaf back to the root. At a merge the non-last
 * parents are listed and the walk continues through the last parent, as DVID does. An unknown
 * branch gives [].
 */
export function branchAncestry(repo: RepoMeta, branch: string): NodeMeta[] {
  const matches = (n: NodeMeta): boolean => n.branch === branch || (branch === "master" && n.branch === "");
  const first = [...repo.nodes].sort((a, b) => a.versionId - b.versionId).find(matches);
  if (!first) return [];
  let cur: NodeMeta = first;
  const branchName = cur.branch;
  // Walk down to the leaf along children of the same branch.
  for (;;) {
    const next: NodeMeta[] = cur.children
      .map((v) => findNodeByVersion(repo, v))
      .filter((c): c is NodeMeta => c !== undefined && c.branch === branchName);
    if (next.length > 1) {
      throw new LocalDvidError("CONFLICT", `branch ${JSON.stringify(branchName)} has more than 1 child: ${next[0].uuid} and ${next[1].uuid}`);
    }
    if (next.length === 0) break;
    cur = next[0];
  }
  const out: NodeMeta[] = [];
  let node: NodeMeta | undefined = cur;
  while (node) {
    out.push(node);
    const parents: NodeMeta[] = node.parents
      .map((v) => findNodeByVersion(repo, v))
      .filter((p): p is NodeMeta => p !== undefined);
    if (parents.length === 0) break;
    for (let i = 0; i < parents.length - 1; i++) out.push(parents[i]);
    node = parents[parents.length - 1];
  }
  return out;
}
