// Instance endpoints of the block-based voxel types (imageblk types and labelblk), dvid-api.md
// §4.2-4.7: info, metadata, extents, resolution, raw/isotropic 3-D and 2-D, label(s).
import { blockSpan, isAlignedSpan } from "../../volume-client/wire/block-grid.js";
import { isQueryFlagOn, NONALIGNED_QUERY } from "../../volume-client/wire/extensions.js";
import { goPoint, goQuote } from "../../volume-client/wire/go-format.js";
import { isInt32 } from "../../volume-client/wire/int32.js";
import type { Parsed } from "../../volume-client/wire/parse-result.js";
import { parsePoint } from "../../volume-client/wire/point.js";
import { describeRawBox, parseDataShape, parseRawBox, parseRawSlice, type DataShape, type RawBox } from "../../volume-client/wire/raw-url.js";
import { badApiCall, badRequest } from "../http/errors.js";
import { contentLength, readExactBody } from "../http/read-body.js";
import { sendBody, sendEmpty, sendJson } from "../http/respond.js";
import { findInstance, findNode } from "../meta/repo-meta.js";
import { rfc3339Nano } from "../meta/time-format.js";
import { instanceVersion, versionRefs } from "../meta/version-ref.js";
import type { VoxelTypeInfo } from "../types/data-types.js";
import { typeHelp } from "../types/help-text.js";
import { BlockLookup, OwnBlocks } from "../voxels/block-lookup.js";
import { boxExtents, growExtents, instanceExtents, putExtents } from "../voxels/extents.js";
import { pngLayoutForVoxelBytes } from "../voxels/png-encode.js";
import { discardStaged, publishStaged, writeAligned, writePatched } from "../voxels/volume-write.js";
import { boxBytes } from "../voxels/voxel-grid.js";
import { voxelLayout, type BlockIo, type VoxelLayout } from "../voxels/voxel-layout.js";
import { baseJson, voxelExtendedJson } from "./instance-json.js";
import type { InstanceRequest } from "./instance-request.js";
import { parseJson, readText } from "./json-body.js";
import { receiveAndStageAligned } from "./raw-receive.js";
import { inVersionWriteGate } from "./version-write-gate.js";
import { streamBox } from "./raw-stream.js";
import { limitHint } from "../limits.js";
import { readLabelsAt, labelsJson } from "../voxels/label-points.js";
import { receiveCompressedLabels, sendCompressedBox } from "./compressed-labels.js";
import { sendPngSlice } from "./png-slice.js";
import { getImageBlocks, getLabelBlocks, getSpecificBlocks, getSubvolBlocks, postImageBlocks } from "./block-routes.js";
import { sendJpegBox, sendSegmentationBox } from "./viewer-encode.js";


/** A parse of URL text, or DVID's 400 with the words DVID refuses it with. */
function accepted<T>(result: Parsed<T>): T {
  if (!result.ok) throw badRequest(result.error);
  return result.value;
}

/**
 * What a read (or a patch) at the request's version works with: every block of its ancestry.
 * `box`, when given, is all the read will touch (BlockLookup.create asks less for one block).
 */
async function lookupIo(r: InstanceRequest, layout: VoxelLayout, box?: RawBox): Promise<BlockIo<BlockLookup>> {
  const { app } = r.ctx;
  const refs = versionRefs(r.repo, r.node, r.inst);
  const count = box === undefined ? undefined : boxBlockCount(box, layout.blockSizeXyz);
  const blocks = await BlockLookup.create(app.store, app.blockIndex, r.inst.dataUUID, layout.blockBytes, refs, count);
  return { blocks, layout, pool: app.pool };
}

/** DVID refuses answers (and bodies) over its limit (server.MaxDataRequest, 3 GiB); here each is a limit of limits.ts. */
function checkSize(r: InstanceRequest, bytes: number, key: "maxResponseBytes" | "maxBodyBytes" | "maxSliceBytes" = "maxResponseBytes"): void {
  const { limits } = r.ctx.app.options;
  if (bytes > limits[key]) {
    throw badRequest(`Requested payload (${bytes} bytes) exceeds this DVID server's set limit (${limits[key]}); ${limitHint(key, limits)}`);
  }
}

export async function handleVoxels(r: InstanceRequest, type: VoxelTypeInfo): Promise<void> {
  const { ctx, inst, keyword } = r;
  const method = ctx.method;
  const labels = type.family === "labelblk";
  const allowed = labels ? ["GET", "POST", "DELETE"] : ["GET", "POST"];
  if (!allowed.includes(method)) {
    throw badRequest(`Data ${goQuote(inst.name)} can only handle ${labels ? "GET, POST or DELETE" : "GET or POST"} HTTP verbs`);
  }
  const bad = (): never => {
    throw badApiCall(ctx.path, inst.name, inst.typeName, ctx.host);
  };
  switch (keyword) {
    case "help":
      return method === "GET" ? sendBody(ctx.res, 200, "text/plain", typeHelp(inst.typeName)) : bad();
    case "info":
      if (method !== "GET") throw badRequest("info endpoint only supports GET");
      return sendInfo(r, type);
    case "metadata":
      return method === "GET" ? sendMetadata(r, type) : bad();
    case "extents":
      return method === "POST" ? postExtents(r) : bad();
    case "resolution":
      return method === "POST" ? postResolution(r) : bad();
    case "raw":
    case "isotropic":
      if (method === "GET") return getRaw(r, type);
      if (method === "POST") return postRaw(r, type);
      return bad();
    case "label":
      return labels && method === "GET" ? getLabel(r, type) : bad();
    case "labels":
      return labels && method === "GET" ? getLabels(r, type) : bad();
    case "subvolblocks":
      return !labels && method === "GET" ? getSubvolBlocks(r, type, await lookupIo(r, voxelLayout(r.inst, type))) : bad();
    case "specificblocks":
      return !labels && method === "GET" ? getSpecificBlocks(r, type, await lookupIo(r, voxelLayout(r.inst, type))) : bad();
    case "blocks":
      if (method === "GET") {
        const io = await lookupIo(r, voxelLayout(r.inst, type));
        return labels ? getLabelBlocks(r, io) : getImageBlocks(r, io);
      }
      return !labels && method === "POST" ? postImageBlocks(r, { blocks: undefined, layout: voxelLayout(r.inst, type), pool: ctx.app.pool }) : bad();
    default:
      return bad();
  }
}

async function sendInfo(r: InstanceRequest, type: VoxelTypeInfo): Promise<void> {
  const extents = await instanceExtents(r.ctx.app.store, r.repo, r.node, r.inst);
  const out: Record<string, unknown> = {
    Base: baseJson(r.inst, r.ctx.app.storeName),
    Extended: voxelExtendedJson(r.inst, type, extents),
  };
  // imageblk reports per-version extents at the top level too; labelblk does not (§4.2).
  if (type.family === "imageblk") out.Extents = { MinPoint: extents?.minXyz ?? null, MaxPoint: extents?.maxXyz ?? null };
  sendJson(r.ctx.res, out);
}

async function sendMetadata(r: InstanceRequest, type: VoxelTypeInfo): Promise<void> {
  const extents = await instanceExtents(r.ctx.app.store, r.repo, r.node, r.inst);
  const voxelSizeXyz = r.inst.voxelSizeXyz as number[];
  const unitsXyz = r.inst.voxelUnitsXyz as string[];
  const axes = ["X", "Y", "Z"].map((label, i) => ({
    Label: label,
    Resolution: voxelSizeXyz[i],
    Units: unitsXyz[i],
    Size: extents ? extents.maxXyz[i] - extents.minXyz[i] + 1 : 0,
    Offset: extents ? extents.minXyz[i] : 0,
  }));
  sendBody(
    r.ctx.res,
    200,
    "application/vnd.dvid-nd-data+json",
    JSON.stringify({ Axes: axes, Properties: voxelExtendedJson(r.inst, type, extents) }),
  );
}

function isInt32Triple(v: unknown): v is [number, number, number] {
  return Array.isArray(v) && v.length === 3 && v.every(isInt32);
}

async function postExtents(r: InstanceRequest): Promise<void> {
  const value = parseJson(await readText(r.ctx), false) as { MinPoint?: unknown; MaxPoint?: unknown } | null;
  if (value === null || typeof value !== "object" || !isInt32Triple(value.MinPoint) || !isInt32Triple(value.MaxPoint)) {
    throw badRequest(`extents must be JSON {"MinPoint": [x,y,z], "MaxPoint": [x,y,z]} with integer coordinates`);
  }
  const version = instanceVersion(r.repo, r.node, r.inst);
  await putExtents(r.ctx.app.store, r.inst.dataUUID, version.uuid, { minXyz: value.MinPoint, maxXyz: value.MaxPoint });
  sendEmpty(r.ctx.res);
}

async function postResolution(r: InstanceRequest): Promise<void> {
  const value = parseJson(await readText(r.ctx), false);
  if (!Array.isArray(value) || value.length !== 3 || value.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw badRequest("resolution must be a JSON array of 3 numbers [rx, ry, rz]");
  }
  await r.ctx.app.meta.updateRepo(r.repo.root, (repo) => {
    const inst = findInstance(repo, r.inst.name);
    if (!inst) throw badRequest("invalid data instance name");
    inst.voxelSizeXyz = value as [number, number, number];
    repo.updated = rfc3339Nano();
  });
  sendEmpty(r.ctx.res);
}

/** The `compression` query of label types: undefined (raw), "lz4", "gzip", "google" or "googlegzip". */
function labelCompression(r: InstanceRequest, type: VoxelTypeInfo): "lz4" | "gzip" | "google" | "googlegzip" | undefined {
  const c = r.ctx.query.get("compression");
  // imageblk types ignore `compression` on raw (dvid-api.md §4.3).
  if (type.family !== "labelblk" || c === null || c === "" || c === "uncompressed") return undefined;
  if (c === "lz4" || c === "gzip") return c;
  if ((c === "google" || c === "googlegzip") && r.ctx.method !== "POST") return c;
  throw badRequest(
    `compression=${c} is not supported by local-dvid for raw label volumes; use lz4 or gzip${r.ctx.method === "POST" ? "" : ", google or googlegzip"}`,
  );
}

function rejectUnsupportedQueries(r: InstanceRequest): void {
  const roi = r.ctx.query.get("roi");
  if (roi !== null && roi !== "") {
    throw badRequest(`roi masking is not supported by local-dvid (it has no roi instances); got roi=${roi}`);
  }
}

function rawParts(r: InstanceRequest): { shape: DataShape; size: string; offset: string; format?: string } {
  if (r.parts.length < 3) throw badRequest(`'${r.keyword}' must be followed by shape/size/offset`);
  return { shape: accepted(parseDataShape(r.parts[0])), size: r.parts[1], offset: r.parts[2], format: r.parts[3] };
}

async function getRaw(r: InstanceRequest, type: VoxelTypeInfo): Promise<void> {
  const { ctx } = r;
  const { shape, size, offset, format } = rawParts(r);
  rejectUnsupportedQueries(r);
  const layout = voxelLayout(r.inst, type);
  if (shape !== "3d") {
    const { box, width, height } = accepted(parseRawSlice(shape, size, offset));
    const fmt = (format ?? "png").toLowerCase();
    if (fmt !== "png") throw badRequest(`local-dvid encodes 2d images as png only; got format ${goQuote(format ?? "")}`);
    if (r.keyword === "isotropic") {
      const voxelSizeXyz = r.inst.voxelSizeXyz as number[];
      const axes = shape === "xy" ? [0, 1] : shape === "xz" ? [0, 2] : [1, 2];
      if (voxelSizeXyz[axes[0]] !== voxelSizeXyz[axes[1]]) {
        throw badRequest("isotropic 2d images of anisotropic voxels are not supported by local-dvid; use raw");
      }
    }
    const png = pngLayoutForVoxelBytes(type.bytesPerVoxel);
    if (!png) throw badRequest(`DVID doesn't support images for 1 channels and ${type.bytesPerVoxel} bytes/channel`);
    const bytes = boxBytes(box, type.bytesPerVoxel);
    checkSize(r, bytes, "maxSliceBytes");
    return sendPngSlice(ctx.res, await lookupIo(r, layout), box, width, height, png, ctx.method === "HEAD");
  }
  const box = accepted(parseRawBox(size, offset));
  const bytes = boxBytes(box, type.bytesPerVoxel);
  checkSize(r, bytes);
  // DVID: exactly `/jpg` or `/jpeg` on a 3-D imageblk GET is one JPEG of width nx, height ny*nz.
  if ((format === "jpg" || format === "jpeg") && type.family === "imageblk") {
    return sendJpegBox(ctx.res, await lookupIo(r, layout), box, r.inst.typeName);
  }
  if (format === "jpg" || format === "jpeg") {
    throw badRequest("labelblk volumes are not encoded as JPEG; omit the format for raw labels, or use ?compression=googlegzip");
  }
  const compression = labelCompression(r, type);
  const io = await lookupIo(r, layout, box);
  if (compression === undefined) return streamBox(ctx.res, io, box, ctx.method === "HEAD");
  if (compression === "google" || compression === "googlegzip") {
    return sendSegmentationBox(ctx.res, io, box, compression === "googlegzip");
  }
  return sendCompressedBox(ctx.res, io, box, bytes, compression);
}

/** How many blocks `box` touches. */
function boxBlockCount(box: RawBox, blockSizeXyz: readonly number[]): number {
  const span = (v0: number, n: number, b: number): number => {
    const [b0, b1] = blockSpan(v0, v0 + n, b);
    return b1 - b0;
  };
  return span(box.x0, box.nx, blockSizeXyz[0]) * span(box.y0, box.ny, blockSizeXyz[1]) * span(box.z0, box.nz, blockSizeXyz[2]);
}

function isAligned(box: RawBox, blockSizeXyz: readonly number[]): boolean {
  return (
    isAlignedSpan(box.x0, box.x0 + box.nx, blockSizeXyz[0]) &&
    isAlignedSpan(box.y0, box.y0 + box.ny, blockSizeXyz[1]) &&
    isAlignedSpan(box.z0, box.z0 + box.nz, blockSizeXyz[2])
  );
}

async function postRaw(r: InstanceRequest, type: VoxelTypeInfo): Promise<void> {
  const { ctx } = r;
  const { shape, size, offset } = rawParts(r);
  if (shape !== "3d") throw badRequest("DVID does not permit 2d mutations, only 3d block-aligned stores");
  const box = accepted(parseRawBox(size, offset));
  rejectUnsupportedQueries(r);
  const layout = voxelLayout(r.inst, type);
  const expected = boxBytes(box, type.bytesPerVoxel);
  checkSize(r, expected, "maxBodyBytes");
  const what = type.family === "labelblk" ? "labels" : "voxels";
  const lengthError = (got: number): Error =>
    badRequest(`${what} data was ${got} bytes, expected ${expected} bytes for ${describeRawBox(box)}`);
  const compression = labelCompression(r, type);
  const nonaligned = isQueryFlagOn(ctx.query.get(NONALIGNED_QUERY));
  const declared = contentLength(ctx.req);
  // Rule order as DVID checks it: body length, then alignment; nothing is written on failure.
  if (compression === undefined && declared !== undefined && declared !== expected) throw lengthError(declared);
  const aligned = isAligned(box, layout.blockSizeXyz);
  const alignmentError = (): Error => {
    const end = [box.x0 + box.nx - 1, box.y0 + box.ny - 1, box.z0 + box.nz - 1];
    return badRequest(
      `cannot store ${what} in non-block aligned geometry ${goPoint([box.x0, box.y0, box.z0])} -> ${goPoint(end)}`,
    );
  };
  if (!aligned && !nonaligned && declared !== undefined && compression === undefined) throw alignmentError();
  const pool = ctx.app.pool;
  const refs = versionRefs(r.repo, r.node, r.inst);
  // An aligned write replaces whole blocks: it needs only the version's own blocks, none of the
  // ancestry a read or a patch looks through.
  const own = (): BlockIo<OwnBlocks> => ({ blocks: new OwnBlocks(ctx.app.store, r.inst.dataUUID, refs[0]), layout, pool });
  const extents = (): Promise<void> => growExtents(ctx.app.store, r.inst.dataUUID, refs, boxExtents(box));
  if (aligned && compression === undefined && declared === expected) {
    // Staged while the body arrives, published only once all of it has, inside the version's
    // write gate (raw-receive.ts): a cut body or a commit in between leaves nothing.
    const staged = await receiveAndStageAligned(ctx.req, own(), box);
    try {
      await inVersionWriteGate(r, async () => {
        await publishStaged(own(), staged);
        await extents();
      });
    } finally {
      await discardStaged(staged);
    }
  } else {
    let body: Buffer;
    let pooled: Buffer | undefined;
    if (compression === undefined) {
      const got = await readExactBody(ctx.req, expected, (n) => (pooled = pool.acquire(n)));
      if (got.received !== expected) {
        pool.release(got.body);
        throw lengthError(got.received);
      }
      body = got.body;
    } else {
      body = pooled = await receiveCompressedLabels(ctx, compression as "lz4" | "gzip", expected, lengthError);
    }
    try {
      if (!aligned && !nonaligned) throw alignmentError();
      await inVersionWriteGate(r, async () => {
        if (aligned) await writeAligned(own(), body, box);
        else body = await patchAndKeep(await lookupIo(r, layout), body, box, (b) => (pooled &&= b));
        await extents();
      });
    } finally {
      if (pooled) pool.release(pooled);
    }
  }
  await bumpEpochAfterAdminWrite(r);
  sendEmpty(ctx.res);
}

/**
 * writePatched, telling `keep` which buffer holds the body afterwards (it may move to a worker
 * thread and come back as a new view; undefined when the thread died with it), so that the
 * pooled body goes back to the pool.
 */
async function patchAndKeep(io: BlockIo<BlockLookup>, body: Buffer, box: RawBox, keep: (b: Buffer | undefined) => void): Promise<Buffer> {
  try {
    const back = await writePatched(io, body, box);
    keep(back);
    return back;
  } catch (err) {
    if (body.buffer.byteLength === 0) keep((err as { body?: Buffer }).body); // moved, and back or lost
    throw err;
  }
}

/**
 * An admin-token write to a locked version changes data other processes may have cached as
 * immutable: bump the node's dataEpoch so their cache keys change (see block-lookup.ts).
 */
async function bumpEpochAfterAdminWrite(r: InstanceRequest): Promise<void> {
  if (!r.inst.versioned || !r.node.locked) return;
  await r.ctx.app.meta.updateRepo(r.repo.root, (repo) => {
    const node = findNode(repo, r.node.uuid);
    if (node) node.dataEpoch++;
  });
}

async function getLabel(r: InstanceRequest, type: VoxelTypeInfo): Promise<void> {
  if (r.parts.length < 1) throw badRequest("label requires a voxel coordinate x_y_z");
  const pointXyz = accepted(parsePoint(r.parts[0]));
  if (pointXyz.length !== 3) throw badRequest(`Expected 3d coordinate for label query; got ${goQuote(r.parts[0])}`);
  const [label] = await readLabelsAt(await lookupIo(r, voxelLayout(r.inst, type)), [pointXyz]);
  sendBody(r.ctx.res, 200, "application/json", `{"Label": ${label}}`);
}

async function getLabels(r: InstanceRequest, type: VoxelTypeInfo): Promise<void> {
  const value = parseJson(await readText(r.ctx), false);
  if (!Array.isArray(value) || !value.every(isInt32Triple)) {
    throw badRequest("labels expects a JSON array of [x,y,z] integer coordinates in the request body");
  }
  const { limits } = r.ctx.app.options;
  if (value.length > limits.maxLabelPoints) {
    throw badRequest(`labels asks for ${value.length} points; at most ${limits.maxLabelPoints} per call (${limitHint("maxLabelPoints", limits)})`);
  }
  const labels = await readLabelsAt(await lookupIo(r, voxelLayout(r.inst, type)), value as number[][]);
  sendBody(r.ctx.res, 200, "application/json", await labelsJson(labels));
}
