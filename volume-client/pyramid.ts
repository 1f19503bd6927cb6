// Multiscale levels of a volume as neuroglancer's dvid:// source finds them (neuroglancer-dvid.md
// "Multiscale"): sibling instances `<name>_1`, `<name>_2`, … of the same type and block size in the
// same repo, level L downsampled 2^L in z, y and x, its voxel size 2^L times the source's.
// Grayscale (and every non-label type) is the rounded mean of each 2×2×2 group; labels (labelblk,
// uint64) the most frequent label of the group, ties going to the smaller id.
//
// Only DVID's public API is used (instance info and creation, raw reads and aligned writes), so it
// works on a real DVID as on local-dvid. Level L is computed from level L-1, tile by tile (a tile is
// whole blocks of level L, at most TILE_VOXELS), so memory stays bounded whatever the volume's size.
// With `regionZyx` (the level-0 box a write touched) only the blocks of each level that cover it
// are recomputed.
import ndarray from "ndarray";
import { invalidArgument } from "./errors.js";
import { alignBoxOut } from "./wire/block-grid.js";
import type { Dtype } from "./wire/dtype.js";
import type { BoxZyx, Zyx } from "./wire/geometry.js";
import { encodePathSegment } from "./wire/raw-url.js";
import type { ClientContext } from "./client-context.js";
import type { CallOptions } from "./options.js";
import { explainMutationError } from "./locked-check.js";
import { createInstance } from "./instance-create.js";
import type { VolumeInfo } from "./volume-info.js";
import type { VersionHandle } from "./version-handle.js";
import { checkBox } from "./box-checks.js";

/** Options of `Volume.buildPyramid()`. */
export interface BuildPyramidOptions extends CallOptions {
  /** How many coarser levels: `<name>_1` … `<name>_<levels>`. 1 .. 16. */
  readonly levels: number;
  /**
   * The level-0 box (ZYX, half-open) whose voxels changed: only the blocks of each level that
   * cover it are recomputed. Default: the volume's extents (everything written).
   */
  readonly regionZyx?: BoxZyx;
}

/** One level built (or updated). */
export interface PyramidLevel {
  readonly level: number;
  readonly name: string;
  /** The box of this level (its own voxels, block-aligned) that was recomputed; undefined when there was nothing to do. */
  readonly boxZyx: BoxZyx | undefined;
}

/** What pyramid.ts needs of a volume (a `Volume`), kept as an interface so volume.ts need not be imported. */
interface PyramidVolume {
  readonly name: string;
  info(options?: CallOptions): Promise<VolumeInfo>;
  read(boxZyx: BoxZyx, options?: CallOptions): Promise<{ readonly data: unknown }>;
  write(offsetZyx: Zyx, array: AnyNdArray, options?: CallOptions): Promise<void>;
}

/** An ndarray of any dtype (Volume<D>.write takes the one of its dtype). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNdArray = any;

/** Voxels per tile of a level (a few MiB of uint64 labels, 8x that read from the level below). */
const TILE_VOXELS = 128 * 128 * 64;
const MAX_PYRAMID_LEVELS = 16;

/** The name of level `level` of `name`, as neuroglancer looks for it. */
function pyramidLevelName(name: string, level: number): string {
  return level === 0 ? name : `${name}_${level}`;
}

const halfDown = (v: number): number => Math.floor(v / 2);
const halfUp = (v: number): number => Math.ceil(v / 2);

/** The level-(L+1) box covering a level-L box, aligned out to the block grid. */
function coarserBox(box: BoxZyx, blockZyx: Zyx): BoxZyx {
  const half = box.map(([a, b]) => [halfDown(a), halfUp(b)]) as unknown as BoxZyx;
  return alignBoxOut(half, blockZyx);
}

/** DVID's `Compression` description → the setting that makes it (`jpeg compression, level 80` → `jpeg`). */
function compressionSetting(description: unknown): string | undefined {
  if (typeof description !== "string") return undefined;
  const d = description.toLowerCase();
  if (d.startsWith("jpeg")) return "jpeg";
  if (d.startsWith("lz4")) return "lz4";
  if (d.startsWith("snappy")) return "snappy";
  if (d.startsWith("no compression")) return "none";
  const gz = /^gzip compression, level (\d)$/.exec(d);
  if (gz && gz[1] !== "0") return `gzip:${gz[1]}`;
  if (d.startsWith("gzip")) return "gzip";
  return undefined;
}

/** The rounded mean of each 2×2×2 group; `src` is [2nz][2ny][2nx], C order. */
function downsampleMean(src: ArrayLike<number>, [nz, ny, nx]: Zyx, out: { [i: number]: number; length: number }, integer: boolean): void {
  const sx = 2 * nx;
  const sy = 2 * ny;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const r00 = (2 * z * sy + 2 * y) * sx;
      const r01 = r00 + sx;
      const r10 = r00 + sy * sx;
      const r11 = r10 + sx;
      let o = (z * ny + y) * nx;
      for (let x = 0, i = 0; x < nx; x++, i += 2, o++) {
        const sum =
          src[r00 + i] + src[r00 + i + 1] + src[r01 + i] + src[r01 + i + 1] + src[r10 + i] + src[r10 + i + 1] + src[r11 + i] + src[r11 + i + 1];
        out[o] = integer ? Math.floor(sum / 8 + 0.5) : sum / 8;
      }
    }
}

/**
 * The most frequent label of each 2×2×2 group, ties to the smaller id. `src` holds uint64 labels as
 * little-endian (low, high) uint32 pairs, [2nz][2ny][2nx]; so does `out`, [nz][ny][nx].
 */
function downsampleMode(src: Uint32Array, [nz, ny, nx]: Zyx, out: Uint32Array): void {
  const sx = 2 * nx;
  const sy = 2 * ny;
  const lo = new Uint32Array(8);
  const hi = new Uint32Array(8);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const r00 = (2 * z * sy + 2 * y) * sx;
      const rows = [r00, r00 + sx, r00 + sy * sx, r00 + sy * sx + sx];
      let o = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++, o++) {
        let k = 0;
        for (const r of rows) {
          const v = r + 2 * x;
          lo[k] = src[2 * v];
          hi[k++] = src[2 * v + 1];
          lo[k] = src[2 * v + 2];
          hi[k++] = src[2 * v + 3];
        }
        let bestLo = lo[0];
        let bestHi = hi[0];
        let bestCount = 0;
        for (let i = 0; i < 8; i++) {
          let count = 0;
          for (let j = 0; j < 8; j++) if (lo[j] === lo[i] && hi[j] === hi[i]) count++;
          const smaller = hi[i] < bestHi || (hi[i] === bestHi && lo[i] < bestLo);
          if (count > bestCount || (count === bestCount && smaller)) {
            bestCount = count;
            bestLo = lo[i];
            bestHi = hi[i];
          }
        }
        out[2 * o] = bestLo;
        out[2 * o + 1] = bestHi;
      }
    }
}

const ARRAYS: Record<Dtype, new (n: number) => { [i: number]: number | bigint; length: number; buffer: ArrayBufferLike }> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float32: Float32Array,
};

/** Level L+1's voxels of one tile from level L's voxels of twice the tile. */
function downsampleTile(data: ArrayLike<number | bigint> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }, dtype: Dtype, shape: Zyx): AnyNdArray {
  const n = shape[0] * shape[1] * shape[2];
  if (dtype === "uint64") {
    const out = new BigUint64Array(n);
    downsampleMode(new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4), shape, new Uint32Array(out.buffer));
    return ndarray(out, [...shape]);
  }
  const out = new ARRAYS[dtype](n) as unknown as { [i: number]: number; length: number };
  downsampleMean(data as ArrayLike<number>, shape, out, dtype !== "float32");
  return ndarray(out as unknown as Uint8Array, [...shape]);
}

/** Tiles of a block-aligned box: whole blocks, at most TILE_VOXELS each (at least one block). */
function* tiles(box: BoxZyx, blockZyx: Zyx): Generator<BoxZyx> {
  const [bz, by, bx] = blockZyx;
  const blockVoxels = bz * by * bx;
  const blocksPerTile = Math.max(1, Math.floor(TILE_VOXELS / blockVoxels));
  const spanX = Math.min((box[2][1] - box[2][0]) / bx, blocksPerTile);
  const spanY = Math.min((box[1][1] - box[1][0]) / by, Math.max(1, Math.floor(blocksPerTile / spanX)));
  const spanZ = Math.max(1, Math.floor(blocksPerTile / (spanX * spanY)));
  for (let z = box[0][0]; z < box[0][1]; z += spanZ * bz)
    for (let y = box[1][0]; y < box[1][1]; y += spanY * by)
      for (let x = box[2][0]; x < box[2][1]; x += spanX * bx) {
        yield [
          [z, Math.min(box[0][1], z + spanZ * bz)],
          [y, Math.min(box[1][1], y + spanY * by)],
          [x, Math.min(box[2][1], x + spanX * bx)],
        ];
      }
}

/**
 * Builds (or updates) levels 1..`levels` of `source`: creates each missing sibling instance
 * (same type, block size and storage compression; voxel size times 2^L) and writes its blocks.
 */
export async function buildPyramid(
  ctx: ClientContext,
  version: VersionHandle,
  source: PyramidVolume,
  open: (name: string) => PyramidVolume,
  options: BuildPyramidOptions,
): Promise<PyramidLevel[]> {
  const what = "Volume.buildPyramid()";
  if (typeof options !== "object" || options === null) throw invalidArgument(`${what}: options must be an object with levels (1 .. ${MAX_PYRAMID_LEVELS})`);
  const unknown = Object.keys(options).filter((k) => !["levels", "regionZyx", "signal"].includes(k));
  if (unknown.length > 0) throw invalidArgument(`${what}: unknown option ${unknown.join(", ")}; expected levels, regionZyx, signal`);
  const { levels, signal } = options;
  if (!Number.isInteger(levels) || levels < 1 || levels > MAX_PYRAMID_LEVELS) {
    throw invalidArgument(`${what}: levels must be an integer from 1 to ${MAX_PYRAMID_LEVELS}; got ${JSON.stringify(levels)}`);
  }
  const region = options.regionZyx === undefined ? undefined : checkBox(options.regionZyx, `${what}: regionZyx`);
  const info = await source.info({ signal });
  if (info.typeName === "labelmap" || info.typeName === "labelarray") {
    throw invalidArgument(`${what}: ${info.typeName} keeps its own levels (scale=); a pyramid of sibling instances is for imageblk and labelblk volumes`);
  }
  const uuid = await version.uuid({ signal });
  const raw = await ctx.transport.json<{ Base?: { Compression?: unknown } }>({
    method: "GET",
    path: `/api/node/${encodePathSegment(uuid)}/${encodePathSegment(source.name)}/info`,
    route: "writer",
    idempotent: true,
    signal,
  });
  const compression = compressionSetting(raw?.Base?.Compression);

  let box: BoxZyx | undefined = region ?? info.extentsZyx;
  if (box !== undefined) box = alignBoxOut(box, info.blockSizeZyx);
  const out: PyramidLevel[] = [];
  let below = source;
  for (let level = 1; level <= levels; level++) {
    const name = pyramidLevelName(source.name, level);
    const scale = 2 ** level;
    const voxelSize = info.voxelSizeZyx.map((v) => v * scale);
    const config: Record<string, string> = {
      typename: info.typeName,
      dataname: name,
      BlockSize: [...info.blockSizeZyx].reverse().join(","),
      VoxelSize: [...voxelSize].reverse().join(","),
      VoxelUnits: [...info.voxelUnitsZyx].reverse().join(","),
      versioned: String(info.versioned),
    };
    if (compression !== undefined) config.Compression = compression;
    const level_ = open(name);
    await ensureInstance(ctx, uuid, level_, config, info, signal);
    if (box === undefined) {
      out.push({ level, name, boxZyx: undefined });
      below = level_;
      continue;
    }
    const target = coarserBox(box, info.blockSizeZyx);
    for (const tile of tiles(target, info.blockSizeZyx)) {
      const shape: Zyx = [tile[0][1] - tile[0][0], tile[1][1] - tile[1][0], tile[2][1] - tile[2][0]];
      const srcBox = tile.map(([a, b]) => [2 * a, 2 * b]) as unknown as BoxZyx;
      const src = await below.read(srcBox, { signal });
      const data = src.data as unknown as ArrayLike<number | bigint> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
      await level_.write([tile[0][0], tile[1][0], tile[2][0]], downsampleTile(data, info.dtype, shape), { signal });
    }
    if (info.extentsZyx !== undefined) await setExtents(ctx, uuid, name, info, trueBox(info.extentsZyx, scale), signal);
    out.push({ level, name, boxZyx: target });
    box = target;
    below = level_;
  }
  return out;
}

/** The level-L box of a level-0 box: what the data covers, not the block-aligned box written. */
function trueBox(box: BoxZyx, scale: number): BoxZyx {
  return box.map(([a, b]) => [Math.floor(a / scale), Math.ceil(b / scale)]) as unknown as BoxZyx;
}

/**
 * Sets a level's extents to what its data covers (`POST …/extents`, DVID's for imageblk; local-dvid
 * has it for labelblk too). Aligned writes grow extents to whole blocks, and neuroglancer draws a
 * coarse level over its whole extents, so without this the zero padding of the last blocks would
 * show as a black margin past the volume's edge. DVID's labelblk has no extents endpoint: there
 * the block-aligned extents stay.
 */
async function setExtents(ctx: ClientContext, uuid: string, name: string, source: VolumeInfo, box: BoxZyx, signal: AbortSignal | undefined): Promise<void> {
  const body = JSON.stringify({
    MinPoint: [box[2][0], box[1][0], box[0][0]],
    MaxPoint: [box[2][1] - 1, box[1][1] - 1, box[0][1] - 1],
  });
  try {
    await ctx.transport.buffer({
      method: "POST",
      path: `/api/node/${encodePathSegment(uuid)}/${encodePathSegment(name)}/extents`,
      route: "writer",
      idempotent: true,
      body,
      contentType: "application/json",
      signal,
    });
  } catch (err) {
    if (source.typeName !== "labelblk") throw await explainMutationError(ctx.transport, err, uuid, `Volume.buildPyramid() setting the extents of "${name}"`);
  }
}

/** Creates level `vol` unless it exists; an existing one must have the source's type and block size. */
async function ensureInstance(
  ctx: ClientContext,
  uuid: string,
  vol: PyramidVolume,
  config: Record<string, string>,
  source: VolumeInfo,
  signal: AbortSignal | undefined,
): Promise<void> {
  let existing: VolumeInfo | undefined;
  try {
    existing = await vol.info({ signal });
  } catch {
    existing = undefined; // DVID answers 400 for an unknown instance: create it below
  }
  if (existing) {
    const same = existing.typeName === source.typeName && existing.blockSizeZyx.every((v, i) => v === source.blockSizeZyx[i]);
    if (!same) {
      throw invalidArgument(
        `Volume.buildPyramid(): instance "${vol.name}" exists as ${existing.typeName} with block size ${existing.blockSizeZyx.join("x")} (ZYX); a level of "${source.name}" must be ${source.typeName} with ${source.blockSizeZyx.join("x")}`,
      );
    }
    return;
  }
  await createInstance(ctx.transport, uuid, config, signal, `Volume.buildPyramid() creating "${config.dataname}"`);
}
