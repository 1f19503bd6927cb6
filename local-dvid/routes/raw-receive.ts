// Receiving the body of an aligned raw POST while its blocks are written: the body lands in one
// pooled buffer, and each z block layer of blocks is put as soon as its bytes are in, so the
// store works while the network delivers the rest.
import type { IncomingMessage } from "node:http";
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import { badRequest, bodyAborted } from "../http/errors.js";
import type { OwnBlocks } from "../voxels/block-lookup.js";
import { writeAlignedLayer } from "../voxels/volume-write.js";
import { boxBytes } from "../voxels/voxel-grid.js";
import type { BlockIo } from "../voxels/voxel-layout.js";

/**
 * Receives exactly `boxBytes(box)` bytes (announced by the request's Content-Length) and writes
 * the box, layer by layer. At most two layers are in flight; the request is paused beyond that.
 */
export async function receiveAndWriteAligned(req: IncomingMessage, io: BlockIo<OwnBlocks>, box: RawBox): Promise<void> {
  const { layout, pool } = io;
  const expected = boxBytes(box, layout.bytesPerVoxel);
  const blockZ = layout.blockSizeXyz[2];
  const layerCount = box.nz / blockZ;
  const layerBytes = box.nx * box.ny * blockZ * layout.bytesPerVoxel;
  const body = pool.acquire(expected);
  const pending = new Set<Promise<void>>();
  let received = 0;
  let scheduled = 0;
  let failure: unknown;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown): void => {
        failure ??= err;
        req.resume();
        reject(failure);
      };
      const schedule = (): void => {
        while (scheduled < layerCount && received >= (scheduled + 1) * layerBytes) {
          const zs = box.z0 + scheduled++ * blockZ;
          const p: Promise<void> = writeAlignedLayer(io, body, box, zs).then(
            () => {
              pending.delete(p);
              if (req.isPaused() && pending.size < 2 && failure === undefined) req.resume();
            },
            (err) => {
              pending.delete(p);
              fail(err);
            },
          );
          pending.add(p);
          if (pending.size >= 2) req.pause();
        }
      };
      req.on("data", (chunk: Buffer) => {
        if (failure !== undefined) return;
        if (received + chunk.length > expected) {
          fail(badRequest(`voxels data was more than ${expected} bytes`));
          return;
        }
        chunk.copy(body, received);
        received += chunk.length;
        schedule();
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
    await Promise.all(pending);
  } catch (err) {
    // Let layers already started finish before the body buffer goes back to the pool.
    await Promise.allSettled([...pending]);
    pool.release(body);
    throw err;
  }
  pool.release(body);
}
