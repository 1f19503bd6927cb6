// A minimal PNG encoder for DVID's 2-D slice GETs (dvid-api.md §4.3): DVID turns uint8 voxels
// into 8-bit grayscale, uint16 into 16-bit grayscale (big-endian samples, so it byte-swaps the
// little-endian voxels), 4-byte voxels into 8-bit RGBA and 8-byte voxels into 16-bit RGBA, each
// from the voxel bytes as stored. Filter type 0 on every row, zlib from node.
import { crc32, createDeflate } from "node:zlib";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** PNG color type and bit depth for one of DVID's image layouts. */
export interface PngLayout {
  /** 0 = grayscale, 6 = RGBA. */
  readonly colorType: 0 | 6;
  readonly bitDepth: 8 | 16;
}

/** How DVID renders voxels of `bytesPerVoxel` bytes as an image (imageblk GetImage2d). */
export function pngLayoutForVoxelBytes(bytesPerVoxel: number): PngLayout | undefined {
  switch (bytesPerVoxel) {
    case 1:
      return { colorType: 0, bitDepth: 8 };
    case 2:
      return { colorType: 0, bitDepth: 16 };
    case 4:
      return { colorType: 6, bitDepth: 8 };
    case 8:
      return { colorType: 6, bitDepth: 16 };
    default:
      return undefined;
  }
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Bytes of filtered rows handed to zlib at a time by `streamPng`. */
const PNG_SLICE_BYTES = 4 * 1024 * 1024;

/**
 * Encodes a PNG of `width` × `height` pixels from voxels as stored (16-bit samples swapped here), without
 * holding the image twice and without holding the event loop: rows are filtered a few MiB at a
 * time, deflated in libuv's thread pool (zlib's async stream), and every piece of compressed
 * output goes to `write` as its own IDAT chunk (PNG allows any number of them) as soon as it is
 * out. `write` should resolve once the bytes are taken (e.g. on the socket's drain), which paces
 * the encoder to the client.
 */
export async function streamPng(
  width: number,
  height: number,
  layout: PngLayout,
  voxels: Uint8Array,
  bytesPerVoxel: number,
  write: (bytes: Buffer) => Promise<void>,
): Promise<void> {
  const channels = layout.colorType === 6 ? 4 : 1;
  const rowBytes = (width * channels * layout.bitDepth) / 8;
  if (voxels.length !== rowBytes * height) {
    throw new RangeError(`PNG pixels must be ${rowBytes * height} bytes for ${width}x${height}; got ${voxels.length}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = layout.bitDepth;
  ihdr[9] = layout.colorType;
  await write(Buffer.concat([SIGNATURE, chunk("IHDR", ihdr)]));

  const deflate = createDeflate({ chunkSize: 1 << 20 });
  let failure: unknown;
  let writing: Promise<void> = Promise.resolve();
  // Output pieces are written in order; the deflate stream pauses while a write is pending.
  deflate.on("data", (piece: Buffer) => {
    deflate.pause();
    writing = writing
      .then(() => write(chunk("IDAT", piece)))
      .then(
        () => void deflate.resume(),
        (err) => {
          failure ??= err;
          deflate.destroy(err as Error);
        },
      );
  });
  const ended = new Promise<void>((resolve, reject) => {
    deflate.once("end", resolve);
    deflate.once("error", reject);
    deflate.once("close", () => (failure === undefined ? undefined : reject(failure)));
  });
  ended.catch(() => undefined);
  const rowsPerSlice = Math.max(1, Math.floor(PNG_SLICE_BYTES / (rowBytes + 1)));
  for (let y0 = 0; y0 < height && failure === undefined; y0 += rowsPerSlice) {
    const rows = Math.min(rowsPerSlice, height - y0);
    const slice = Buffer.allocUnsafe(rows * (rowBytes + 1));
    for (let r = 0; r < rows; r++) {
      const at = r * (rowBytes + 1);
      slice[at] = 0; // filter: none
      slice.set(voxels.subarray((y0 + r) * rowBytes, (y0 + r + 1) * rowBytes), at + 1);
      if (bytesPerVoxel === 2) slice.subarray(at + 1, at + 1 + rowBytes).swap16();
    }
    if (!deflate.write(slice)) {
      await new Promise<void>((resolve) => {
        const go = (): void => {
          deflate.off("drain", go).off("close", go);
          resolve();
        };
        deflate.on("drain", go).on("close", go);
      });
    }
  }
  deflate.end();
  await ended;
  await writing;
  if (failure !== undefined) throw failure;
  await write(chunk("IEND", Buffer.alloc(0)));
}
