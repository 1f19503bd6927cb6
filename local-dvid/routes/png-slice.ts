// A 2-D slice GET answered as a PNG that is encoded while it is sent (voxels/png-encode.ts
// streamPng): the slice's voxels are read into one pooled buffer, then filtered, deflated in
// zlib's thread pool and written piece by piece, so a large slice neither holds the event loop
// nor keeps a second copy of the image. The answer is chunked (its length is known only at the
// end); a failure after the header cuts the connection, as for streamed raw answers.
import type { ServerResponse } from "node:http";
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import { writePiece } from "../http/respond.js";
import type { BlockLookup } from "../voxels/block-lookup.js";
import { streamPng, type PngLayout } from "../voxels/png-encode.js";
import { withBoxRead } from "../voxels/volume-read.js";
import type { BlockIo } from "../voxels/voxel-layout.js";

export async function sendPngSlice(
  res: ServerResponse,
  io: BlockIo<BlockLookup>,
  box: RawBox,
  width: number,
  height: number,
  png: PngLayout,
  headOnly: boolean,
): Promise<void> {
  await withBoxRead(io, box, async (voxels) => {
    res.writeHead(200, { "Content-Type": "image/png" });
    if (headOnly) {
      res.end();
      return;
    }
    try {
      await streamPng(width, height, png, voxels, io.layout.bytesPerVoxel, (piece) => writePiece(res, piece));
    } catch (err) {
      res.destroy();
      throw err;
    }
    res.end();
  });
}
