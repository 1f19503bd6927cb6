// Time to encode one 64^3 chunk in the formats neuroglancer asks local-dvid for (issue 12: "a 64^3
// chunk must not make the viewer wait"): a grayscale JPEG of 64 x 4096 pixels, and uint64 labels
// in compressed_segmentation, alone and then gzipped as `compression=googlegzip` sends them.
// `npx tsx bench/viewer-encoders.ts [--reps N]` prints the figures; `benchViewerEncoders` gives
// them to bench/run.ts.
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { encodeCompressedSegmentation, encodeGrayJpeg } from "../local-dvid/index.js";
import { repeat, type Timing } from "./stats.js";

const N = 64;

export interface ViewerEncoderTimings {
  /** `raw/0_1_2/64_64_64/…/jpeg`: one quality-80 grayscale JPEG of 64 x 4096. */
  jpeg: Timing & { bytes: number };
  /** `raw/…?compression=google` on a chunk of a few large regions. */
  compressedSegmentation: Timing & { bytes: number };
  /** The same, gzipped (`googlegzip`). */
  compressedSegmentationGzip: Timing & { bytes: number };
}

/** EM-like grayscale: smooth structure, membranes and noise; deterministic. */
function grayscaleChunk(): Uint8Array {
  const px = new Uint8Array(N * N * N);
  let s = 1;
  for (let i = 0; i < px.length; i++) {
    const x = i % N;
    const y = Math.floor(i / N) % N;
    const z = Math.floor(i / (N * N));
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const membrane = (x + 2 * y + 3 * z) % 37 < 3 ? -70 : 0;
    px[i] = Math.max(0, Math.min(255, Math.round(140 + 50 * Math.sin(x / 9) * Math.cos(y / 13) + membrane + ((s >>> 16) % 21) - 10)));
  }
  return px;
}

/** Labels of 40 regions (nearest of 40 seeds), ids above 2^53, as a (low, high) word array. */
function labelChunk(): Uint32Array {
  const words = new Uint32Array(2 * N * N * N);
  let s = 7;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % N;
  const seeds = Array.from({ length: 40 }, () => [next(), next(), next()]);
  for (let i = 0; i < N * N * N; i++) {
    const x = i % N;
    const y = Math.floor(i / N) % N;
    const z = Math.floor(i / (N * N));
    let best = 0;
    let bestD = Infinity;
    for (let k = 0; k < seeds.length; k++) {
      const d = (x - seeds[k][0]) ** 2 + (y - seeds[k][1]) ** 2 + (z - seeds[k][2]) ** 2;
      if (d < bestD) [best, bestD] = [k, d];
    }
    words[2 * i] = 1000 + best;
    words[2 * i + 1] = 0x200000; // 2^53
  }
  return words;
}

export async function benchViewerEncoders(reps = 20): Promise<ViewerEncoderTimings> {
  const gray = grayscaleChunk();
  const labels = labelChunk();
  let jpegBytes = 0;
  let csBytes = 0;
  let gzBytes = 0;
  const jpeg = await repeat(async () => (jpegBytes = (await encodeGrayJpeg(gray, N, N * N)).length), { warmup: 3, reps });
  const cs = await repeat(() => (csBytes = encodeCompressedSegmentation(labels, [N, N, N]).byteLength), { warmup: 3, reps });
  const gz = await repeat(
    () => {
      const words = encodeCompressedSegmentation(labels, [N, N, N]);
      gzBytes = gzipSync(new Uint8Array(words.buffer, words.byteOffset, words.byteLength)).length;
    },
    { warmup: 3, reps },
  );
  return {
    jpeg: { ...jpeg, bytes: jpegBytes },
    compressedSegmentation: { ...cs, bytes: csBytes },
    compressedSegmentationGzip: { ...gz, bytes: gzBytes },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--reps");
  const reps = at >= 0 ? Number(process.argv[at + 1]) : 20;
  const t = await benchViewerEncoders(reps);
  for (const [name, timing] of Object.entries(t)) {
    console.log(
      `${name.padEnd(28)} median ${timing.medianMs.toFixed(2)} ms (${timing.minMs.toFixed(2)}..${timing.maxMs.toFixed(2)}), ${timing.bytes} bytes`,
    );
  }
}
