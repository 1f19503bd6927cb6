// Links into neuroglancer and into the console: pure functions (no DOM, no node imports), typed by
// neuroglancer-url.d.ts beside this file. One builder for three users: the volume-client
// (`Version.neuroglancerUrl()`), the console page in the browser (console/serve-console.ts serves
// this file as `/console/neuroglancer-url.js`, so it stays plain JS) and console/index.ts, which
// re-exports it for `dvidcloud view`.
//
// neuroglancer's dvid:// data source (neuroglancer-dvid.md, "Layer URL"): the layer source is
// `dvid://<scheme>://<host>:<port>/<uuid>/<instance>`, the API sitting at the server root, so the
// server URL may carry no path. The viewer state goes in the URL fragment as `#!<url-encoded JSON>`.

/** The layer types this builder writes: uint8blk volumes are images, label volumes segmentations. */
export const LAYER_TYPES = Object.freeze(["image", "segmentation"]);

/** DVID instance types neuroglancer's dvid:// source shows, with the layer type each becomes. */
export const VIEWABLE_TYPES = Object.freeze({
  uint8blk: "image",
  labelblk: "segmentation",
  labelarray: "segmentation",
  labelmap: "segmentation",
});

function describe(value) {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(message, where = "neuroglancerUrl") {
  throw new TypeError(`${where}: ${message}`);
}

/**
 * The layer type neuroglancer uses for a DVID instance type (`"image"` for uint8blk,
 * `"segmentation"` for labelblk, labelarray and labelmap), or undefined when the dvid:// source
 * cannot show that type.
 */
export function layerTypeFor(typeName) {
  return Object.prototype.hasOwnProperty.call(VIEWABLE_TYPES, typeName) ? VIEWABLE_TYPES[typeName] : undefined;
}

/**
 * `scheme://host[:port]` of `serverUrl` (a trailing "/" is dropped). Throws when it is not an
 * http(s) URL or carries a path, query or fragment, which neuroglancer's dvid:// source cannot
 * express.
 */
export function serverOrigin(serverUrl, what = "serverUrl", where = "serverOrigin") {
  const expected = `${what} must be an http(s) URL such as "http://127.0.0.1:8000"; got ${describe(serverUrl)}`;
  if (typeof serverUrl !== "string" || serverUrl === "") fail(expected, where);
  let url;
  try {
    url = new URL(serverUrl);
  } catch {
    fail(expected, where);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail(expected, where);
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    fail(`${what} must be scheme://host:port only (DVID's API sits at the server root); got ${describe(serverUrl)}`, where);
  }
  return url.origin;
}

function checkTriple(value, what, where = "neuroglancerUrl") {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((n) => typeof n === "number" && Number.isFinite(n))) {
    fail(`${what} must be 3 finite numbers [x, y, z]; got ${describe(value)}`, where);
  }
  return [value[0], value[1], value[2]];
}

const SEGMENT = /^[^/?#%\s]+$/;

/**
 * A neuroglancer URL showing `layers` of version `uuid` of the DVID at `serverUrl`.
 *
 * - `serverUrl`: the DVID as the browser reaches it, `scheme://host:port` (no path).
 * - `uuid`: a version UUID, a unique prefix, or `prefix:branch` (neuroglancer looks up the part
 *   before ":" and sends the whole string in chunk URLs).
 * - `layers`: `[{ name, type }]`, `name` the DVID instance, `type` "image" or "segmentation".
 * - `position`: `[x, y, z]` in voxels (neuroglancer's axis order, not the volume-client's ZYX);
 *   default: neuroglancer's (the centre of the first layer's bounds).
 * - `voxelSize`: `[x, y, z]` in nanometres; when given the state names its coordinate space
 *   (`dimensions`) so `position` is read in voxels before the data source answers. neuroglancer
 *   reads DVID voxel sizes as whole nanometres, so fractions are truncated here too.
 * - `viewerBase`: the viewer's page, default `<serverUrl>/ng/` (local-dvid serves it there).
 * - `layout`: neuroglancer layout, default "4panel".
 */
export function neuroglancerUrl(options) {
  if (typeof options !== "object" || options === null) fail(`options must be an object; got ${describe(options)}`);
  const known = new Set(["serverUrl", "uuid", "layers", "position", "voxelSize", "viewerBase", "layout"]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) fail(`unknown option ${describe(key)} (expected ${[...known].join(", ")})`);
  }
  const origin = serverOrigin(options.serverUrl, "serverUrl", "neuroglancerUrl");
  const { uuid, layers } = options;
  if (typeof uuid !== "string" || !SEGMENT.test(uuid)) fail(`uuid must be a version UUID, prefix or "prefix:branch" without "/", "?", "#", "%" or spaces; got ${describe(uuid)}`);
  if (!Array.isArray(layers) || layers.length === 0) fail(`layers must list at least one { name, type }; got ${describe(layers)}`);
  const names = new Set();
  const stateLayers = layers.map((layer, i) => {
    if (typeof layer !== "object" || layer === null) fail(`layers[${i}] must be { name, type }; got ${describe(layer)}`);
    const { name, type } = layer;
    if (typeof name !== "string" || !SEGMENT.test(name)) fail(`layers[${i}].name must be a DVID instance name without "/", "?", "#", "%" or spaces; got ${describe(name)}`);
    if (!LAYER_TYPES.includes(type)) fail(`layers[${i}].type must be "image" or "segmentation"; got ${describe(type)}`);
    if (names.has(name)) fail(`layers[${i}].name ${describe(name)} is listed twice`);
    names.add(name);
    return { type, source: `dvid://${origin}/${uuid}/${name}`, name };
  });
  const state = {};
  if (options.voxelSize !== undefined) {
    const size = checkTriple(options.voxelSize, "voxelSize").map((n) => Math.trunc(n));
    if (size.some((n) => n < 1)) fail(`voxelSize must be at least 1 nm on every axis (neuroglancer reads whole nanometres); got ${describe(options.voxelSize)}`);
    state.dimensions = { x: [size[0] * 1e-9, "m"], y: [size[1] * 1e-9, "m"], z: [size[2] * 1e-9, "m"] };
  }
  if (options.position !== undefined) state.position = checkTriple(options.position, "position");
  state.layers = stateLayers;
  const layout = options.layout ?? "4panel";
  if (typeof layout !== "string" || layout === "") fail(`layout must be a neuroglancer layout name such as "4panel" or "xy"; got ${describe(layout)}`);
  state.layout = layout;
  let base = `${origin}/ng/`;
  if (options.viewerBase !== undefined) {
    const vb = options.viewerBase;
    let parsed;
    try {
      parsed = new URL(vb);
    } catch {
      fail(`viewerBase must be an absolute http(s) URL of neuroglancer's page; got ${describe(vb)}`);
    }
    if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.hash !== "" || vb.includes("#")) {
      fail(`viewerBase must be an http(s) URL without a fragment (the state goes there); got ${describe(vb)}`);
    }
    base = vb;
  }
  return `${base}#!${encodeURIComponent(JSON.stringify(state))}`;
}

/** The centre of an inclusive voxel box, `[x, y, z]`: each axis at (min + max + 1) / 2. */
export function boxCentre(minPoint, maxPoint) {
  const lo = checkTriple(minPoint, "minPoint", "boxCentre");
  const hi = checkTriple(maxPoint, "maxPoint", "boxCentre");
  return [0, 1, 2].map((i) => (lo[i] + hi[i] + 1) / 2);
}

/**
 * The console's URL for a DVID: `base` is where the console is served (e.g.
 * "http://127.0.0.1:8000/"); `server` (default: the console's own origin) is the DVID it talks
 * to; `nodes` are the cluster's other nodes, shown with their health; `admin` shows the
 * commit/branch/merge forms; `repo` and `version` select what the page opens on.
 */
export function consoleUrl(options) {
  const where = "consoleUrl";
  if (typeof options !== "object" || options === null) fail(`options must be an object; got ${describe(options)}`, where);
  const known = new Set(["base", "server", "nodes", "admin", "repo", "version"]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) fail(`unknown option ${describe(key)} (expected ${[...known].join(", ")})`, where);
  }
  let url;
  try {
    url = new URL(options.base);
  } catch {
    fail(`base must be the absolute http(s) URL the console is served at; got ${describe(options.base)}`, where);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail(`base must use http or https; got ${describe(options.base)}`, where);
  if (options.server !== undefined) url.searchParams.set("server", serverOrigin(options.server, "server", where));
  if (options.nodes !== undefined) {
    if (!Array.isArray(options.nodes)) fail(`nodes must be a list of node URLs; got ${describe(options.nodes)}`, where);
    const origins = options.nodes.map((n, i) => serverOrigin(n, `nodes[${i}]`, where));
    if (origins.length > 0) url.searchParams.set("nodes", origins.join(","));
  }
  if (options.admin !== undefined && typeof options.admin !== "boolean") fail(`admin must be true or false; got ${describe(options.admin)}`, where);
  if (options.admin) url.searchParams.set("admin", "1");
  const hash = new URLSearchParams();
  for (const key of ["repo", "version"]) {
    const v = options[key];
    if (v === undefined) continue;
    if (typeof v !== "string" || !SEGMENT.test(v)) fail(`${key} must be a UUID without "/", "?", "#", "%" or spaces; got ${describe(v)}`, where);
    hash.set(key, v);
  }
  url.hash = hash.toString();
  return url.toString();
}
