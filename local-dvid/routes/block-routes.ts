// DVID's block-level endpoints (dvid-api.md §4.5), which complete the API neuroglancer and block
// clients use:
//   imageblk  GET  subvolblocks/{size}/{offset}[?compression=…]  block stream of a block-aligned box
//   imageblk  GET  specificblocks?blocks=x,y,z,…[&compression=…]  block stream of the listed blocks
//   imageblk  GET  blocks/{bx_by_bz}/{spanX}                      spanX blocks along +x, uncompressed,
//                                                                missing ones filled with Background
//   imageblk  POST blocks/{bx_by_bz}/{spanX}                      the same layout, written (extents unchanged)
//   labelblk  GET  blocks/{size}/{offset}[?compression=lz4|uncompressed]  block stream
// A block stream is records of `int32 bx, by, bz, n` (little-endian) and n payload bytes.
//
// Payloads of imageblk streams: `compression=uncompressed` → the block's bytes; `jpeg` → a
// grayscale JPEG of width BlockSize.x and height BlockSize.y*z (uint8 only); `lz4` → a 4-byte
// little-endian length and an LZ4 block; `gzip` → gzip; absent → as the instance's Compression
// says (DVID's stored form minus its 1-byte header: jpeg, lz4, gzip or none; snappy has no
// encoder here and is refused with the alternatives).
// Blocks never written are left out of a stream, as DVID does, except with JPEG payloads: then
// every block of the box is sent (zeros where nothing was written), because neuroglancer decodes
// the first block of each subvolblocks answer and a chunk past the written data must still show.
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { goQuote } from "../../volume-client/wire/go-format.js";
import { lz4CompressBlock } from "../../volume-client/wire/lz4.js";
import { parsePoint } from "../../volume-client/wire/point.js";
import { parseRawBox, type RawBox } from "../../volume-client/wire/raw-url.js";
import { badRequest } from "../http/errors.js";
import { readExactBody } from "../http/read-body.js";
import { sendBody, sendEmpty, writePiece } from "../http/respond.js";
import { blockName } from "../meta/store-layout.js";
import { versionRefs } from "../meta/version-ref.js";
import type { VoxelTypeInfo } from "../types/data-types.js";
import { OwnBlocks, type BlockLookup } from "../voxels/block-lookup.js";
import { encodeGrayJpeg } from "../voxels/jpeg-encode.js";
import { runWithScratch, yieldToLoop } from "../voxels/task-pool.js";
import { writeAligned } from "../voxels/volume-write.js";
import type { BlockIo } from "../voxels/voxel-layout.js";
import type { InstanceRequest } from "./instance-request.js";
import { inVersionWriteGate } from "./version-write-gate.js";

const gzipAsync = promisify(gzip);

/** Blocks read and encoded at a time; records still go out in order. */
const BLOCK_CONCURRENCY = 8;
/** Records sent between two turns of the event loop. */
const YIELD_EVERY = 256;
/** DVID's 3 GiB answer limit, counted in uncompressed block bytes. */
const MAX_STREAM_BYTES = 3 * 2 ** 30;
/** The most blocks one `blocks/{bx_by_bz}/{spanX}` GET or POST may name. */
const MAX_SPAN_BYTES = 1 * 2 ** 30;

type Payload = "uncompressed" | "jpeg" | "lz4-stored" | "lz4" | "gzip";

type BlockXyz = [number, number, number];

function accepted<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw badRequest(result.error);
  return result.value;
}

/** The payload of an imageblk stream, from `compression=` or the instance's Compression. */
function imagePayload(r: InstanceRequest, type: VoxelTypeInfo): Payload {
  const q = r.ctx.query.get("compression");
  const jpegOk = (): Payload => {
    if (type.bytesPerVoxel !== 1) throw badRequest(`JPEG block payloads need 8-bit voxels; ${r.inst.typeName} has ${type.bytesPerVoxel} bytes per voxel`);
    return "jpeg";
  };
  if (q !== null && q !== "") {
    if (q === "uncompressed") return "uncompressed";
    if (q === "jpeg") return jpegOk();
    if (q === "lz4") return "lz4-stored";
    if (q === "gzip") return "gzip";
    throw badRequest(`compression=${q} is not supported for block streams; use uncompressed, jpeg (uint8), lz4 or gzip`);
  }
  const stored = r.inst.compression.toLowerCase();
  if (stored.startsWith("jpeg")) return jpegOk();
  if (stored.startsWith("lz4")) return "lz4-stored";
  if (stored.startsWith("gzip")) return "gzip";
  if (stored.startsWith("no compression")) return "uncompressed";
  throw badRequest(
    `local-dvid has no ${r.inst.compression} encoder for block payloads of data ${goQuote(r.inst.name)}; add ?compression=uncompressed, lz4 or gzip`,
  );
}

function labelPayload(r: InstanceRequest): Payload {
  const q = r.ctx.query.get("compression");
  if (q === null || q === "" || q === "lz4") return "lz4";
  if (q === "uncompressed") return "uncompressed";
  throw badRequest(`compression=${q} is not supported for labelblk blocks; use lz4 (default) or uncompressed`);
}

async function encodePayload(block: Buffer, payload: Exclude<Payload, "uncompressed">, blockSizeXyz: readonly number[]): Promise<Uint8Array> {
  switch (payload) {
    case "jpeg":
      return encodeGrayJpeg(block, blockSizeXyz[0], blockSizeXyz[1] * blockSizeXyz[2]);
    case "lz4":
      return lz4CompressBlock(block);
    case "lz4-stored": {
      const lz4 = lz4CompressBlock(block);
      const out = Buffer.allocUnsafe(4 + lz4.length);
      out.writeUInt32LE(block.length, 0);
      out.set(lz4, 4);
      return out;
    }
    case "gzip":
      return gzipAsync(block);
  }
}

/**
 * Answers 200 with the block stream of `blocks` in the given order. Reads and encodes up to
 * BLOCK_CONCURRENCY blocks ahead. A failure after the header cuts the connection.
 */
async function streamBlocks(
  r: InstanceRequest,
  io: BlockIo<BlockLookup>,
  blocks: readonly BlockXyz[],
  payload: Payload,
  includeMissing: boolean,
): Promise<void> {
  const { res } = r.ctx;
  const { layout } = io;
  if (blocks.length * layout.blockBytes > MAX_STREAM_BYTES) {
    throw badRequest(
      `Requested payload (${blocks.length * layout.blockBytes} bytes in ${blocks.length} blocks) exceeds this DVID server's set limit (${MAX_STREAM_BYTES})`,
    );
  }
  res.writeHead(200, { "Content-Type": "application/octet-stream" });
  if (r.ctx.method === "HEAD") {
    res.end();
    return;
  }
  let closed = false;
  res.once("close", () => (closed = true));
  const encodeOne = async ([bx, by, bz]: BlockXyz): Promise<Buffer | undefined> => {
    // The block is read just after its record's 16-byte header, so an uncompressed record is
    // sent as read, with no copy of the block.
    let record = Buffer.allocUnsafe(16 + layout.blockBytes);
    const block = record.subarray(16);
    const found = await io.blocks.readInto(blockName(bx, by, bz), record, 16);
    if (!found && !includeMissing) return undefined;
    if (!found) block.fill(0);
    if (payload !== "uncompressed") {
      const data = await encodePayload(block, payload, layout.blockSizeXyz);
      record = Buffer.allocUnsafe(16 + data.length);
      record.set(data, 16);
    }
    record.writeInt32LE(bx, 0);
    record.writeInt32LE(by, 4);
    record.writeInt32LE(bz, 8);
    record.writeInt32LE(record.length - 16, 12);
    return record;
  };
  try {
    const pending: Promise<Buffer | undefined>[] = [];
    let next = 0;
    const fill = (): void => {
      while (pending.length < BLOCK_CONCURRENCY && next < blocks.length) {
        const p = encodeOne(blocks[next++]);
        p.catch(() => undefined);
        pending.push(p);
      }
    };
    fill();
    for (let n = 1; pending.length > 0 && !closed; n++) {
      const record = await (pending.shift() as Promise<Buffer | undefined>);
      fill();
      if (record) await writePiece(res, record);
      // Never-written blocks are settled without I/O, as microtasks: without a turn of the event
      // loop now and then, a box of them would hold it until the answer ends (as in task-pool.ts).
      if (n % YIELD_EVERY === 0) await yieldToLoop();
    }
    if (!closed) res.end();
  } catch (err) {
    res.destroy();
    throw err;
  }
}

/** The blocks of a block-aligned box, x fastest then y then z (DVID's order). */
function boxBlocks(box: RawBox, blockSizeXyz: readonly number[], keyword: string): BlockXyz[] {
  const [BX, BY, BZ] = blockSizeXyz;
  const aligned = box.x0 % BX === 0 && box.y0 % BY === 0 && box.z0 % BZ === 0 && box.nx % BX === 0 && box.ny % BY === 0 && box.nz % BZ === 0;
  if (!aligned) {
    throw badRequest(
      `${keyword} needs a block-aligned box: offset (${box.x0},${box.y0},${box.z0}) and size (${box.nx},${box.ny},${box.nz}) must be multiples of the block size (${BX},${BY},${BZ})`,
    );
  }
  const out: BlockXyz[] = [];
  const count = (box.nx / BX) * (box.ny / BY) * (box.nz / BZ);
  if (count > 2 ** 22) throw badRequest(`${keyword} of ${count} blocks is more than the ${2 ** 22} one request may ask for`);
  for (let bz = box.z0 / BZ; bz < (box.z0 + box.nz) / BZ; bz++) {
    for (let by = box.y0 / BY; by < (box.y0 + box.ny) / BY; by++) {
      for (let bx = box.x0 / BX; bx < (box.x0 + box.nx) / BX; bx++) out.push([bx, by, bz]);
    }
  }
  return out;
}

function sizeOffset(r: InstanceRequest): RawBox {
  if (r.parts.length < 2) throw badRequest(`'${r.keyword}' must be followed by size/offset (nx_ny_nz/x_y_z)`);
  return accepted(parseRawBox(r.parts[0], r.parts[1]));
}

/** `GET …/subvolblocks/{size}/{offset}` (imageblk). */
export async function getSubvolBlocks(r: InstanceRequest, type: VoxelTypeInfo, io: BlockIo<BlockLookup>): Promise<void> {
  const box = sizeOffset(r);
  const payload = imagePayload(r, type);
  const blocks = boxBlocks(box, io.layout.blockSizeXyz, "subvolblocks");
  await streamBlocks(r, io, blocks, payload, payload === "jpeg");
}

/** `GET …/specificblocks?blocks=x1,y1,z1,x2,y2,z2,…` (imageblk). */
export async function getSpecificBlocks(r: InstanceRequest, type: VoxelTypeInfo, io: BlockIo<BlockLookup>): Promise<void> {
  const text = r.ctx.query.get("blocks");
  if (text === null || text === "") throw badRequest("specificblocks needs ?blocks=x1,y1,z1,x2,y2,z2,… (block coordinates)");
  const coords = accepted(parsePoint(text));
  if (coords.length % 3 !== 0) {
    throw badRequest(`specificblocks' blocks= must hold block coordinates in threes (x,y,z,…); got ${coords.length} numbers`);
  }
  const blocks: BlockXyz[] = [];
  for (let i = 0; i < coords.length; i += 3) blocks.push([coords[i], coords[i + 1], coords[i + 2]]);
  const payload = imagePayload(r, type);
  await streamBlocks(r, io, blocks, payload, payload === "jpeg");
}

/** `GET …/blocks/{size}/{offset}` (labelblk): a block stream of the box's written blocks. */
export async function getLabelBlocks(r: InstanceRequest, io: BlockIo<BlockLookup>): Promise<void> {
  const box = sizeOffset(r);
  const payload = labelPayload(r);
  await streamBlocks(r, io, boxBlocks(box, io.layout.blockSizeXyz, "blocks"), payload, false);
}

function spanParts(r: InstanceRequest, blockBytes: number): { start: BlockXyz; span: number } {
  if (r.parts.length < 2) throw badRequest("imageblk 'blocks' must be followed by a block coordinate and a span: blocks/{bx_by_bz}/{spanX}");
  const start = accepted(parsePoint(r.parts[0]));
  if (start.length !== 3) throw badRequest(`block coordinate must be bx_by_bz; got ${goQuote(r.parts[0])}`);
  const span = Number(r.parts[1]);
  if (!/^\d+$/.test(r.parts[1]) || span < 1) throw badRequest(`blocks span must be a positive integer number of blocks along x; got ${goQuote(r.parts[1])}`);
  if (span * blockBytes > MAX_SPAN_BYTES) {
    throw badRequest(`blocks span of ${span} blocks (${span * blockBytes} bytes) is more than the ${MAX_SPAN_BYTES} bytes one request may carry`);
  }
  return { start: start as BlockXyz, span };
}

/** `GET …/blocks/{bx_by_bz}/{spanX}` (imageblk): spanX blocks, uncompressed, Background where missing. */
export async function getImageBlocks(r: InstanceRequest, io: BlockIo<BlockLookup>): Promise<void> {
  const { blockBytes } = io.layout;
  const { start, span } = spanParts(r, blockBytes);
  const out = Buffer.alloc(span * blockBytes);
  const background = r.inst.background ?? 0;
  // Bounded like every other block loop (task-pool.ts): a span of a million small blocks must not
  // start a million reads at once.
  await runWithScratch(io.pool, span, BLOCK_CONCURRENCY, 0, async (i) => {
    const at = i * blockBytes;
    const found = await io.blocks.readInto(blockName(start[0] + i, start[1], start[2]), out, at);
    if (!found) out.fill(background, at, at + blockBytes);
  });
  sendBody(r.ctx.res, 200, "application/octet-stream", out);
}

/** `POST …/blocks/{bx_by_bz}/{spanX}` (imageblk): writes spanX whole blocks; extents are not changed (as DVID). */
export async function postImageBlocks(r: InstanceRequest, io: BlockIo<unknown>): Promise<void> {
  const { ctx } = r;
  const { blockBytes, blockSizeXyz } = io.layout;
  const { start, span } = spanParts(r, blockBytes);
  const expected = span * blockBytes;
  const got = await readExactBody(ctx.req, expected, (n) => Buffer.allocUnsafe(n));
  if (got.received !== expected) {
    throw badRequest(`blocks data was ${got.received} bytes, expected ${expected} bytes for ${span} blocks of ${blockBytes} bytes`);
  }
  const refs = versionRefs(r.repo, r.node, r.inst);
  const own: BlockIo<OwnBlocks> = { blocks: new OwnBlocks(ctx.app.store, r.inst.dataUUID, refs[0]), layout: io.layout, pool: io.pool };
  const [BX, BY, BZ] = blockSizeXyz;
  // Inside the version's write gate: before a commit of the version, or refused as locked.
  await inVersionWriteGate(r, async () => {
    for (let i = 0; i < span; i++) {
      const box: RawBox = { x0: (start[0] + i) * BX, y0: start[1] * BY, z0: start[2] * BZ, nx: BX, ny: BY, nz: BZ };
      await writeAligned(own, got.body.subarray(i * blockBytes, (i + 1) * blockBytes), box);
    }
  });
  sendEmpty(ctx.res);
}
