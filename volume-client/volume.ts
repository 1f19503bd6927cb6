// A voxel volume (a DVID imageblk or labelblk instance) seen at one version, read and written
// as ndarrays in ZYX order over `raw/0_1_2` (dvid-api.md §4.3).
import ndarray from "ndarray";
import { VolumeClientError, invalidArgument } from "./errors.js";
import { DTYPES, type Dtype, type TypedArrayFor } from "./wire/dtype.js";
import { boxFromOffsetShape, type BoxZyx, type Zyx } from "./wire/geometry.js";
import { alignBoxOut, blockRange, isBlockAligned } from "./wire/block-grid.js";
import { NONALIGNED_QUERY, NONALIGNED_RAW_POST } from "./wire/extensions.js";
import { lz4CompressBlock, lz4CompressBound } from "./wire/lz4.js";
import { encodePathSegment, rawVolumePath } from "./wire/raw-url.js";
import {
  checkCallOptions,
  checkReadOptions,
  checkWriteOptions,
  type CallOptions,
  type Progress,
  type ReadOptions,
  type WireCompression,
  type WriteOptions,
} from "./options.js";
import { checkBox, checkBoxSize, checkOffset, formatBox } from "./box-checks.js";
import { alignBoxIn, countBlocks, planChunks, shellBoxes, type Chunk } from "./chunk-plan.js";
import { ScatterSink, copyRegion } from "./voxel-copy.js";
import { checkArrayDtype, checkOutArray, toContiguous, type VoxelNdArray, type WritableArray } from "./array-input.js";
import { linkedController, runBounded, throwIfAborted } from "./abort.js";
import { processBlockLocks } from "./block-locks.js";
import { explainMutationError } from "./locked-check.js";
import { parseVolumeInfo, type VolumeInfo } from "./volume-info.js";
import type { ClientContext } from "./client-context.js";
import type { ScratchPool } from "./scratch.js";
import type { VersionHandle } from "./version-handle.js";
import { buildPyramid, type BuildPyramidOptions, type PyramidLevel } from "./pyramid.js";

/** How a write stores its edge blocks. */
type WriteMode = "aligned" | "server-patch" | "client-patch";

export class Volume<D extends Dtype = Dtype> {
  /** The instance name. */
  readonly name: string;
  /** The version this handle reads and writes. */
  readonly version: VersionHandle;
  readonly #ctx: ClientContext;
  readonly #expectedDtype: D | undefined;
  #meta: Promise<VolumeInfo> | undefined;

  /** @internal Use `Version.volume()` or `Version.createVolume()`. */
  constructor(ctx: ClientContext, version: VersionHandle, name: string, expectedDtype?: D) {
    this.#ctx = ctx;
    this.version = version;
    this.name = name;
    this.#expectedDtype = expectedDtype;
  }

  /**
   * Builds or updates the coarser levels neuroglancer looks for: sibling instances `<name>_1` …
   * `<name>_<levels>` (same type and block size), each 2x coarser (grayscale averaged 2×2×2, labels
   * the most frequent, ties to the smaller id). `regionZyx`: only the part a write touched. See pyramid.ts.
   */
  buildPyramid(options: BuildPyramidOptions): Promise<PyramidLevel[]> {
    return buildPyramid(this.#ctx, this.version, this, (name) => new Volume(this.#ctx, this.version, name, this.#expectedDtype), options);
  }

  /** Type, dtype, block size, voxel size and extents at this version (always asks the writer). */
  async info(options?: CallOptions): Promise<VolumeInfo> {
    const { signal } = checkCallOptions(options, "Volume.info()");
    const path = `/api/node/${encodePathSegment(this.version.ref)}/${encodePathSegment(this.name)}/info`;
    const info = parseVolumeInfo(
      await this.#ctx.transport.json<unknown>({ method: "GET", path, route: "writer", idempotent: true, signal }),
      path,
    );
    this.#checkExpected(info);
    this.#meta ??= Promise.resolve(info);
    return info;
  }

  /**
   * Reads `boxZyx` (half-open, `[[z0, z1], [y0, y1], [x0, x1]]`, like `vol[z0:z1, y0:y1, x0:x1]`)
   * into a fresh C-order ndarray of shape `[nz, ny, nx]`. Never-written voxels read as 0.
   * Large boxes are fetched as block-aligned sub-requests spread over every node.
   */
  async read(boxZyx: BoxZyx, options?: ReadOptions): Promise<VoxelNdArray<D>> {
    const box = checkBox(boxZyx, "Volume.read(): box");
    const opts = checkReadOptions(options, "Volume.read()");
    const given = opts.out === undefined ? undefined : checkOutArray(opts.out, box, this.#expectedDtype);
    throwIfAborted(opts.signal, "Volume.read()");
    const meta = await this.#metadata(opts.signal);
    const info = DTYPES[meta.dtype];
    const bytes = checkBoxSize(box, info.bytesPerVoxel, "Volume.read(): box");
    if (given) checkArrayDtype(given.dtype, meta.dtype, "Volume.read(): out");
    const lz4 = this.#useLz4(meta, opts.wireCompression, "Volume.read()");
    const uuid = await this.version.uuid({ signal: opts.signal });

    // One output buffer, filled in place by every sub-request. Its memory is first touched by
    // those copies: zero-filling it first would touch every page twice (ARCHITECTURE.md
    // "Facts measured"). Every byte is overwritten before the array is returned.
    const out = given ? given.bytes : Buffer.allocUnsafeSlow(bytes);
    const chunks = planChunks(box, meta.blockSizeZyx, info.bytesPerVoxel, opts.chunkBytes ?? this.#ctx.options.chunkBytes);
    const progress = this.#progress(box, meta.blockSizeZyx, info.bytesPerVoxel, opts.onProgress);
    const { controller, dispose } = linkedController(opts.signal);
    try {
      await runBounded(chunks, opts.concurrency ?? this.#ctx.options.concurrency, controller, opts.signal, async (chunk, signal) => {
        const sink = new ScatterSink(out, box, chunk.box, info.bytesPerVoxel);
        await this.#ctx.transport.stream(
          { method: "GET", path: rawVolumePath(uuid, this.name, chunk.box), query: lz4 ? LZ4_QUERY : undefined, route: "read", idempotent: true, signal },
          sink,
          lz4 ? "lz4" : undefined,
        );
        progress(chunk);
      });
    } finally {
      dispose();
    }
    const shape = [box[0][1] - box[0][0], box[1][1] - box[1][0], box[2][1] - box[2][0]];
    if (opts.out !== undefined && "stride" in opts.out) return opts.out as VoxelNdArray<D>;
    const data = info.view(out.buffer, out.byteOffset, bytes / info.bytesPerVoxel) as TypedArrayFor<D> & ndarray.Data;
    return ndarray(data, shape) as VoxelNdArray<D>;
  }

  /**
   * Writes `array` (an ndarray view of any strides, or `{ data, shape }` in C order) with its
   * first voxel at `offsetZyx`. The caller's array is never modified. The box must lie on block
   * boundaries (DVID stores whole blocks) unless `nonAlignedWrites` is true.
   */
  async write(offsetZyx: Zyx, array: WritableArray<D>, options?: WriteOptions): Promise<void> {
    const offset = checkOffset(offsetZyx, "Volume.write(): offset");
    const opts = checkWriteOptions(options, "Volume.write()");
    throwIfAborted(opts.signal, "Volume.write()");
    // Everything the array alone can tell is checked before the first request.
    const input = toContiguous(array, this.#expectedDtype, "Volume.write(): array");
    const box = boxFromOffsetShape(offset, input.shapeZyx);
    const bpv = DTYPES[input.dtype].bytesPerVoxel;
    checkBoxSize(box, bpv, "Volume.write(): box");
    const meta = await this.#metadata(opts.signal);
    checkArrayDtype(input.dtype, meta.dtype, "Volume.write(): array");
    const lz4 = this.#useLz4(meta, opts.wireCompression, "Volume.write()");
    const block = meta.blockSizeZyx;
    const nonAligned = opts.nonAlignedWrites ?? this.#ctx.options.nonAlignedWrites;
    let mode: WriteMode = "aligned";
    if (!isBlockAligned(box, block)) {
      if (!nonAligned) {
        const aligned = alignBoxOut(box, block);
        throw new VolumeClientError(
          "NOT_ALIGNED",
          `Volume.write(): box ${formatBox(box)} (ZYX) of "${this.name}" is not on its ${block.join("x")} (ZYX) block grid; ` +
            `DVID stores whole blocks only. The nearest aligned box is ${formatBox(aligned)}; ` +
            `write that, or pass nonAlignedWrites: true to patch the edge blocks`,
          { alignedBoxZyx: aligned },
        );
      }
      const useServer = this.#ctx.options.serverExtensions && (await this.#ctx.extensions(opts.signal)).has(NONALIGNED_RAW_POST);
      mode = useServer ? "server-patch" : "client-patch";
    }
    const uuid = await this.version.uuid({ signal: opts.signal });
    const chunks = planChunks(box, block, bpv, opts.chunkBytes ?? this.#ctx.options.chunkBytes);
    const progress = this.#progress(box, block, bpv, opts.onProgress);
    const { controller, dispose } = linkedController(opts.signal);
    try {
      await runBounded(chunks, opts.concurrency ?? this.#ctx.options.concurrency, controller, opts.signal, async (chunk, signal) => {
        await this.#writeChunk(uuid, mode, box, input.bytes, chunk, block, bpv, lz4, signal);
        progress(chunk);
      });
    } catch (err) {
      throw await explainMutationError(this.#ctx.transport, err, uuid, `Volume.write() to "${this.name}"`);
    } finally {
      dispose();
    }
  }

  async #writeChunk(
    uuid: string,
    mode: WriteMode,
    box: BoxZyx,
    source: Uint8Array,
    chunk: Chunk,
    block: Zyx,
    bpv: number,
    lz4: boolean,
    signal: AbortSignal,
  ): Promise<void> {
    const transport = this.#ctx.transport;
    const whole = sameBox(chunk.box, chunk.alignedBox);
    // Every write holds its blocks' locks, so that a read-patch-write of this process never
    // interleaves with another write of the same blocks (see block-locks.ts).
    const release = await processBlockLocks.acquire(this.#blockKeys(uuid, chunk.alignedBox, block), signal);
    try {
      if (whole || mode === "server-patch") {
        // lz4: the chunk's bytes gathered and compressed into reused scratch arrays.
        const body = lz4 ? compressChunk(transport.scratch, source, box, chunk.box, bpv) : gather(source, box, chunk.box, bpv);
        const query: Record<string, string> = lz4 ? { ...LZ4_QUERY } : {};
        // local-dvid's extension: patch the blocks server-side, compare-and-swap per block.
        if (!whole) query[NONALIGNED_QUERY] = "true";
        await transport.buffer({
          method: "POST",
          path: rawVolumePath(uuid, this.name, chunk.box),
          query: Object.keys(query).length > 0 ? query : undefined,
          route: "writer",
          idempotent: true,
          body,
          contentType: "application/octet-stream",
          signal,
        }).finally(() => {
          if (lz4) transport.scratch.give(body as Uint8Array);
        });
        return;
      }
      // Client-side read-patch-write of the enclosing whole blocks (what DVID requires:
      // dvid-api.md §4.3 rule 2, §6 "Client recipe" step 4). Only the blocks the box covers in
      // part are read, from the writer so the patch starts from the newest stored bytes.
      const aligned = chunk.alignedBox;
      const body = Buffer.allocUnsafeSlow(boxVoxels(aligned) * bpv);
      for (const part of shellBoxes(aligned, alignBoxIn(box, block))) {
        await transport.stream(
          { method: "GET", path: rawVolumePath(uuid, this.name, part), query: lz4 ? LZ4_QUERY : undefined, route: "writer", idempotent: true, signal },
          new ScatterSink(body, aligned, part, bpv),
          lz4 ? "lz4" : undefined,
        );
      }
      copyRegion(body, aligned, source, box, chunk.box, bpv);
      const packed = lz4 ? compressChunk(transport.scratch, body, aligned, aligned, bpv) : undefined;
      await transport.buffer({
        method: "POST",
        path: rawVolumePath(uuid, this.name, aligned),
        query: lz4 ? LZ4_QUERY : undefined,
        route: "writer",
        idempotent: true,
        body: packed ?? body,
        contentType: "application/octet-stream",
        signal,
      }).finally(() => transport.scratch.give(packed));
    } finally {
      release();
    }
  }

  /**
   * Whether voxels travel as lz4 (DVID's `raw?compression=lz4`): every label type offers it;
   * image types ignore the query, so asking for lz4 there is refused before any voxel request.
   * "auto" takes it for label volumes on a cluster with a node off this machine.
   */
  #useLz4(meta: VolumeInfo, given: WireCompression | undefined, where: string): boolean {
    const mode = given ?? this.#ctx.options.wireCompression;
    if (mode === "none") return false;
    const offered = LABEL_TYPE_NAMES.has(meta.typeName);
    if (mode === "lz4" && !offered) {
      throw invalidArgument(
        `${where}: wireCompression "lz4" needs a label volume (labelblk, labelmap, labelarray); "${this.name}" is a ${meta.typeName}, whose raw endpoint has no compression. Use "auto" or "none"`,
      );
    }
    // "auto" compresses only where there is a wire to save: not when every node is loopback.
    return offered && (mode === "lz4" || !this.#ctx.transport.allLoopback);
  }

  #blockKeys(uuid: string, alignedBox: BoxZyx, block: Zyx): string[] {
    const r = blockRange(alignedBox, block);
    const prefix = `${this.#ctx.transport.writer}|${uuid}|${this.name}|`;
    const keys: string[] = [];
    for (let z = r[0][0]; z < r[0][1]; z++)
      for (let y = r[1][0]; y < r[1][1]; y++) for (let x = r[2][0]; x < r[2][1]; x++) keys.push(`${prefix}${z},${y},${x}`);
    return keys;
  }

  /** The immutable part of the info (dtype, block size), fetched once per handle. */
  #metadata(signal: AbortSignal | undefined): Promise<VolumeInfo> {
    if (!this.#meta) {
      const p = this.info({ signal });
      this.#meta = p;
      p.catch(() => {
        if (this.#meta === p) this.#meta = undefined;
      });
    }
    return this.#meta;
  }

  #checkExpected(info: VolumeInfo): void {
    if (this.#expectedDtype !== undefined && info.dtype !== this.#expectedDtype) {
      throw new VolumeClientError(
        "DTYPE_MISMATCH",
        `volume "${this.name}" holds ${info.dtype} voxels (${info.typeName}); this handle was opened expecting ${this.#expectedDtype}`,
      );
    }
  }

  #progress(box: BoxZyx, block: Zyx, bpv: number, onProgress: ((p: Progress) => void) | undefined) {
    const blocksTotal = countBlocks(box, block);
    const bytesTotal = boxVoxels(box) * bpv;
    let bytesDone = 0;
    let blocksDone = 0;
    return (chunk: Chunk) => {
      bytesDone += boxVoxels(chunk.box) * bpv;
      blocksDone += chunk.blocks;
      onProgress?.({ bytesDone, bytesTotal, blocksDone, blocksTotal });
    };
  }
}

/** DVID types whose `raw` GET and POST take `compression=lz4` (dvid-api.md §4.3). */
const LABEL_TYPE_NAMES: ReadonlySet<string> = new Set(["labelblk", "labelmap", "labelarray"]);
const LZ4_QUERY: Readonly<Record<string, string>> = Object.freeze({ compression: "lz4" });

function boxVoxels(box: BoxZyx): number {
  return (box[0][1] - box[0][0]) * (box[1][1] - box[1][0]) * (box[2][1] - box[2][0]);
}

function sameBox(a: BoxZyx, b: BoxZyx): boolean {
  return a.every((r, i) => r[0] === b[i][0] && r[1] === b[i][1]);
}

/** Pieces of at least this many bytes are sent as they lie in the caller's array; smaller ones are gathered into one copy. */
const MIN_PIECE_BYTES = 64 * 1024;

/** The bytes of `sub` as one view of `source` (C order over `box`) when `sub` is a run of whole y-planes of `box`; else undefined. */
function planesView(source: Uint8Array, box: BoxZyx, sub: BoxZyx, bpv: number): Uint8Array | undefined {
  if (sub[2][0] !== box[2][0] || sub[2][1] !== box[2][1] || sub[1][0] !== box[1][0] || sub[1][1] !== box[1][1]) return undefined;
  const planeBytes = (box[1][1] - box[1][0]) * (box[2][1] - box[2][0]) * bpv;
  const start = (sub[0][0] - box[0][0]) * planeBytes;
  return source.subarray(start, start + (sub[0][1] - sub[0][0]) * planeBytes);
}

/**
 * The LZ4 block of the voxels of `sub` (inside `box`, whose C-order bytes are `source`), in an
 * array from `scratch` (give it back once sent). A sub-box that is not one contiguous range of
 * `source` is gathered into another scratch array first, given back here.
 */
function compressChunk(scratch: ScratchPool, source: Uint8Array, box: BoxZyx, sub: BoxZyx, bpv: number): Uint8Array {
  const bytes = boxVoxels(sub) * bpv;
  const view = planesView(source, box, sub, bpv);
  const plain = view ? undefined : scratch.take(bytes);
  if (plain) copyRegion(plain, sub, source, box, sub, bpv);
  try {
    return lz4CompressBlock(view ?? plain!, scratch.take(lz4CompressBound(bytes)));
  } finally {
    scratch.give(plain);
  }
}

/**
 * The bytes of `sub` out of `source` (C order over `box`), in order: a view when `sub` is a run
 * of whole y-planes; one view per z plane when it spans whole x-rows and each plane is at least
 * MIN_PIECE_BYTES (sent as they are, no copy); else one copy of the sub-box.
 */
function gather(source: Uint8Array, box: BoxZyx, sub: BoxZyx, bpv: number): Uint8Array | Uint8Array[] {
  const whole = planesView(source, box, sub, bpv);
  if (whole) return whole;
  const ny = box[1][1] - box[1][0];
  const nx = box[2][1] - box[2][0];
  const fullX = sub[2][0] === box[2][0] && sub[2][1] === box[2][1];
  const planeBytes = (sub[1][1] - sub[1][0]) * nx * bpv;
  if (fullX && planeBytes >= MIN_PIECE_BYTES) {
    const pieces: Uint8Array[] = [];
    for (let z = sub[0][0]; z < sub[0][1]; z++) {
      const start = ((z - box[0][0]) * ny + (sub[1][0] - box[1][0])) * nx * bpv;
      pieces.push(source.subarray(start, start + planeBytes));
    }
    return pieces;
  }
  const out = Buffer.allocUnsafeSlow(boxVoxels(sub) * bpv);
  copyRegion(out, sub, source, box, sub, bpv);
  return out;
}
