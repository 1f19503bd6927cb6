// The thread side of workers/stage-pool.ts: cuts one z block layer of an aligned write into its
// blocks and writes each block's staged file (FsStore.prepareStage) with plain synchronous
// system calls, off the event loop. Plain JavaScript so that it starts the same under tsx, jest
// and plain node; the block copy is voxels/copy-box.ts, loaded through tsx's scoped loader.
import { closeSync, fsyncSync, mkdirSync, openSync, unlinkSync, writeSync, writevSync } from "node:fs";
import { dirname } from "node:path";
import { parentPort } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const { copyRegion } = await tsImport("../voxels/copy-box.ts", import.meta.url);

/** The thread's block buffer, reused (memory touched once, see voxels/buffer-pool.ts). */
let scratch = Buffer.alloc(0);

function writeAll(fd, header, data) {
  const total = header.length + data.length;
  let written = writevSync(fd, [header, data], 0);
  while (written < total) {
    const chunk = written < header.length ? header.subarray(written) : data.subarray(written - header.length);
    written += writeSync(fd, chunk, 0, chunk.length, written);
  }
}

function writeStaged(block, data, fsync) {
  let fd;
  try {
    fd = openSync(block.path, "wx");
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
    // The key's directory does not exist yet (first object under this prefix).
    mkdirSync(dirname(block.path), { recursive: true });
    fd = openSync(block.path, "wx");
  }
  try {
    writeAll(fd, Buffer.from(block.header), data);
    if (fsync) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(block.path);
    } catch {
      // already gone
    }
    throw err;
  }
  closeSync(fd);
}

parentPort.on("message", (job) => {
  const { id, g } = job;
  const layer = Buffer.from(job.layer, job.layerOffset, job.layerLength);
  const src = { data: layer, byteOffset: 0, x0: g.x0, y0: g.y0, z0: g.z0, nx: g.nx, ny: g.ny };
  const written = [];
  let error;
  try {
    for (const block of job.blocks) {
      let data;
      if (g.contiguous) {
        data = layer.subarray(0, g.blockBytes);
      } else {
        if (scratch.length < g.blockBytes) scratch = Buffer.allocUnsafeSlow(g.blockBytes);
        data = scratch.subarray(0, g.blockBytes);
        const region = { x0: block.x0, x1: block.x0 + g.bx, y0: block.y0, y1: block.y0 + g.by, z0: g.z0, z1: g.z0 + g.bz };
        copyRegion({ data, byteOffset: 0, x0: block.x0, y0: block.y0, z0: g.z0, nx: g.bx, ny: g.by }, src, region, g.bpv);
      }
      writeStaged(block, data, g.fsync);
      written.push(block.path);
    }
  } catch (err) {
    error = { message: err.message, code: err.code };
    // Nothing of a failed layer stays staged.
    for (const path of written) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  }
  parentPort.postMessage({ id, layer: job.layer, error }, [job.layer]);
});
