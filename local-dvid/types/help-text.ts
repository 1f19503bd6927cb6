// Help pages: `GET /api/help` (HTML listing the compiled types, as DVID's help page does) and
// `GET /api/help/{type}` / `GET …/{name}/help` (plain text per type). The text is local-dvid's
// own summary of what it implements, not a copy of DVID's.
import { DATA_TYPES, type DataTypeName } from "./data-types.js";

const VOXEL_HELP = (name: string, bytes: string, extra: string): string => `
API for ${name} (local-dvid, DVID-compatible)
${"=".repeat(name.length + 34)}

Voxels are ${bytes}, stored in blocks (default BlockSize 32,32,32), x fastest, then y, then z.

POST /api/repo/<UUID>/instance  {"typename": "${name}", "dataname": "<name>",
      "BlockSize": "nx,ny,nz", "VoxelSize": "rx,ry,rz", "VoxelUnits": "u,u,u", "versioned": "true"}
      Settings are JSON strings.

GET  <api URL>/node/<UUID>/<data name>/help
GET  <api URL>/node/<UUID>/<data name>/info
GET  <api URL>/node/<UUID>/<data name>/metadata
POST <api URL>/node/<UUID>/<data name>/extents      {"MinPoint": [x,y,z], "MaxPoint": [x,y,z]}
POST <api URL>/node/<UUID>/<data name>/resolution   [rx, ry, rz]

GET  <api URL>/node/<UUID>/<data name>/raw/0_1_2/<nx_ny_nz>/<x_y_z>
     Any box; never-written voxels read as 0; at most 3 GiB per request.
GET  <api URL>/node/<UUID>/<data name>/raw/<xy|xz|yz>/<w_h>/<x_y_z>[/png]
     A 2-D slice as PNG.
POST <api URL>/node/<UUID>/<data name>/raw/0_1_2/<nx_ny_nz>/<x_y_z>
     Block-aligned boxes only; the body is exactly nx*ny*nz voxels.
POST <api URL>/node/<UUID>/<data name>/raw/0_1_2/<nx_ny_nz>/<x_y_z>?nonaligned=true
     local-dvid extension: any box; partly covered blocks are patched atomically.
${extra}`;

const LABEL_EXTRA = `
GET  <api URL>/node/<UUID>/<data name>/raw/0_1_2/<size>/<offset>?compression=lz4|gzip
POST <api URL>/node/<UUID>/<data name>/raw/0_1_2/<size>/<offset>?compression=lz4|gzip
     The body is the whole array as one raw LZ4 block (no header) or gzip.
GET  <api URL>/node/<UUID>/<data name>/label/<x_y_z>      -> {"Label": N}
GET  <api URL>/node/<UUID>/<data name>/labels   body [[x,y,z], ...] -> [N, ...]
`;

const KEYVALUE_HELP = `
API for keyvalue (local-dvid, DVID-compatible)
==============================================

GET    <api URL>/node/<UUID>/<data name>/help
GET    <api URL>/node/<UUID>/<data name>/info
GET    <api URL>/node/<UUID>/<data name>/keys                  JSON array of keys
GET    <api URL>/node/<UUID>/<data name>/keyrange/<k1>/<k2>    keys in [k1, k2]
GET    <api URL>/node/<UUID>/<data name>/key/<key>             the value, or 404
HEAD   <api URL>/node/<UUID>/<data name>/key/<key>             200 or 404
POST   <api URL>/node/<UUID>/<data name>/key/<key>             stores the body
DELETE <api URL>/node/<UUID>/<data name>/key/<key>             deletes (a tombstone in versioned data)
`;

export function typeHelp(name: DataTypeName): string {
  switch (name) {
    case "keyvalue":
      return KEYVALUE_HELP;
    case "labelblk":
      return VOXEL_HELP(name, "little-endian uint64 labels", LABEL_EXTRA);
    default: {
      const dtype = name.replace(/blk$/, "");
      return VOXEL_HELP(name, `little-endian ${dtype}`, "");
    }
  }
}

export function helpPage(hostname: string): string {
  const types = Object.keys(DATA_TYPES)
    .sort()
    .map((t) => `<li><a href='/api/help/${t}'>${t}</a></li>`)
    .join("");
  return `<!DOCTYPE html>
<html>
<head><meta charset='utf-8' /><title>local-dvid</title></head>
<body>
<h2>local-dvid: a DVID-compatible server running on ${hostname}</h2>
<h3>HTTP API</h3>
<pre>
 GET  /api/help                    this page
 GET  /api/help/{typename}         help for one data type
 GET  /api/heartbeat               "OK"
 GET  /api/load                    request rates
 GET  /api/server/info             server properties (all values are strings)
 GET  /api/server/note
 GET  /api/server/types            types of existing instances
 GET  /api/server/compiled-types   every supported type

 POST /api/repos                   {"alias", "description", "root", "passcode"} -> {"root": uuid}
 GET  /api/repos/info
 HEAD /api/repo/{uuid}
 GET  /api/repo/{uuid}/info        POST /api/repo/{uuid}/info {"alias", "description"}
 POST /api/repo/{uuid}/instance    {"typename", "dataname", ...string settings}
 GET  /api/repo/{uuid}/log         POST /api/repo/{uuid}/log {"log": [...]}
 POST /api/repo/{uuid}/merge       {"mergeType": "conflict-free", "parents": [...], "note"}
 GET  /api/repo/{uuid}/branch-versions/{branch}

 GET  /api/node/{uuid}/note        POST /api/node/{uuid}/note {"note"}
 GET  /api/node/{uuid}/log         POST /api/node/{uuid}/log {"log": [...]}
 GET  /api/node/{uuid}/status
 POST /api/node/{uuid}/commit      {"note", "log"}
 POST /api/node/{uuid}/newversion  {"note", "uuid"}
 POST /api/node/{uuid}/branch      {"branch", "note", "uuid"}
 POST /api/node/{uuid}/tag         {"tag", "note"}

{uuid} may be a unique prefix, "prefix:branch" or "prefix:branch~N".
</pre>
<h4>Data type commands</h4>
<ul>${types}</ul>
</body>
</html>
`;
}
