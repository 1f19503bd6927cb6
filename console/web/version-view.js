// The chosen version: UUID, branch, lock state, note, parents and children, times and log.
import { h, replace } from "./dom.js";
import { shortUuid, when } from "./format.js";

function versionLinks(uuids, onSelect) {
  if (uuids.length === 0) return h("span", { class: "muted" }, "none");
  return uuids.map((u) =>
    h(
      "a",
      {
        href: "#",
        class: "uuid-link",
        dataset: { uuid: u },
        onClick: (ev) => {
          ev.preventDefault();
          onSelect(u);
        },
      },
      h("code", {}, shortUuid(u)),
    ),
  );
}

/** Renders version `node` (from layoutDag) with its DVID record `raw` (DAG.Nodes entry). */
export function renderVersion(container, node, raw, onSelect) {
  const log = Array.isArray(raw?.Log) ? raw.Log : [];
  replace(
    container,
    h(
      "header",
      { class: "card-header" },
      h("h2", {}, "Version ", h("code", { class: "version-id" }, shortUuid(node.uuid))),
      h(
        "div",
        { class: "badges" },
        h("span", { class: "pill pill-branch" }, node.branch),
        h("span", { class: `pill ${node.locked ? "pill-locked" : "pill-open"}`, dataset: { state: node.locked ? "locked" : "open" } }, node.locked ? "committed" : "open"),
        node.merge ? h("span", { class: "pill pill-merge" }, `merge of ${node.parents.length}`) : null,
      ),
    ),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "UUID"),
      h("dd", {}, h("code", { class: "full-uuid" }, node.uuid)),
      h("dt", {}, "Note"),
      h("dd", { class: "version-note" }, node.note || h("span", { class: "muted" }, "no note")),
      h("dt", {}, node.merge ? "Parents" : "Parent"),
      h("dd", {}, versionLinks(node.parents, onSelect)),
      h("dt", {}, "Children"),
      h("dd", {}, versionLinks(node.children, onSelect)),
      raw?.Created ? [h("dt", {}, "Created"), h("dd", {}, when(raw.Created))] : null,
      raw?.Updated ? [h("dt", {}, "Updated"), h("dd", {}, when(raw.Updated))] : null,
    ),
    h(
      "p",
      { class: "hint" },
      node.locked
        ? "Committed: its versioned data can no longer change. New versions, branches and merges start from committed versions."
        : "Open: data can still be written here. Commit it to start new versions or branches from it.",
    ),
    log.length > 0
      ? h("details", { class: "log" }, h("summary", {}, `Log (${log.length} entr${log.length === 1 ? "y" : "ies"})`), h("ol", {}, log.map((e) => h("li", {}, e))))
      : null,
  );
}
