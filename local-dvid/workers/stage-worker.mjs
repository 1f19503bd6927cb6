// The thread side of workers/stage-pool.ts: cuts one z block layer of an aligned write into its
// blocks and writes each block's staged file (FsStore.prepareStage) with plain synchronous
// system calls, off the event loop. Plain JavaScript so that it starts the same under tsx, jest
// and plain node; the block copy is voxels/copy-box.ts, loaded through tsx's scoped loader.
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, unlinkSync, writeSync, writevSync } from "node:fs";
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

const HEADER_BYTES = 24;
const MAGIC = 0x4f56444c; // "LDVO", as store/fs-store.ts
const FORMAT_VERSION = 1;

/**
 * The stored object at `path` read into `into` (exactly its length) with its generation, as
 * FsStore.readSlice does from one open file; "missing" when there is none; "other" when it is not
 * a well-formed object of that length (the event loop's path then reports it).
 */
function readObject(path, into) {
  let fd;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    if (err.code === "ENOENT") return "missing";
    throw err;
  }
  try {
    if (fstatSync(fd).size !== HEADER_BYTES + into.length) return "other";
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    if (readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return "other";
    if (header.readUInt32LE(0) !== MAGIC || header.readUInt32LE(4) !== FORMAT_VERSION) return "other";
    const length = header.readUInt32LE(16) + header.readUInt32LE(20) * 0x1_0000_0000;
    if (length !== into.length) return "other";
    let got = 0;
    while (got < into.length) {
      const n = readSync(fd, into, got, into.length - got, HEADER_BYTES + got);
      if (n === 0) return "other";
      got += n;
    }
    return header.readUInt32LE(8) + header.readUInt32LE(12) * 0x1_0000_0000;
  } finally {
    closeSync(fd);
  }
}

/**
 * A non-aligned write's blocks (volume-write.ts, writePatched): each fully covered block is cut
 * from the body, each partly covered one read from the version's own object and patched, and
 * written as a staged file. Per block: the generation it was read at (0: full), or "missing" /
 * "other" when the event loop must do it (no own object yet, or not a plain one).
 */
function patchBlocks(job) {
  const { g } = job;
  const body = Buffer.from(job.body, job.bodyOffset, job.bodyLength);
  const src = { data: body, byteOffset: 0, x0: g.x0, y0: g.y0, z0: g.z0, nx: g.nx, ny: g.ny };
  if (scratch.length < g.blockBytes) scratch = Buffer.allocUnsafeSlow(g.blockBytes);
  const data = scratch.subarray(0, g.blockBytes);
  const results = [];
  const written = [];
  try {
    for (const block of job.blocks) {
      const r = block.region;
      let generation = 0;
      if (!block.full) {
        generation = readObject(block.objectPath, data);
        if (typeof generation === "string") {
          results.push(generation);
          continue;
        }
      }
      copyRegion({ data, byteOffset: 0, x0: block.x0, y0: block.y0, z0: block.z0, nx: g.bx, ny: g.by }, src, r, g.bpv);
      writeStaged(block, data, g.fsync);
      written.push(block.path);
      results.push(generation);
    }
  } catch (err) {
    for (const path of written) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
    return { error: { message: err.message, code: err.code } };
  }
  return { results };
}

parentPort.on("message", (job) => {
  if (job.op === "patch") {
    let reply;
    try {
      reply = patchBlocks(job);
    } catch (err) {
      reply = { error: { message: err.message, code: err.code } };
    }
    parentPort.postMessage({ id: job.id, body: job.body, ...reply }, [job.body]);
    return;
  }
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
  // A shared layer (stage-pool.ts, sharedLayer) stays where it is; a moved one goes back.
  const shared = job.layer instanceof SharedArrayBuffer;
  parentPort.postMessage({ id, layer: shared ? undefined : job.layer, error }, shared ? [] : [job.layer]);
});
