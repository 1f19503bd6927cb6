// Receiving the body of an aligned raw POST while its blocks are staged: each z block layer of
// the body lands in its own pooled buffer, and its blocks are staged (written to the store but
// not visible, ObjectStore.stage) as soon as the layer is complete, so the store works while the
// network delivers the rest and at most three layers are in memory. Nothing becomes visible
// until the caller publishes the staged blocks, after the whole body has arrived: a body cut
// short (400, or a client that dies) leaves nothing behind, as in DVID.
import type { IncomingMessage } from "node:http";
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import { badRequest, bodyAborted } from "../http/errors.js";
import type { StagedObject } from "../store/object-store.js";
import type { OwnBlocks } from "../voxels/block-lookup.js";
import { discardStaged, stageAlignedLayer, stagesInThread } from "../voxels/volume-write.js";
import { acquireSharedLayer, releaseSharedLayer } from "../workers/stage-pool.js";
import { boxBytes } from "../voxels/voxel-grid.js";
import type { BlockIo } from "../voxels/voxel-layout.js";


/**
 * Receives exactly `boxBytes(box)` bytes (announced by the request's Content-Length) and stages
 * the box's blocks, layer by layer; returns them for `publishStaged` (the caller publishes, or
 * discards them if it does not). At most two layers are being staged while a third fills; the
 * request is paused beyond that. On any failure every staged block is discarded.
 */
export async function receiveAndStageAligned(req: IncomingMessage, io: BlockIo<OwnBlocks>, box: RawBox): Promise<StagedObject[]> {
  const { layout, pool } = io;
  const expected = boxBytes(box, layout.bytesPerVoxel);
  const blockZ = layout.blockSizeXyz[2];
  const layerCount = box.nz / blockZ;
  const layerBytes = box.nx * box.ny * blockZ * layout.bytesPerVoxel;
  const staged: StagedObject[] = [];
  const pending = new Set<Promise<void>>();
  const held = new Set<Buffer>();
  // Layers staged in the worker thread are in memory shared with it (stage-pool.ts).
  const shared = stagesInThread(io, layerBytes);
  const acquire = (): Buffer => {
    const b = shared ? acquireSharedLayer(layerBytes) : pool.acquire(layerBytes);
    held.add(b);
    return b;
  };
  const giveBackOne = (b: Buffer): void => (shared ? releaseSharedLayer(b) : pool.release(b));
  const release = (b: Buffer): void => {
    if (held.delete(b)) giveBackOne(b);
  };
  // A layer moved to a worker thread comes back as a new view of its memory (stage-pool.ts).
  const giveBack = (sent: Buffer, back: Buffer | undefined): void => {
    held.delete(sent);
    if (back !== undefined) giveBackOne(back);
  };
  let layer: Buffer | undefined = layerCount > 0 ? acquire() : undefined;
  let filled = 0;
  let received = 0;
  let started = 0;
  let failure: unknown;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown): void => {
        failure ??= err;
        req.resume();
        reject(failure);
      };
      const stageLayer = (buf: Buffer, zs: number): void => {
        const p: Promise<void> = stageAlignedLayer(io, buf, box, zs).then(
          (done) => {
            pending.delete(p);
            // One by one: spreading a layer of 100,000s of blocks into push overflows the stack.
            for (const s of done.staged) staged.push(s);
            giveBack(buf, done.layer);
            if (req.isPaused() && pending.size < 2 && failure === undefined) req.resume();
          },
          (err: Error & { layer?: Buffer }) => {
            pending.delete(p);
            giveBack(buf, err.layer);
            fail(err);
          },
        );
        pending.add(p);
        if (pending.size >= 2) req.pause();
      };
      req.on("data", (chunk: Buffer) => {
        if (failure !== undefined) return;
        if (received + chunk.length > expected) {
          fail(badRequest(`voxels data was more than ${expected} bytes`));
          return;
        }
        received += chunk.length;
        let at = 0;
        while (at < chunk.length && layer !== undefined) {
          const n = Math.min(chunk.length - at, layerBytes - filled);
          chunk.copy(layer, filled, at, at + n);
          filled += n;
          at += n;
          if (filled === layerBytes) {
            stageLayer(layer, box.z0 + started++ * blockZ);
            layer = started < layerCount ? acquire() : undefined;
            filled = 0;
          }
        }
      });
      req.once("end", () => {
        if (received !== expected) {
          fail(badRequest(`voxels data was ${received} bytes, expected ${expected} bytes`));
        } else {
          resolve();
        }
      });
      req.once("error", (err) => fail(bodyAborted(err)));
      req.once("close", () => {
        if (!req.complete) fail(bodyAborted());
      });
    });
    // Staging promises never reject (a failed layer goes to fail()), and the body may have ended
    // before the last layer failed: a late failure must still refuse the whole write.
    await Promise.all(pending);
    if (failure !== undefined) throw failure;
    return staged;
  } catch (err) {
    // Let layers already started finish (their buffers go back to the pool), then drop them all.
    while (pending.size > 0) await Promise.allSettled([...pending]);
    await discardStaged(staged);
    throw err;
  } finally {
    for (const b of [...held]) release(b);
  }
}
