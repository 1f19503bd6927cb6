// The two encoded 3-D reads neuroglancer's dvid:// source makes (neuroglancer-dvid.md):
// uint8 `raw/0_1_2/{size}/{offset}/jpeg` (one grayscale JPEG, width nx, height ny*nz) and labelblk
// `raw/…?compression=googlegzip` (compressed_segmentation, gzip'd in transit with
// `Content-Encoding: gzip`; `compression=google` without the gzip). Boxes past what was written
// read as zeros, so chunks reaching past MaxPoint are answered in full.
//
// Neither encoder may freeze the node: sharp encodes on libuv's thread pool and gzip runs through
// node:zlib's asynchronous API; compressed_segmentation runs on the event loop, so its boxes are
// limited (MAX_SEGMENTATION_VOXELS: 128^3, eight of neuroglancer's 64^3 chunks, a few tens of ms).
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import { badRequest } from "../http/errors.js";
import { sendBody } from "../http/respond.js";
import { encodeCompressedSegmentation } from "../voxels/compressed-segmentation.js";
import { encodeGrayJpeg } from "../voxels/jpeg-encode.js";
import { withBoxRead } from "../voxels/volume-read.js";
import type { BlockIo } from "../voxels/voxel-layout.js";
import type { BlockLookup } from "../voxels/block-lookup.js";
import type { ServerResponse } from "node:http";

const gzipAsync = promisify(gzip);

/** JPEG's 16-bit frame sides: width nx, height ny*nz. */
const MAX_JPEG_SIDE = 65535;
/** The largest box `compression=google|googlegzip` encodes in one request (128^3 voxels). */
const MAX_SEGMENTATION_VOXELS = 128 ** 3;

/** `GET …/raw/0_1_2/{size}/{offset}/jpeg` of a uint8 instance: DVID's quality 80, grayscale. */
export async function sendJpegBox(res: ServerResponse, io: BlockIo<BlockLookup>, box: RawBox, typeName: string): Promise<void> {
  if (io.layout.bytesPerVoxel !== 1) {
    throw badRequest(`JPEG images need 8-bit voxels; ${typeName} has ${io.layout.bytesPerVoxel} bytes per voxel`);
  }
  const height = box.ny * box.nz;
  if (box.nx > MAX_JPEG_SIDE || height > MAX_JPEG_SIDE) {
    throw badRequest(
      `a JPEG of ${box.nx}x${box.ny}x${box.nz} voxels would be ${box.nx} wide and ${height} high; JPEG allows at most ${MAX_JPEG_SIDE} for each (width nx, height ny*nz)`,
    );
  }
  const jpeg = await withBoxRead(io, box, (bytes) => encodeGrayJpeg(bytes, box.nx, height));
  sendBody(res, 200, "image/jpeg", jpeg);
}

/** `compression=google` (plain) or `googlegzip` (gzip with Content-Encoding: gzip) of a labelblk box. */
export async function sendSegmentationBox(
  res: ServerResponse,
  io: BlockIo<BlockLookup>,
  box: RawBox,
  gzipped: boolean,
): Promise<void> {
  const voxels = box.nx * box.ny * box.nz;
  if (voxels > MAX_SEGMENTATION_VOXELS) {
    throw badRequest(
      `compression=${gzipped ? "googlegzip" : "google"} encodes at most ${MAX_SEGMENTATION_VOXELS} voxels (128^3) per request; got ${box.nx}x${box.ny}x${box.nz} = ${voxels}: ask for smaller boxes`,
    );
  }
  const encoded = await withBoxRead(io, box, async (bytes) => {
    const words = encodeCompressedSegmentation(bytes, [box.nz, box.ny, box.nx]);
    return Buffer.from(words.buffer, words.byteOffset, words.byteLength);
  });
  if (!gzipped) return sendBody(res, 200, "application/octet-stream", encoded);
  const body = await gzipAsync(encoded, { level: 6 });
  res.setHeader("Content-Encoding", "gzip");
  sendBody(res, 200, "application/octet-stream", body);
}
