// The data instances of a chosen version: volumes with type, block size, voxel size and extents
// (read at that version) and a link that opens each in neuroglancer; keyvalue instances with their
// keys; anything else by name and type.
import { h, replace } from "./dom.js";
import { boxSize, triple, voxelSize } from "./format.js";
import { lineage } from "./dag-layout.js";
import { boxCentre, layerTypeFor, neuroglancerUrl } from "./neuroglancer-url.js";

const KEYS_SHOWN = 60;


function extentsOf(info) {
  const source = info?.Extents ?? info?.Extended ?? {};
  const min = source.MinPoint;
  const max = source.MaxPoint;
  return Array.isArray(min) && Array.isArray(max) ? { min, max } : undefined;
}

function pyramidBase(name, names) {
  const m = /^(.+)_(\d+)$/.exec(name);
  return m && names.has(m[1]) ? { base: m[1], level: Number(m[2]) } : undefined;
}

function viewerLink(config, uuid, layers, extents, voxel, label, extraClass = "") {
  try {
    const href = neuroglancerUrl({
      serverUrl: config.server,
      uuid,
      layers,
      position: extents ? boxCentre(extents.min, extents.max) : undefined,
      voxelSize: Array.isArray(voxel) && voxel.every((v) => v >= 1) ? voxel : undefined,
      viewerBase: config.viewer,
    });
    return h("a", { class: `button button-small ng-link ${extraClass}`.trim(), href, target: "_blank", rel: "noopener" }, label);
  } catch (err) {
    return h("span", { class: "error-text" }, err.message);
  }
}

/**
 * Loads what `container` shows for version `uuid` of `repo` (its DVID record) and renders it.
 * `isCurrent()` is asked before rendering, so a slow answer for a version no longer chosen is
 * dropped.
 */
export async function loadInstances(container, { api, config, repo, uuid, nodes, isCurrent }) {
  const visible = lineage(uuid, nodes, "parents");
  const dagUuids = new Set(nodes.map((n) => n.uuid));
  const all = Object.entries(repo.DataInstances ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const shown = all.filter(([, inst]) => {
    const created = inst?.Base?.RepoUUID;
    return typeof created !== "string" || !dagUuids.has(created) || visible.has(created);
  });
  const hidden = all.length - shown.length;
  const isVolume = ([, inst]) => Array.isArray(inst?.Extended?.BlockSize);
  const isKeyValue = ([, inst]) => inst?.Base?.TypeName === "keyvalue";
  const volumes = shown.filter(isVolume);
  const keyvalues = shown.filter(isKeyValue);
  const others = shown.filter((entry) => !isVolume(entry) && !isKeyValue(entry));

  replace(container, h("header", { class: "card-header" }, h("h2", {}, "Data instances")), h("p", { class: "muted loading" }, "Loading…"));

  const [volumeInfos, keyLists] = await Promise.all([
    Promise.all(volumes.map(([name]) => api.instanceInfo(uuid, name).then((info) => ({ info }), (err) => ({ error: err.message })))),
    Promise.all(keyvalues.map(([name]) => api.keys(uuid, name).then((keys) => ({ keys: Array.isArray(keys) ? keys : [] }), (err) => ({ error: err.message })))),
  ]);
  if (!isCurrent()) return;

  const volumeNames = new Set(volumes.map(([n]) => n));
  const rows = volumes.map(([name, inst], i) => {
    const { info, error } = volumeInfos[i];
    const merged = info ?? inst;
    const type = merged?.Base?.TypeName ?? "?";
    const ext = merged?.Extended ?? {};
    const extents = extentsOf(info) ?? (error ? extentsOf(inst) : undefined);
    const layerType = layerTypeFor(type);
    const level = pyramidBase(name, volumeNames);
    return {
      name,
      layerType,
      extents,
      voxel: ext.VoxelSize,
      level,
      row: h(
        "tr",
        { class: "volume", dataset: { name, type } },
        h("td", {}, h("strong", { class: "instance-name" }, name), level ? h("span", { class: "pill pill-muted pill-small" }, `level ${level.level} of ${level.base}`) : null),
        h("td", {}, h("code", {}, type)),
        h("td", { class: "block-size" }, triple(ext.BlockSize)),
        h("td", { class: "voxel-size" }, voxelSize(ext.VoxelSize, ext.VoxelUnits)),
        h(
          "td",
          { class: "extents" },
          extents
            ? [h("div", {}, `${extents.min.join(", ")} → ${extents.max.join(", ")}`), h("div", { class: "muted small" }, boxSize(extents.min, extents.max))]
            : h("span", { class: "muted" }, "empty (nothing written)"),
          error ? h("div", { class: "error-text small" }, error) : null,
        ),
        h(
          "td",
          { class: "view" },
          layerType
            ? viewerLink(config, uuid, [{ name, type: layerType }], extents, ext.VoxelSize, "Open in neuroglancer")
            : h("span", { class: "muted small" }, "neuroglancer shows uint8blk and label volumes only"),
        ),
      ),
    };
  });

  // All viewable volumes in one view, at the centre of the first image (pyramid levels are found
  // by neuroglancer itself as <name>_1, <name>_2, …, so they are not layers of their own).
  const viewable = rows.filter((r) => r.layerType && !r.level);
  const anchor = viewable.find((r) => r.layerType === "image" && r.extents) ?? viewable.find((r) => r.extents) ?? viewable[0];
  const openAll =
    viewable.length > 1
      ? viewerLink(config, uuid, viewable.map((r) => ({ name: r.name, type: r.layerType })), anchor?.extents, anchor?.voxel, `Open all ${viewable.length} in neuroglancer`, "ng-all")
      : null;

  replace(
    container,
    h("header", { class: "card-header" }, h("h2", {}, "Data instances"), h("div", { class: "header-actions" }, openAll)),
    shown.length === 0 ? h("p", { class: "muted" }, "No data instances in this version.") : null,
    volumes.length > 0
      ? [
          h("h3", {}, "Volumes"),
          h(
            "div",
            { class: "table-scroll" },
            h(
              "table",
              { class: "volumes" },
              h("thead", {}, h("tr", {}, ["Name", "Type", "Block size", "Voxel size", "Extents (x, y, z)", "View"].map((t) => h("th", {}, t)))),
              h("tbody", {}, rows.map((r) => r.row)),
            ),
          ),
        ]
      : null,
    keyvalues.length > 0
      ? [
          h("h3", {}, "Key-value stores"),
          h(
            "ul",
            { class: "keyvalues" },
            keyvalues.map(([name], i) => {
              const { keys, error } = keyLists[i];
              const count = keys ? `${keys.length} key${keys.length === 1 ? "" : "s"}` : "";
              const chips = (list) => h("ul", { class: "keys" }, list.map((k) => h("li", { class: "key" }, k)));
              return h(
                "li",
                { class: "keyvalue", dataset: { name } },
                h("div", { class: "kv-header" }, h("strong", { class: "instance-name" }, name), h("code", {}, "keyvalue"), h("span", { class: "muted" }, count)),
                error ? h("div", { class: "error-text" }, error) : null,
                keys && keys.length === 0 ? h("div", { class: "muted small" }, "no keys in this version") : null,
                keys && keys.length > 0 ? chips(keys.slice(0, KEYS_SHOWN)) : null,
                keys && keys.length > KEYS_SHOWN
                  ? h("details", {}, h("summary", {}, `${keys.length - KEYS_SHOWN} more`), chips(keys.slice(KEYS_SHOWN)))
                  : null,
              );
            }),
          ),
        ]
      : null,
    others.length > 0
      ? [
          h("h3", {}, "Other instances"),
          h("ul", { class: "others" }, others.map(([name, inst]) => h("li", { dataset: { name } }, h("strong", {}, name), " ", h("code", {}, inst?.Base?.TypeName ?? "?")))),
        ]
      : null,
    hidden > 0
      ? h("p", { class: "muted small" }, `${hidden} instance${hidden === 1 ? " was" : "s were"} created in versions that are not ancestors of this one and ${hidden === 1 ? "is" : "are"} not shown.`)
      : null,
  );
}
