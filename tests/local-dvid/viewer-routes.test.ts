// What neuroglancer's dvid:// source asks of local-dvid (neuroglancer-dvid.md) and DVID's block
// endpoints (dvid-api.md §4.5), each answer decoded independently: JPEGs with jpeg-js,
// compressed_segmentation with the test decoder written from the format's specification, LZ4 with
// the wire decoder, gzip with node:zlib.
import { beforeAll, describe, expect, it } from "@jest/globals";
import jpeg from "jpeg-js";
import { gunzipSync } from "node:zlib";
import { lz4DecompressBlock } from "../../volume-client/wire/lz4.js";
import { decodeCompressedSegmentation } from "../helpers/compressed-segmentation-decode.js";
import { expectDvidError, newInstance, newRepo, pattern, rawPath, request, useCluster } from "./server-helpers.js";
import { extract, type Xyz } from "./reference-box.js";

const c = useCluster(1);
let repo: string;

/** A gray volume that varies along every axis, smoothly (JPEG keeps it within a few levels). */
function gradient([nx, ny, nz]: Xyz): Buffer {
  const out = Buffer.alloc(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) out[(z * ny + y) * nx + x] = (x * 2 + y + z * 3) & 255;
  return out;
}

/** Decodes a grayscale JPEG with jpeg-js (RGBA out; R = G = B for gray). */
function decodeGray(file: Buffer): { width: number; height: number; gray: Uint8Array } {
  const { width, height, data } = jpeg.decode(file, { useTArray: true, formatAsRGBA: true });
  const gray = new Uint8Array(width * height);
  let notGray = 0;
  for (let i = 0; i < gray.length; i++) {
    if (data[4 * i] !== data[4 * i + 1] || data[4 * i] !== data[4 * i + 2]) notGray++;
    gray[i] = data[4 * i];
  }
  expect(notGray).toBe(0);
  return { width, height, gray };
}

/** JPEG's error against the exact voxels: mean and maximum absolute difference. */
function jpegError(got: Uint8Array, want: Uint8Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / want.length, max };
}

/** Number of JPEG components: the SOF0 marker's component count. */
function jpegComponents(file: Buffer): number {
  for (let i = 2; i < file.length - 9; i++) if (file[i] === 0xff && file[i + 1] === 0xc0) return file[i + 9];
  throw new Error("no baseline SOF0 marker");
}

interface BlockRecord {
  xyz: Xyz;
  data: Buffer;
}

function parseBlockStream(body: Buffer): BlockRecord[] {
  const out: BlockRecord[] = [];
  for (let at = 0; at < body.length; ) {
    const xyz: Xyz = [body.readInt32LE(at), body.readInt32LE(at + 4), body.readInt32LE(at + 8)];
    const n = body.readInt32LE(at + 12);
    out.push({ xyz, data: body.subarray(at + 16, at + 16 + n) });
    at += 16 + n;
  }
  return out;
}

/** GETs a block stream: expects 200 and records for exactly the blocks `xyz`, in that order. */
async function getBlockRecords(url: string, xyz: Xyz[]): Promise<BlockRecord[]> {
  const r = await request(url);
  expect(r.status).toBe(200);
  const records = parseBlockStream(r.body);
  expect(records.map((b) => b.xyz)).toEqual(xyz);
  return records;
}

/** Labels nearly all distinct (every fifth voxel 0), ids above 2^53, one at 2^64 - 1. */
function manyLabels(count: number): BigUint64Array {
  const out = BigUint64Array.from({ length: count }, (_, i) => (i % 5 === 0 ? 0n : 2n ** 53n + 1n + BigInt(i) * 7919n));
  out[count - 1] = 2n ** 64n - 1n;
  return out;
}

const GRAY_SIZE: Xyz = [64, 64, 32];
const GRAY = gradient(GRAY_SIZE);

beforeAll(async () => {
  repo = await newRepo(c.url, { alias: "viewer", description: "what neuroglancer reads" });
  await newInstance(c.url, repo, "uint8blk", "gray", { BlockSize: "32,32,32", VoxelSize: "8,8,8" });
  await newInstance(c.url, repo, "uint8blk", "grayjpeg", { BlockSize: "32,32,32", Compression: "jpeg" });
  await newInstance(c.url, repo, "labelblk", "labels", { BlockSize: "32,32,32" });
  await newInstance(c.url, repo, "keyvalue", "notes");
  for (const name of ["gray", "grayjpeg"]) {
    const r = await request(`${c.url}${rawPath(repo, name, GRAY_SIZE, [0, 0, 0])}`, { method: "POST", body: GRAY });
    expect(r.status).toBe(200);
  }
});

describe("repos info as neuroglancer reads it", () => {
  it("carries Base.TypeName and Base.Compression for every instance, and the extents, sizes and data type of voxel instances", async () => {
    const info = (await request(`${c.url}/api/repos/info`)).json<Record<string, any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = info[repo];
    expect(typeof r.Alias).toBe("string");
    expect(typeof r.Description).toBe("string");
    expect(Object.keys(r.DAG.Nodes)).toContain(repo);
    for (const [name, inst] of Object.entries<any>(r.DataInstances)) { // eslint-disable-line @typescript-eslint/no-explicit-any
      expect({ name, compression: typeof inst.Base.Compression, type: typeof inst.Base.TypeName }).toEqual({ name, compression: "string", type: "string" });
    }
    const gray = r.DataInstances.gray.Extended;
    expect(gray).toMatchObject({ MinPoint: [0, 0, 0], MaxPoint: [63, 63, 31], VoxelSize: [8, 8, 8], BlockSize: [32, 32, 32] });
    expect(gray.Values[0].DataType).toBe("uint8");
    expect(r.DataInstances.grayjpeg.Base.Compression).toContain("jpeg");
    expect(r.DataInstances.gray.Base.Compression).not.toContain("jpeg");
    expect(r.DataInstances.labels.Extended.Values[0].DataType).toBe("uint64");
  });
});

describe("uint8 raw/…/jpeg", () => {
  it("answers one single-component JPEG of width nx and height ny*nz, within JPEG's error of the voxels, ignoring app and u", async () => {
    const size: Xyz = [64, 32, 16];
    const offset: Xyz = [0, 16, 8];
    const r = await request(`${c.url}${rawPath(repo, "gray", size, offset)}/jpeg?app=Neuroglancer&u=someone`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("image/jpeg");
    expect(jpegComponents(r.body)).toBe(1);
    const { width, height, gray } = decodeGray(r.body);
    expect([width, height]).toEqual([64, 32 * 16]);
    const err = jpegError(gray, extract(GRAY, [0, 0, 0], GRAY_SIZE, offset, size, 1));
    expect(err.mean).toBeLessThan(2);
    expect(err.max).toBeLessThan(24);
  });

  it("answers a box reaching past MaxPoint in full, with zeros beyond the written voxels", async () => {
    const size: Xyz = [64, 64, 64];
    const offset: Xyz = [32, 0, 0];
    const r = await request(`${c.url}${rawPath(repo, "gray", size, offset)}/jpeg`);
    expect(r.status).toBe(200);
    const { width, height, gray } = decodeGray(r.body);
    expect([width, height]).toEqual([64, 64 * 64]);
    const want = extract(GRAY, [0, 0, 0], GRAY_SIZE, offset, size, 1);
    expect(jpegError(gray, want).mean).toBeLessThan(2);
    // Far from any written voxel (z >= 40), everything is black.
    const tail = gray.subarray(64 * 64 * 40);
    expect(Math.max(...tail)).toBeLessThan(4);
  });

  it("refuses a JPEG taller than JPEG allows, naming the limit", async () => {
    const r = await request(`${c.url}${rawPath(repo, "gray", [8, 1024, 128], [0, 0, 0])}/jpeg`);
    expectDvidError(r, 400, "at most 65535");
  });
});

describe("subvolblocks and specificblocks", () => {
  it("streams JPEG block payloads for a jpeg-compressed uint8 instance, every block of the box, zeros where nothing was written", async () => {
    const records = await getBlockRecords(`${c.url}/api/node/${repo}/grayjpeg/subvolblocks/64_32_64/0_32_0?app=Neuroglancer`, [
      [0, 1, 0],
      [1, 1, 0],
      [0, 1, 1],
      [1, 1, 1],
    ]);
    for (const { xyz, data } of records) {
      expect(jpegComponents(data)).toBe(1);
      const { width, height, gray } = decodeGray(data);
      expect([width, height]).toEqual([32, 32 * 32]);
      const want = extract(GRAY, [0, 0, 0], GRAY_SIZE, [xyz[0] * 32, xyz[1] * 32, xyz[2] * 32], [32, 32, 32], 1);
      expect(jpegError(gray, want).mean).toBeLessThan(2);
    }
  });

  it("streams the stored form (LZ4 with its length) of an lz4 instance, uncompressed on request, and leaves out blocks never written", async () => {
    const records = await getBlockRecords(`${c.url}/api/node/${repo}/gray/subvolblocks/64_32_64/0_0_0`, [
      [0, 0, 0],
      [1, 0, 0],
    ]);
    for (const { xyz, data } of records) {
      expect(data.readUInt32LE(0)).toBe(32 ** 3);
      const block = Buffer.from(lz4DecompressBlock(data.subarray(4), 32 ** 3));
      expect(block.equals(extract(GRAY, [0, 0, 0], GRAY_SIZE, [xyz[0] * 32, 0, 0], [32, 32, 32], 1))).toBe(true);
    }
    const [one] = await getBlockRecords(`${c.url}/api/node/${repo}/gray/subvolblocks/32_32_32/32_32_0?compression=uncompressed`, [[1, 1, 0]]);
    expect(one.data.equals(extract(GRAY, [0, 0, 0], GRAY_SIZE, [32, 32, 0], [32, 32, 32], 1))).toBe(true);
  });

  it("streams the listed blocks for specificblocks", async () => {
    const records = await getBlockRecords(`${c.url}/api/node/${repo}/gray/specificblocks?blocks=1,0,0,0,1,0,5,5,5&compression=uncompressed`, [
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(records[1].data.equals(extract(GRAY, [0, 0, 0], GRAY_SIZE, [0, 32, 0], [32, 32, 32], 1))).toBe(true);
    expectDvidError(await request(`${c.url}/api/node/${repo}/gray/specificblocks?blocks=1,0`), 400, "in threes");
  });

  it("keeps answering other requests while it streams a box of 262,144 never-written blocks", async () => {
    await newInstance(c.url, repo, "uint8blk", "empty8", { BlockSize: "8,8,8", Compression: "none" });
    const order: string[] = [];
    const big = request(`${c.url}/api/node/${repo}/empty8/subvolblocks/4096_4096_8/0_0_0?compression=uncompressed`).then((r) => {
      order.push("subvolblocks");
      return r;
    });
    // Sent once the big request is being answered (its first turns of the event loop are over).
    await new Promise((resolve) => setImmediate(resolve));
    const heartbeat = request(`${c.url}/api/heartbeat`).then((r) => {
      order.push("heartbeat");
      return r;
    });
    const [b, h] = await Promise.all([big, heartbeat]);
    expect([b.status, b.body.length, h.status]).toEqual([200, 0, 200]);
    expect(order).toEqual(["heartbeat", "subvolblocks"]);
  });

  it("refuses a box that is not block-aligned, naming the block size", async () => {
    const r = await request(`${c.url}/api/node/${repo}/gray/subvolblocks/32_32_32/16_0_0`);
    expectDvidError(r, 400, "multiples of the block size (32,32,32)");
  });
});

describe("imageblk blocks", () => {
  it("writes whole blocks with POST blocks/{bx_by_bz}/{spanX} and reads them back with GET, Background where nothing was written", async () => {
    await newInstance(c.url, repo, "uint8blk", "spans", { BlockSize: "8,8,8", Background: "7" });
    const body = pattern(2 * 512, 3);
    const post = await request(`${c.url}/api/node/${repo}/spans/blocks/2_1_0/2`, { method: "POST", body });
    expect(post.status).toBe(200);
    const get = await request(`${c.url}/api/node/${repo}/spans/blocks/2_1_0/3`);
    expect(get.status).toBe(200);
    expect(get.body.subarray(0, 1024).equals(body)).toBe(true);
    expect(get.body.subarray(1024).every((v) => v === 7)).toBe(true);
    // The same voxels through raw: block (3,1,0) is x 24..31, y 8..15.
    const raw = await request(`${c.url}${rawPath(repo, "spans", [8, 8, 8], [24, 8, 0])}`);
    expect(raw.body.equals(body.subarray(512))).toBe(true);
    const short = await request(`${c.url}/api/node/${repo}/spans/blocks/0_0_0/2`, { method: "POST", body: Buffer.alloc(100) });
    expectDvidError(short, 400, "blocks data was 100 bytes, expected 1024 bytes");
  });
});

describe("labelblk raw …?compression=googlegzip and blocks", () => {
  const size: Xyz = [64, 64, 32];
  let labels: BigUint64Array;
  beforeAll(async () => {
    labels = manyLabels(size[0] * size[1] * size[2]);
    const r = await request(`${c.url}${rawPath(repo, "labels", size, [0, 0, 0])}`, { method: "POST", body: new Uint8Array(labels.buffer) });
    expect(r.status).toBe(200);
  });

  it("answers compressed_segmentation gzip'd with Content-Encoding: gzip, decoding to the labels (over 2^16 distinct per box, ids above 2^53), zeros past MaxPoint", async () => {
    const offset: Xyz = [0, 0, 0];
    const box: Xyz = [64, 96, 32];
    const r = await request(`${c.url}${rawPath(repo, "labels", box, offset)}?compression=googlegzip&app=Neuroglancer`);
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBe("gzip");
    const words = gunzipSync(r.body);
    const decoded = decodeCompressedSegmentation(new Uint32Array(words.buffer, words.byteOffset, words.byteLength / 4), [box[2], box[1], box[0]]);
    const want = extract(Buffer.from(labels.buffer), [0, 0, 0], size, offset, box, 8);
    const got = Buffer.from(decoded.labels.buffer);
    expect(got.equals(want)).toBe(true);
    expect(new Set(labels).size).toBeGreaterThan(2 ** 16);
    expect(decoded.labels.includes(2n ** 53n + 1n + 7919n)).toBe(true);
    expect(decoded.labels.includes(2n ** 64n - 1n)).toBe(true);
  });

  it("answers compression=google without gzip", async () => {
    const r = await request(`${c.url}${rawPath(repo, "labels", [16, 16, 16], [8, 8, 8])}?compression=google`);
    expect(r.headers["content-encoding"]).toBeUndefined();
    const decoded = decodeCompressedSegmentation(new Uint32Array(r.body.buffer, r.body.byteOffset, r.body.byteLength / 4), [16, 16, 16]);
    expect(Buffer.from(decoded.labels.buffer).equals(extract(Buffer.from(labels.buffer), [0, 0, 0], size, [8, 8, 8], [16, 16, 16], 8))).toBe(true);
  });

  it("refuses a googlegzip box larger than one request encodes, naming the limit", async () => {
    const r = await request(`${c.url}${rawPath(repo, "labels", [256, 256, 64], [0, 0, 0])}?compression=googlegzip`);
    expectDvidError(r, 400, "at most 2097152 voxels");
  });

  it("streams labelblk blocks as raw LZ4 blocks by default and uncompressed on request, written blocks only", async () => {
    const records = await getBlockRecords(`${c.url}/api/node/${repo}/labels/blocks/96_32_32/0_0_0`, [
      [0, 0, 0],
      [1, 0, 0],
    ]);
    const blockBytes = 32 ** 3 * 8;
    for (const { xyz, data } of records) {
      const block = Buffer.from(lz4DecompressBlock(data, blockBytes));
      expect(block.equals(extract(Buffer.from(labels.buffer), [0, 0, 0], size, [xyz[0] * 32, 0, 0], [32, 32, 32], 8))).toBe(true);
    }
    const [one] = await getBlockRecords(`${c.url}/api/node/${repo}/labels/blocks/32_32_32/32_0_0?compression=uncompressed`, [[1, 0, 0]]);
    expect(one.data.length).toBe(blockBytes);
    expect(one.data.equals(extract(Buffer.from(labels.buffer), [0, 0, 0], size, [32, 0, 0], [32, 32, 32], 8))).toBe(true);
  });
});

describe("the console and the viewer on every node", () => {
  it("serves the console page at / and neuroglancer's viewer at /ng/ next to DVID's API", async () => {
    const page = await request(`${c.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.text).toMatch(/<script[^>]+type="module"/);
    const ng = await request(`${c.url}/ng/`);
    expect(ng.status).toBe(200);
    expect(ng.text).toMatch(/main\.bundle\.js/);
    const api = await request(`${c.url}/api/heartbeat`);
    expect(api.status).toBe(200);
  });
});
