// Grayscale JPEG for uint8 volumes: DVID's `raw/0_1_2/{size}/{offset}/jpeg` (one image of width nx
// and height ny*nz, quality 80) and its `jpeg`-compressed blocks, which neuroglancer's dvid://
// source decodes only when they are single-component baseline JPEGs (neuroglancer-dvid.md).
//
// The encoder is sharp (libvips with mozjpeg, a prebuilt binary inside its npm packages), picked
// by measurement on a 64^3 chunk (a 64 x 4096 image) on this project's 2-core machine: sharp
// about 3.5 ms without Huffman optimisation (7.8 ms with), @jsquash/jpeg (mozjpeg in wasm, fed
// RGBA) about 47 ms, jpeg-js about 235 ms and only writes 3-component (YCbCr) images, which
// neuroglancer rejects. Huffman optimisation is off: it doubles the time for 4% fewer bytes, and
// DVID's own encoder (Go's image/jpeg) uses the standard tables too. sharp runs on libuv's thread
// pool, so encoding does not block the event loop. It is loaded on first use: a node that never
// serves a JPEG (and every importer of local-dvid) does not pay for libvips.
type Sharp = typeof import("sharp").default;
let sharpModule: Promise<Sharp> | undefined;
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import("sharp").then((m) => m.default);
  return sharpModule;
}

/** JPEG's 16-bit frame dimensions. */
const MAX_JPEG_SIDE = 65535;
/** DVID's quality for `/jpeg` reads and `jpeg`-compressed blocks (dvid-api.md §3.5, §4.3). */
export const DVID_JPEG_QUALITY = 80;

/**
 * Encodes `width * height` grayscale pixels (row-major, one byte each) as a single-component
 * baseline JPEG. `quality` is 1..100 (default 80, as DVID).
 */
export async function encodeGrayJpeg(
  pixels: Uint8Array,
  width: number,
  height: number,
  quality: number = DVID_JPEG_QUALITY,
): Promise<Buffer> {
  for (const [name, side] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (!Number.isInteger(side) || side < 1 || side > MAX_JPEG_SIDE) {
      throw new RangeError(`JPEG ${name} must be an integer from 1 to ${MAX_JPEG_SIDE}; got ${side}`);
    }
  }
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
    throw new RangeError(`JPEG quality must be an integer from 1 to 100; got ${quality}`);
  }
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height) {
    throw new RangeError(
      `JPEG pixels must be a Uint8Array of ${width * height} bytes for ${width}x${height}; got ${pixels instanceof Uint8Array ? `${pixels.length} bytes` : typeof pixels}`,
    );
  }
  const sharp = await loadSharp();
  return sharp(pixels, { raw: { width, height, channels: 1 }, limitInputPixels: false })
    .toColourspace("b-w") // else libvips writes a 3-component sRGB JPEG
    .jpeg({ quality, optimiseCoding: false, progressive: false })
    .toBuffer();
}
