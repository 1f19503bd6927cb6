// Places a repo's version DAG on a grid: one row ("lane") per branch, master first, and columns
// running left to right so that every version stands right of all its parents. Pure (no DOM).
//
// DVID's DAG (dvid-api.md §3.3): `DAG.Nodes` keyed by UUID, each with `Branch` ("" = master),
// `VersionID` (server-local integer), `Parents`/`Children` as VersionIDs (a merge has several
// parents, the first being the default ancestor path), `Locked`, `Note`.

/** Master's name as the console shows it (DVID stores it as ""). */
export const MASTER = "master";

/**
 * Lays out the `DAG.Nodes` object of a repo. Returns
 * `{ nodes, edges, lanes, columns }`:
 * - `nodes`: `{ uuid, versionId, branch, note, locked, parents, children, merge, lane, column }`
 *   in creation order (VersionID), `parents`/`children` as UUIDs, `merge` true with 2+ parents;
 * - `edges`: `{ from, to, primary }` (UUIDs; `primary` false for a merge's second and later parents);
 * - `lanes`: branch names, lane i holding branch `lanes[i]` (master first);
 * - `columns`: how many columns the grid has.
 * A parent VersionID that names no node (a damaged DAG) is ignored.
 */
export function layoutDag(dagNodes) {
  if (typeof dagNodes !== "object" || dagNodes === null) {
    throw new TypeError(`layoutDag: expected the DAG.Nodes object of a repo; got ${dagNodes === null ? "null" : typeof dagNodes}`);
  }
  const raw = Object.entries(dagNodes).map(([key, n]) => ({
    uuid: typeof n?.UUID === "string" && n.UUID !== "" ? n.UUID : key,
    versionId: Number.isFinite(n?.VersionID) ? n.VersionID : Number.MAX_SAFE_INTEGER,
    branch: typeof n?.Branch === "string" && n.Branch !== "" ? n.Branch : MASTER,
    note: typeof n?.Note === "string" ? n.Note : "",
    locked: n?.Locked === true,
    parentIds: Array.isArray(n?.Parents) ? n.Parents : [],
    childIds: Array.isArray(n?.Children) ? n.Children : [],
  }));
  raw.sort((a, b) => a.versionId - b.versionId || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  const byId = new Map(raw.map((n) => [n.versionId, n]));
  for (const n of raw) n.parents = n.parentIds.map((id) => byId.get(id)).filter((p) => p !== undefined && p !== n);

  // Creation order is a topological order in DVID (a parent exists before its child), but take
  // no chances with a damaged DAG: place a version once its parents are placed, oldest first,
  // and break a cycle by dropping the unplaced parents of the oldest version left.
  const order = [];
  const placed = new Set();
  let left = raw;
  while (left.length > 0) {
    for (const n of left) {
      if (n.parents.every((p) => placed.has(p))) {
        order.push(n);
        placed.add(n);
      }
    }
    const rest = left.filter((n) => !placed.has(n));
    if (rest.length === left.length) rest[0].parents = rest[0].parents.filter((p) => placed.has(p));
    left = rest;
  }

  // Lanes: master first, then branches in the order their first version was made.
  const lanes = order.some((n) => n.branch === MASTER) ? [MASTER] : [];
  for (const n of order) if (!lanes.includes(n.branch)) lanes.push(n.branch);

  const columnOf = new Map();
  const lastInLane = new Map();
  const nodes = [];
  const edges = [];
  for (const n of order) {
    const lane = lanes.indexOf(n.branch);
    const afterParents = Math.max(-1, ...n.parents.map((p) => columnOf.get(p))) + 1;
    const column = Math.max(afterParents, (lastInLane.get(lane) ?? -1) + 1);
    columnOf.set(n, column);
    lastInLane.set(lane, column);
    nodes.push({
      uuid: n.uuid,
      versionId: n.versionId,
      branch: n.branch,
      note: n.note,
      locked: n.locked,
      parents: n.parents.map((p) => p.uuid),
      children: n.childIds.map((id) => byId.get(id)?.uuid).filter((u) => u !== undefined),
      merge: n.parents.length > 1,
      lane,
      column,
    });
    n.parents.forEach((p, i) => edges.push({ from: p.uuid, to: n.uuid, primary: i === 0 }));
  }
  const columns = nodes.reduce((m, n) => Math.max(m, n.column + 1), 0);
  return { nodes, edges, lanes, columns };
}

/**
 * `uuid` and every version reached from it through `key` ("parents": its ancestors, every parent
 * of a merge included; "children": its descendants), over nodes that carry those UUID lists.
 */
export function lineage(uuid, nodes, key) {
  const byUuid = new Map(nodes.map((n) => [n.uuid, n]));
  const seen = new Set();
  const stack = [uuid];
  while (stack.length > 0) {
    const u = stack.pop();
    if (seen.has(u)) continue;
    seen.add(u);
    for (const next of byUuid.get(u)?.[key] ?? []) stack.push(next);
  }
  return seen;
}
