// layoutDag: the console's placement of a repo's version DAG (dvid-api.md §3.3): a row per branch
// with master first, every version right of its parents, no two versions in one cell, merges
// marked, edges for every parent link (VersionIDs mapped to UUIDs).
import { describe, expect, it } from "@jest/globals";
import { layoutDag, lineage } from "../../console/web/dag-layout.js";

function node(uuid: string, versionId: number, parents: number[], children: number[], extra: Record<string, unknown> = {}) {
  return { UUID: uuid, VersionID: versionId, Parents: parents, Children: children, Branch: "", Note: "", Locked: true, ...extra };
}

function cells(layout: ReturnType<typeof layoutDag>): string[] {
  return layout.nodes.map((n) => `${n.lane},${n.column}`);
}

describe("layoutDag", () => {
  it("places master in the first row, branches below in the order they were made, merges with all parents", () => {
    // root(1) -> proof(2, branch), second(3, master); merge(4) of second and proof; review(5) from proof
    const layout = layoutDag({
      r: node("r", 1, [], [2, 3], { Note: "imported" }),
      p: node("p", 2, [1], [4, 5], { Branch: "proof" }),
      s: node("s", 3, [1], [4]),
      m: node("m", 4, [3, 2], [], { Locked: false }),
      v: node("v", 5, [2], [], { Branch: "review", Locked: false }),
    });
    expect(layout.lanes).toEqual(["master", "proof", "review"]);
    expect(layout.nodes.map((n) => [n.uuid, n.branch, n.lane, n.column, n.merge, n.locked])).toEqual([
      ["r", "master", 0, 0, false, true],
      ["p", "proof", 1, 1, false, true],
      ["s", "master", 0, 1, false, true],
      ["m", "master", 0, 2, true, false],
      ["v", "review", 2, 2, false, false],
    ]);
    expect(layout.edges).toEqual([
      { from: "r", to: "p", primary: true },
      { from: "r", to: "s", primary: true },
      { from: "s", to: "m", primary: true },
      { from: "p", to: "m", primary: false },
      { from: "p", to: "v", primary: true },
    ]);
    expect(layout.nodes.find((n) => n.uuid === "m")?.parents).toEqual(["s", "p"]);
    expect(layout.nodes.find((n) => n.uuid === "r")?.children).toEqual(["p", "s"]);
    expect(layout.nodes[0].note).toBe("imported");
    expect(layout.columns).toBe(3);
  });

  it("puts every version right of all its parents and never two versions in one cell", () => {
    // A long master and a branch off every master version, made in interleaved order.
    const dag: Record<string, unknown> = {};
    let id = 1;
    let prev: number | undefined;
    for (let i = 0; i < 12; i++) {
      const m = id++;
      dag[`m${m}`] = node(`m${m}`, m, prev === undefined ? [] : [prev], []);
      if (i % 2 === 1) {
        const b = id++;
        dag[`b${b}`] = node(`b${b}`, b, [m], [], { Branch: `br${i}` });
      }
      prev = m;
    }
    const layout = layoutDag(dag);
    const column = new Map(layout.nodes.map((n) => [n.uuid, n.column]));
    for (const e of layout.edges) expect(column.get(e.to)!).toBeGreaterThan(column.get(e.from)!);
    expect(new Set(cells(layout)).size).toBe(layout.nodes.length);
  });

  it("keeps two master versions at the same depth in separate columns", () => {
    // A merge on master whose first parent is a branch: its depth equals a master sibling's.
    const layout = layoutDag({
      r: node("r", 1, [], []),
      a: node("a", 2, [1], []),
      b: node("b", 3, [1], [], { Branch: "b" }),
      c: node("c", 4, [1], [], { Branch: "c" }),
      m: node("m", 5, [3, 4], []),
    });
    expect(new Set(cells(layout)).size).toBe(5);
  });

  it("orders by VersionID, not by the order of the object's keys", () => {
    const layout = layoutDag({ z: node("z", 2, [1], []), a: node("a", 1, [], [2]) });
    expect(layout.nodes.map((n) => [n.uuid, n.column])).toEqual([
      ["a", 0],
      ["z", 1],
    ]);
  });

  it("ignores parents that name no version and survives a cycle", () => {
    const layout = layoutDag({
      r: node("r", 1, [99], []),
      x: node("x", 2, [3], []),
      y: node("y", 3, [2], []),
    });
    expect(layout.nodes.map((n) => n.uuid).sort()).toEqual(["r", "x", "y"]);
    expect(layout.edges.length).toBe(1);
  });

  it("uses the key as UUID when a node lacks one, and shows DVID's empty branch name as master", () => {
    const layout = layoutDag({ k: { VersionID: 1, Parents: [], Children: [] } });
    expect(layout.nodes.map((n) => [n.uuid, n.branch, n.locked, n.note])).toEqual([["k", "master", false, ""]]);
  });

  it("refuses something that is not a DAG.Nodes object", () => {
    expect(() => layoutDag(null as never)).toThrow("layoutDag: expected the DAG.Nodes object of a repo; got null");
  });
});

describe("lineage", () => {
  // a -> b -> d (merge of b and c), a -> c -> d, d -> e; f unrelated.
  const nodes = [
    { uuid: "a", parents: [], children: ["b", "c"] },
    { uuid: "b", parents: ["a"], children: ["d"] },
    { uuid: "c", parents: ["a"], children: ["d"] },
    { uuid: "d", parents: ["b", "c"], children: ["e"] },
    { uuid: "e", parents: ["d"], children: [] },
    { uuid: "f", parents: [], children: [] },
  ];

  it("gives a version and all its ancestors, through every parent of a merge", () => {
    expect([...lineage("e", nodes, "parents")].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect([...lineage("b", nodes, "parents")].sort()).toEqual(["a", "b"]);
  });

  it("gives a version and all its descendants, each once", () => {
    expect([...lineage("a", nodes, "children")].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect([...lineage("f", nodes, "children")]).toEqual(["f"]);
  });
});
