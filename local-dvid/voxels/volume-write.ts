// Writing a box of voxels as whole blocks at one version. Puts run 16 at a time: on the
// filesystem store that measured about 1.3x the throughput of 8 (185-235 vs 135-160 MB/s for a
// 256^3 uint8 POST through a separate writer process).
//
// Aligned writes (DVID's only kind, dvid-api.md §4.3) replace every block of the box with a plain
// put at the version's own blocks: they read nothing. routes/raw-receive.ts stages each z block
// layer as soon as its bytes have arrived (ObjectStore.stage: written, not visible) and publishes
// them all only once the whole body is in (publishStaged), so a cut body writes nothing.
//
// Non-aligned writes are local-dvid's extension (`?nonaligned=true`): each partly covered block
// is read (this version's object with its generation, else the nearest ancestor's block, else
// zeros), patched and put back by compare-and-swap, so two writers that patch disjoint voxels of
// one block — through one process or several — never lose each other's voxels. Fully covered
// blocks are plain puts, as in aligned writes.
import { blockSpan, floorDiv } from "../../volume-client/wire/block-grid.js";
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import { blockName } from "../meta/store-layout.js";
import { FsStore } from "../store/fs-store.js";
import type { StagedObject } from "../store/object-store.js";
import { stageObject } from "../store/staging.js";
import { movableBuffer, patchBlocksInThread, stageLayerInThread, type StageBlock } from "../workers/stage-pool.js";
import { isLocalDvidError } from "../errors.js";
import { updateWithRetry } from "../store/update-with-retry.js";
import type { BlockLookup, OwnBlocks } from "./block-lookup.js";
import { copyRegion } from "./copy-box.js";
import { runWithScratch } from "./task-pool.js";
import { boxGrid, type Region, type VoxelGrid } from "./voxel-grid.js";
import type { BlockIo } from "./voxel-layout.js";

const WRITE_CONCURRENCY = 16;
/** Compare-and-swap rounds per patched block before the write gives up (503, retry). */
const MAX_PATCH_ATTEMPTS = 100;

/** Where the blocks of an aligned layer go: a put, or a stage (raw-receive.ts). */
type BlockSink = (key: string, data: Buffer) => Promise<void>;

/**
 * Hands the blocks of the z block layer from `zs` of an aligned box to `sink` (default: put
 * them). `layer` holds that layer's voxels only: box.nx × box.ny × BlockSize.z voxels.
 */
async function writeAlignedLayer(io: BlockIo<OwnBlocks>, layer: Buffer, box: RawBox, zs: number, sink?: BlockSink): Promise<void> {
  const { layout } = io;
  const [BX, BY, BZ] = layout.blockSizeXyz;
  const bpv = layout.bytesPerVoxel;
  const nbx = box.nx / BX;
  const nby = box.ny / BY;
  const bx0 = floorDiv(box.x0, BX);
  const by0 = floorDiv(box.y0, BY);
  const bz = floorDiv(zs, BZ);
  const src = boxGrid(layer, { ...box, z0: zs, nz: BZ });
  const put: BlockSink = sink ?? (async (key, data) => void (await io.blocks.store.put(key, data)));
  // A block whose rows span the whole box width and height is one contiguous run of the layer.
  const contiguous = nbx === 1 && nby === 1;
  // A contiguous block is stored straight from the layer: its workers need no scratch bytes.
  await runWithScratch(io.pool, nbx * nby, WRITE_CONCURRENCY, contiguous ? 0 : layout.blockBytes, async (i, scratch) => {
    const bx = bx0 + (i % nbx);
    const by = by0 + Math.floor(i / nbx);
    let data: Buffer;
    if (contiguous) {
      data = layer.subarray(0, layout.blockBytes);
    } else {
      data = scratch;
      const region: Region = { x0: bx * BX, x1: bx * BX + BX, y0: by * BY, y1: by * BY + BY, z0: zs, z1: zs + BZ };
      copyRegion({ data, byteOffset: 0, x0: bx * BX, y0: by * BY, z0: zs, nx: BX, ny: BY }, src, region, bpv);
    }
    await put(io.blocks.key(blockName(bx, by, bz)), data);
  });
}

/** Layers below this are staged on the event loop: a thread round trip costs more than they do. */
const THREAD_LAYER_BYTES = 1 << 20;

/**
 * Whether stageAlignedLayer stages layers of `layerBytes` in the worker thread: then the layer is
 * best in shared memory (acquireSharedLayer, workers/stage-pool.ts), which nothing has to move.
 */
export function stagesInThread(io: BlockIo<OwnBlocks>, layerBytes: number): boolean {
  return io.blocks.store instanceof FsStore && layerBytes >= THREAD_LAYER_BYTES;
}

/**
 * Stages every block of the z block layer from `zs` of an aligned box (see writeAlignedLayer for
 * `layer`); resolves to the staged blocks and the layer, which must be used instead of the one
 * passed in (on a filesystem store the layer moves to a worker thread and back,
 * workers/stage-pool.ts). On failure nothing of the layer stays staged; the error carries the
 * layer to give back as `layer` unless the thread died with it.
 */
export async function stageAlignedLayer(io: BlockIo<OwnBlocks>, layer: Buffer, box: RawBox, zs: number): Promise<{ layer: Buffer; staged: StagedObject[] }> {
  const { layout } = io;
  const store = io.blocks.store;
  if (!stagesInThread(io, layer.length) || !(layer.buffer instanceof SharedArrayBuffer || movableBuffer(layer))) {
    const staged: StagedObject[] = [];
    try {
      await writeAlignedLayer(io, layer, box, zs, async (key, data) => void staged.push(await stageObject(store, key, data)));
    } catch (err) {
      await discardStaged(staged);
      throw Object.assign(err as Error, { layer });
    }
    return { layer, staged };
  }
  const fs = store as FsStore;
  const [BX, BY, BZ] = layout.blockSizeXyz;
  const nbx = box.nx / BX;
  const nby = box.ny / BY;
  const bz = floorDiv(zs, BZ);
  const blocks: StageBlock[] = [];
  const staged: StagedObject[] = [];
  let fsync = false;
  for (let i = 0; i < nbx * nby; i++) {
    const x0 = box.x0 + (i % nbx) * BX;
    const y0 = box.y0 + Math.floor(i / nbx) * BY;
    const file = fs.prepareStage(io.blocks.key(blockName(floorDiv(x0, BX), floorDiv(y0, BY), bz)), layout.blockBytes);
    // A copy of its own: a view of Node's shared 8 KiB pool would be cloned whole into the message.
    blocks.push({ x0, y0, path: file.path, header: new Uint8Array(file.header) });
    fsync = file.fsync;
    staged.push(file.staged);
  }
  const geometry = {
    x0: box.x0,
    y0: box.y0,
    z0: zs,
    nx: box.nx,
    ny: box.ny,
    bx: BX,
    by: BY,
    bz: BZ,
    bpv: layout.bytesPerVoxel,
    blockBytes: layout.blockBytes,
    contiguous: nbx === 1 && nby === 1,
    fsync,
  };
  return { layer: await stageLayerInThread(layer, geometry, blocks), staged };
}

/** Writes a block-aligned box whose voxels are all in `body`. */
export async function writeAligned(io: BlockIo<OwnBlocks>, body: Buffer, box: RawBox): Promise<void> {
  // Aligned: the box's z layers start every BlockSize.z voxels, and z is the slowest axis.
  const BZ = io.layout.blockSizeXyz[2];
  const layerBytes = box.nx * box.ny * BZ * io.layout.bytesPerVoxel;
  for (let l = 0; l * BZ < box.nz; l++) {
    await writeAlignedLayer(io, body.subarray(l * layerBytes, (l + 1) * layerBytes), box, box.z0 + l * BZ);
  }
}

/** Publishes staged blocks, 16 at a time (each atomically; see ObjectStore.stage). */
export async function publishStaged(io: BlockIo<OwnBlocks>, staged: readonly StagedObject[]): Promise<void> {
  await runWithScratch(io.pool, staged.length, WRITE_CONCURRENCY, 0, async (i) => void (await staged[i].publish()));
}

/** Drops staged blocks that were not published. */
export async function discardStaged(staged: readonly StagedObject[]): Promise<void> {
  await Promise.allSettled(staged.map((s) => s.discard()));
}

/**
 * Non-aligned bodies from this size are patched in the worker thread: one round trip (about
 * 0.1 ms) against, per block, a read and a put through libuv's thread pool on the event loop
 * (9 blocks of 2 MiB patched by a 128×128×5 uint64 body took 40-50 ms that way, against about
 * 1 ms per block read, patched and written with synchronous calls).
 */
const THREAD_PATCH_BYTES = 64 * 1024;

/** One block a non-aligned write touches, and the region of it the write covers. */
interface PatchTarget {
  readonly name: string;
  readonly x0: number;
  readonly y0: number;
  readonly z0: number;
  readonly region: Region;
  readonly full: boolean;
}

/**
 * local-dvid's non-aligned write: any box, each partly covered block patched by compare-and-swap.
 * Resolves to the body, which the caller must use (give back) instead of the one passed in: on a
 * filesystem store a body of 1 MiB or more moves to a worker thread and back. An error carries
 * the body the same way as `body` (none when the thread died with it).
 */
export async function writePatched(io: BlockIo<BlockLookup>, body: Buffer, box: RawBox): Promise<Buffer> {
  const { layout } = io;
  const [BX, BY, BZ] = layout.blockSizeXyz;
  const [bx0, bx1] = blockSpan(box.x0, box.x0 + box.nx, BX);
  const [by0, by1] = blockSpan(box.y0, box.y0 + box.ny, BY);
  const [bz0, bz1] = blockSpan(box.z0, box.z0 + box.nz, BZ);
  let targets: PatchTarget[] = [];
  for (let bz = bz0; bz < bz1; bz++) {
    for (let by = by0; by < by1; by++) {
      for (let bx = bx0; bx < bx1; bx++) {
        const region: Region = {
          x0: Math.max(box.x0, bx * BX),
          x1: Math.min(box.x0 + box.nx, bx * BX + BX),
          y0: Math.max(box.y0, by * BY),
          y1: Math.min(box.y0 + box.ny, by * BY + BY),
          z0: Math.max(box.z0, bz * BZ),
          z1: Math.min(box.z0 + box.nz, bz * BZ + BZ),
        };
        const full = region.x1 - region.x0 === BX && region.y1 - region.y0 === BY && region.z1 - region.z0 === BZ;
        targets.push({ name: blockName(bx, by, bz), x0: bx * BX, y0: by * BY, z0: bz * BZ, region, full });
      }
    }
  }
  const store = io.blocks.own.store;
  if (store instanceof FsStore && body.length >= THREAD_PATCH_BYTES && movableBuffer(body)) {
    const done = await patchInThread(io, store, body, box, targets);
    body = done.body;
    targets = done.left;
  }
  try {
    await patchOnEventLoop(io, body, box, targets);
  } catch (err) {
    throw Object.assign(err as Error, { body });
  }
  return body;
}

/**
 * The blocks of a non-aligned write read, patched and staged in the worker thread
 * (workers/stage-pool.ts), then published by compare-and-swap on the generation the thread read
 * (full blocks unconditionally). Returns the body and the blocks left to patchOnEventLoop: those
 * with no own object at the version yet (their content comes from an ancestor) or not a plain
 * one, and those another writer changed in between.
 */
async function patchInThread(
  io: BlockIo<BlockLookup>,
  store: FsStore,
  body: Buffer,
  box: RawBox,
  targets: readonly PatchTarget[],
): Promise<{ body: Buffer; left: PatchTarget[] }> {
  const { layout, blocks } = io;
  const [BX, BY] = layout.blockSizeXyz;
  const files = targets.map((t) => store.prepareStage(blocks.own.key(t.name), layout.blockBytes));
  const geometry = {
    x0: box.x0,
    y0: box.y0,
    z0: box.z0,
    nx: box.nx,
    ny: box.ny,
    bx: BX,
    by: BY,
    bpv: layout.bytesPerVoxel,
    blockBytes: layout.blockBytes,
    fsync: files[0]?.fsync ?? false,
  };
  const jobs = targets.map((t, i) => ({
    x0: t.x0,
    y0: t.y0,
    z0: t.z0,
    region: t.region,
    full: t.full,
    objectPath: files[i].target,
    path: files[i].path,
    // A copy of its own: a view of Node's shared 8 KiB pool would be cloned whole into the message.
    header: new Uint8Array(files[i].header),
  }));
  // A failure carries the body back as `body`, unless the thread died with it.
  const { body: back, results } = await patchBlocksInThread(body, geometry, jobs);
  const left: PatchTarget[] = [];
  try {
    await runWithScratch(io.pool, targets.length, WRITE_CONCURRENCY, 0, async (i) => {
      const read = results[i];
      if (typeof read !== "number") return void left.push(targets[i]);
      try {
        await files[i].staged.publish(targets[i].full ? {} : { ifGenerationMatch: read });
      } catch (err) {
        if (!isLocalDvidError(err, "PRECONDITION_FAILED")) throw err;
        left.push(targets[i]); // changed since the thread read it: patch it again, by the usual rounds
      }
    });
  } catch (err) {
    throw Object.assign(err as Error, { body: back });
  } finally {
    await discardStaged(files.map((f) => f.staged));
  }
  return { body: back, left };
}

/** The blocks of a non-aligned write patched one by one on the event loop, 16 at a time. */
async function patchOnEventLoop(io: BlockIo<BlockLookup>, body: Buffer, box: RawBox, targets: readonly PatchTarget[]): Promise<void> {
  const { layout, blocks } = io;
  const [BX, BY] = layout.blockSizeXyz;
  const bpv = layout.bytesPerVoxel;
  const src = boxGrid(body, box);
  await runWithScratch(io.pool, targets.length, WRITE_CONCURRENCY, layout.blockBytes, async (i, scratch) => {
    const { name, region, full } = targets[i];
    const key = blocks.own.key(name);
    const block: VoxelGrid = { data: scratch, byteOffset: 0, x0: targets[i].x0, y0: targets[i].y0, z0: targets[i].z0, nx: BX, ny: BY };
    if (full) {
      copyRegion(block, src, region, bpv);
      await blocks.own.store.put(key, scratch);
      return;
    }
    await updateWithRetry(
      blocks.own.store,
      key,
      async () => {
        // The version's own copy with its generation, read into the worker's pooled buffer (no
        // allocation per block); else the inherited block, or zeros, with generation 0.
        let generation = await blocks.readOwn(name, scratch);
        if (generation === undefined) {
          if (!(await blocks.readInto(name, scratch, 0, 1))) scratch.fill(0);
          generation = 0;
        }
        copyRegion(block, src, region, bpv);
        return { generation, data: scratch, result: undefined };
      },
      { what: `block ${name}`, maxAttempts: MAX_PATCH_ATTEMPTS },
    );
  });
}
