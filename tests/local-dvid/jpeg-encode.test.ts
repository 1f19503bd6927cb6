// The grayscale JPEG encoder, checked with an independent decoder (jpeg-js, pure JS) and by
// reading the frame header: neuroglancer's dvid:// source accepts only single-component baseline.
import { describe, expect, it } from "@jest/globals";
import jpeg from "jpeg-js";
import { encodeGrayJpeg } from "../../local-dvid/voxels/jpeg-encode.js";

interface Frame {
  /** 0xc0 baseline, 0xc1 extended, 0xc2 progressive, … */
  marker: number;
  precision: number;
  height: number;
  width: number;
  components: number;
}

/** Reads the first start-of-frame segment, walking the marker segments from SOI. */
function readFrame(file: Uint8Array): Frame {
  expect([file[0], file[1]]).toEqual([0xff, 0xd8]);
  for (let at = 2; at + 4 <= file.length; ) {
    expect(file[at]).toBe(0xff);
    const marker = file[at + 1];
    const length = (file[at + 2] << 8) | file[at + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return {
        marker,
        precision: file[at + 4],
        height: (file[at + 5] << 8) | file[at + 6],
        width: (file[at + 7] << 8) | file[at + 8],
        components: file[at + 9],
      };
    }
    at += 2 + length;
  }
  throw new Error("no start-of-frame marker");
}

/** Grayscale pixels with structure (gradients, edges) and noise, like EM data; deterministic. */
function emLike(width: number, height: number, seed: number): Uint8Array {
  const px = new Uint8Array(width * height);
  let s = seed;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const noise = ((s >>> 16) % 21) - 10;
      const membrane = (x + 2 * y) % 37 < 3 ? -70 : 0;
      px[y * width + x] = Math.max(0, Math.min(255, Math.round(140 + 50 * Math.sin(x / 9) * Math.cos(y / 13) + membrane + noise)));
    }
  return px;
}

/** Decodes with jpeg-js, which hands back RGBA even for grayscale: R = G = B is checked, R kept. */
function decodeGray(file: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const { width, height, data: rgba } = jpeg.decode(file, { useTArray: true, formatAsRGBA: true });
  const data = new Uint8Array(width * height);
  let grey = true;
  for (let i = 0; i < data.length; i++) {
    data[i] = rgba[4 * i];
    grey &&= rgba[4 * i + 1] === data[i] && rgba[4 * i + 2] === data[i];
  }
  expect(grey).toBe(true);
  return { width, height, data };
}

/** Mean and largest absolute difference, and the peak signal-to-noise ratio in dB. */
function errors(a: Uint8Array, b: Uint8Array): { mean: number; max: number; psnr: number } {
  let sum = 0;
  let squares = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    squares += d * d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max, psnr: 10 * Math.log10((255 * 255) / (squares / a.length || 1e-9)) };
}

describe("encodeGrayJpeg", () => {
  it("writes a single-component 8-bit baseline JPEG of width nx and height ny*nz for a 64^3 chunk", async () => {
    const file = await encodeGrayJpeg(emLike(64, 4096, 1), 64, 4096);
    expect(readFrame(file)).toEqual({ marker: 0xc0, precision: 8, width: 64, height: 4096, components: 1 });
  });

  it("decodes with an independent decoder to the pixels within JPEG's error at quality 80", async () => {
    const pixels = emLike(64, 4096, 2);
    const decoded = decodeGray(await encodeGrayJpeg(pixels, 64, 4096));
    expect([decoded.width, decoded.height, decoded.data.length]).toEqual([64, 4096, 64 * 4096]);
    // The test image has uniform noise of +-10 grey levels, which quality 80 smooths partly away.
    const { mean, max, psnr } = errors(decoded.data, pixels);
    expect(mean).toBeLessThan(7);
    expect(max).toBeLessThan(48);
    expect(psnr).toBeGreaterThan(30);
  });

  it("is closer to the pixels at quality 100 than at quality 20", async () => {
    const pixels = emLike(96, 80, 3);
    const fine = errors(decodeGray(await encodeGrayJpeg(pixels, 96, 80, 100)).data, pixels);
    const coarse = errors(decodeGray(await encodeGrayJpeg(pixels, 96, 80, 20)).data, pixels);
    expect(fine.mean).toBeLessThan(1);
    expect(fine.max).toBeLessThanOrEqual(6);
    expect(coarse.mean).toBeGreaterThan(fine.mean);
  });

  it("keeps DVID's layout: x fastest, then y, then z stacked down the image", async () => {
    // 32x32x8 box: each z slice flat at its own level, so each 32-row band decodes to that level.
    const [nx, ny, nz] = [32, 32, 8];
    const pixels = new Uint8Array(nx * ny * nz);
    for (let z = 0; z < nz; z++) pixels.fill(20 + 30 * z, z * nx * ny, (z + 1) * nx * ny);
    const decoded = decodeGray(await encodeGrayJpeg(pixels, nx, ny * nz));
    for (let z = 0; z < nz; z++) {
      const band = decoded.data.subarray(z * nx * ny, (z + 1) * nx * ny);
      expect(errors(band, new Uint8Array(band.length).fill(20 + 30 * z)).max).toBeLessThanOrEqual(2);
    }
  });

  it("reads only the pixels of a view into a larger buffer", async () => {
    const whole = new Uint8Array(3 + 16 * 16 + 5).fill(250);
    const view = whole.subarray(3, 3 + 16 * 16).fill(10);
    const decoded = decodeGray(await encodeGrayJpeg(view, 16, 16));
    expect(errors(decoded.data, view).max).toBeLessThanOrEqual(2);
    const viewOfBuffer = Buffer.alloc(40).fill(7, 8, 24).subarray(8, 24);
    expect(errors(decodeGray(await encodeGrayJpeg(viewOfBuffer, 4, 4)).data, viewOfBuffer).max).toBeLessThanOrEqual(2);
  });

  it("encodes sizes that are not multiples of 8, down to one pixel", async () => {
    for (const [w, h] of [
      [1, 1],
      [13, 7],
      [9, 300],
    ]) {
      const pixels = emLike(w, h, w * h);
      const file = await encodeGrayJpeg(pixels, w, h);
      expect(readFrame(file)).toMatchObject({ width: w, height: h, components: 1 });
      const decoded = decodeGray(file);
      expect(decoded.data.length).toBe(w * h);
    }
  });

  it("rejects pixels whose length does not match the size, and sizes JPEG cannot hold", async () => {
    await expect(encodeGrayJpeg(new Uint8Array(10), 4, 4)).rejects.toThrow(
      "JPEG pixels must be a Uint8Array of 16 bytes for 4x4; got 10 bytes",
    );
    await expect(encodeGrayJpeg(new Uint8Array(65536), 1, 65536)).rejects.toThrow(
      "JPEG height must be an integer from 1 to 65535; got 65536",
    );
    await expect(encodeGrayJpeg(new Uint8Array(0), 0, 4)).rejects.toThrow("JPEG width must be an integer from 1 to 65535; got 0");
    await expect(encodeGrayJpeg(new Uint8Array(4), 2, 2, 0)).rejects.toThrow("JPEG quality must be an integer from 1 to 100; got 0");
  });
});
