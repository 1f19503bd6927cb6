// Draws a repo's version DAG as SVG: a row per branch, versions as circles (filled when committed,
// hollow when open), merges as diamonds, edges from parents to children (dashed for the second and
// later parents of a merge), the note above each version and its short UUID below.
import { h, svg, replace } from "./dom.js";
import { shortUuid, truncate } from "./format.js";

const COLUMN = 136;
const LANE = 78;
const LEFT = 132;
const TOP = 42;
const R = 9;
const PALETTE = ["#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#65a30d"];

function laneColour(lane) {
  return PALETTE[lane % PALETTE.length];
}

function centre(node) {
  return [LEFT + node.column * COLUMN + COLUMN / 2, TOP + node.lane * LANE + LANE / 2];
}

/**
 * An edge between two version centres. Into the first version of a branch it bends at once and
 * runs along the branch's (still empty) row, as git graphs draw branches; otherwise it is one
 * S-curve from parent to child.
 */
function edgePath([x1, y1], [x2, y2], bendEarly) {
  if (y1 === y2) return `M${x1 + R},${y1} L${x2 - R},${y2}`;
  if (bendEarly && x2 - x1 > COLUMN) {
    const end = x1 + COLUMN;
    return `M${x1 + R},${y1} C${x1 + COLUMN / 2},${y1} ${x1 + COLUMN / 2},${y2} ${end},${y2} L${x2 - R},${y2}`;
  }
  const mid = (x1 + x2) / 2;
  return `M${x1 + R},${y1} C${mid},${y1} ${mid},${y2} ${x2 - R},${y2}`;
}

function marker(node, colour) {
  const fill = node.locked ? colour : "#ffffff";
  const common = { class: "dag-mark", fill, stroke: colour, "stroke-width": node.locked ? 2 : 3 };
  if (node.merge) {
    const r = R + 2;
    return svg("path", { ...common, d: `M0,${-r} L${r},0 L0,${r} L${-r},0 Z` });
  }
  return svg("circle", { ...common, r: R });
}

/**
 * Renders `layout` (from layoutDag) into `container`. `selected` is the chosen version's UUID;
 * `onSelect(uuid)` runs when a version is clicked or chosen with the keyboard.
 */
export function renderDag(container, layout, selected, onSelect) {
  const width = LEFT + Math.max(1, layout.columns) * COLUMN + 16;
  const height = TOP + layout.lanes.length * LANE + 8;
  const byUuid = new Map(layout.nodes.map((n) => [n.uuid, n]));

  const lanes = layout.lanes.map((name, lane) => {
    const y = TOP + lane * LANE + LANE / 2;
    const colour = laneColour(lane);
    return svg(
      "g",
      { class: "dag-lane", dataset: { branch: name } },
      svg("line", { class: "dag-lane-line", x1: LEFT, y1: y, x2: width - 8, y2: y }),
      svg("rect", { class: "dag-branch-pill", x: 12, y: y - 12, width: LEFT - 28, height: 24, rx: 12, fill: colour }),
      svg("text", { class: "dag-branch", x: 12 + (LEFT - 28) / 2, y: y + 4, "text-anchor": "middle" }, truncate(name, 14)),
      svg("title", {}, `branch ${name}`),
    );
  });

  const firstInLane = new Map();
  for (const n of layout.nodes) if (!firstInLane.has(n.lane) || n.column < firstInLane.get(n.lane).column) firstInLane.set(n.lane, n);
  const edges = layout.edges.map((e) => {
    const from = byUuid.get(e.from);
    const to = byUuid.get(e.to);
    const colour = laneColour(e.primary ? to.lane : from.lane);
    return svg("path", {
      class: `dag-edge${e.primary ? "" : " dag-edge-merge"}`,
      d: edgePath(centre(from), centre(to), firstInLane.get(to.lane) === to),
      stroke: colour,
      dataset: { from: e.from, to: e.to },
    });
  });

  const nodes = layout.nodes.map((n) => {
    const [x, y] = centre(n);
    const colour = laneColour(n.lane);
    const isSelected = n.uuid === selected;
    const state = n.locked ? "committed" : "open";
    const label = `Version ${shortUuid(n.uuid)} on ${n.branch}, ${state}${n.merge ? `, merge of ${n.parents.length}` : ""}${n.note ? `: ${n.note}` : ""}`;
    const choose = () => onSelect(n.uuid);
    return svg(
      "g",
      {
        class: `dag-node${isSelected ? " selected" : ""}`,
        transform: `translate(${x},${y})`,
        tabindex: 0,
        role: "button",
        "aria-label": label,
        "aria-pressed": isSelected ? "true" : "false",
        dataset: { uuid: n.uuid, branch: n.branch, locked: String(n.locked), merge: String(n.merge) },
        onClick: choose,
        onKeydown: (ev) => {
          if (ev.key === "Enter" || ev.key === " ") {
            ev.preventDefault();
            choose();
          }
        },
      },
      svg("title", {}, `${label}\n${n.uuid}`),
      isSelected ? svg("circle", { class: "dag-halo", r: R + 7 }) : null,
      marker(n, colour),
      n.note ? svg("text", { class: "dag-note", y: -R - 10, "text-anchor": "middle" }, truncate(n.note, 19)) : null,
      svg("text", { class: "dag-uuid", y: R + 19, "text-anchor": "middle" }, shortUuid(n.uuid)),
    );
  });

  const picture = svg(
    "svg",
    {
      class: "dag",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "group",
      "aria-label": `Version DAG: ${layout.nodes.length} versions on ${layout.lanes.length} branches`,
    },
    svg("g", { class: "dag-lanes" }, lanes),
    svg("g", { class: "dag-edges" }, edges),
    svg("g", { class: "dag-nodes" }, nodes),
  );

  const legendIcon = (shape) =>
    svg("svg", { class: "legend-icon", width: 22, height: 22, viewBox: "-11 -11 22 22", "aria-hidden": "true" }, shape);
  const legend = h(
    "ul",
    { class: "dag-legend" },
    h("li", {}, legendIcon(svg("circle", { r: 7, fill: "#64748b", stroke: "#64748b", "stroke-width": 2 })), "committed (locked)"),
    h("li", {}, legendIcon(svg("circle", { r: 7, fill: "#fff", stroke: "#64748b", "stroke-width": 3 })), "open"),
    h("li", {}, legendIcon(svg("path", { d: "M0,-9 L9,0 L0,9 L-9,0 Z", fill: "#64748b" })), "merge"),
    h("li", {}, legendIcon(svg("line", { x1: -10, y1: 0, x2: 10, y2: 0, class: "dag-edge dag-edge-merge", stroke: "#64748b" })), "merged-in parent"),
  );
  replace(container, h("div", { class: "dag-scroll" }, picture), legend);
}
