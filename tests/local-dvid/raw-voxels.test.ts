import { beforeAll, describe, expect, it } from "@jest/globals";
import { gunzipSync, gzipSync, inflateSync } from "node:zlib";
import { lz4CompressBlock, lz4DecompressBlock } from "../../volume-client/wire/lz4.js";
import {
  expectDvidError,
  newInstance,
  newRepo,
  pattern,
  rawPath,
  request,
  snapshotStore,
  startCluster,
  useCluster,
} from "./server-helpers.js";
import { extract, type Xyz } from "./reference-box.js";

const c = useCluster(1);
let repo: string;
beforeAll(async () => {
  repo = await newRepo(c.url);
});

const TYPES: [string, number][] = [
  ["uint8blk", 1],
  ["uint16blk", 2],
  ["uint32blk", 4],
  ["uint64blk", 8],
  ["float32blk", 4],
  ["labelblk", 8],
];

describe("raw 3-D voxels", () => {
  it.each(TYPES)("round-trips %s through aligned POST and unaligned GETs, with zeros where nothing was written", async (type, bpv) => {
    const name = `rt-${type}`;
    await newInstance(c.url, repo, type, name, { BlockSize: "16,8,4" });
    const offset: Xyz = [-16, 8, -4];
    const size: Xyz = [32, 16, 12];
    const vol = pattern(size[0] * size[1] * size[2] * bpv, bpv);
    const post = await request(`${c.url}${rawPath(repo, name, size, offset)}`, { method: "POST", body: vol });
    expect(post.status).toBe(200);
    expect(post.body.length).toBe(0);
    for (const [o, s] of [
      [offset, size],
      [[-20, 5, -6], [40, 25, 17]],
      [[-3, 9, 1], [7, 3, 2]],
      [[100, 100, 100], [5, 5, 5]],
      [[15, 23, 7], [1, 1, 1]],
    ] as [Xyz, Xyz][]) {
      const r = await request(`${c.url}${rawPath(repo, name, s, o)}`);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toBe("application/octet-stream");
      expect(Number(r.headers["content-length"])).toBe(s[0] * s[1] * s[2] * bpv);
      expect(Buffer.compare(r.body, extract(vol, offset, size, o, s, bpv))).toBe(0);
    }
  });

  it("stores multi-byte voxels little-endian, exactly as posted", async () => {
    await newInstance(c.url, repo, "float32blk", "floats", { BlockSize: "8,8,8" });
    const values = new Float32Array(8 * 8 * 8).map((_, i) => i * 0.5 - 3.25);
    await request(`${c.url}${rawPath(repo, "floats", [8, 8, 8], [0, 0, 0])}`, { method: "POST", body: new Uint8Array(values.buffer) });
    const r = await request(`${c.url}${rawPath(repo, "floats", [2, 1, 1], [3, 0, 0])}`);
    expect([r.body.readFloatLE(0), r.body.readFloatLE(4)]).toEqual([values[3], values[4]]);
  });

  it("reads a volume that spans several z block layers and many blocks", async () => {
    await newInstance(c.url, repo, "uint8blk", "big", { BlockSize: "32,32,32" });
    const size: Xyz = [128, 96, 160];
    const vol = pattern(size[0] * size[1] * size[2], 77);
    expect((await request(`${c.url}${rawPath(repo, "big", size, [0, 0, 0])}`, { method: "POST", body: vol })).status).toBe(200);
    const r = await request(`${c.url}${rawPath(repo, "big", [130, 97, 161], [-1, 0, -1])}`);
    expect(Buffer.compare(r.body, extract(vol, [0, 0, 0], size, [-1, 0, -1], [130, 97, 161], 1))).toBe(0);
  });

  it("rejects a body of the wrong length with DVID's message and writes nothing", async () => {
    await newInstance(c.url, repo, "uint8blk", "len", { BlockSize: "8,8,8" });
    await newInstance(c.url, repo, "labelblk", "lablen", { BlockSize: "8,8,8" });
    const before = await snapshotStore(c.store);
    const path = rawPath(repo, "len", [8, 8, 8], [0, 0, 8]);
    expectDvidError(
      await request(`${c.url}${path}`, { method: "POST", body: Buffer.alloc(100) }),
      400,
      "voxels data was 100 bytes, expected 512 bytes for 3d volume (8,8,8) at offset (0,0,8)",
      path,
    );
    expectDvidError(
      await request(`${c.url}${path}`, { method: "POST", body: Buffer.alloc(600), headers: { "transfer-encoding": "chunked" } }),
      400,
      "voxels data was 600 bytes, expected 512 bytes",
    );
    expectDvidError(
      await request(`${c.url}${rawPath(repo, "lablen", [8, 8, 8], [0, 0, 0])}`, { method: "POST", body: Buffer.alloc(512) }),
      400,
      "labels data was 512 bytes, expected 4096 bytes",
    );
    expect(await snapshotStore(c.store)).toEqual(before);
  });

  it("rejects a non-aligned POST without the extension and writes nothing", async () => {
    await newInstance(c.url, repo, "uint8blk", "align", { BlockSize: "8,8,8" });
    const before = await snapshotStore(c.store);
    for (const [size, offset, end] of [
      [[8, 8, 8], [1, 0, 0], "(1,0,0) -> (8,7,7)"],
      [[12, 8, 8], [0, 0, 0], "(0,0,0) -> (11,7,7)"],
      [[8, 8, 8], [0, 0, -4], "(0,0,-4) -> (7,7,3)"],
    ] as [Xyz, Xyz, string][]) {
      const path = rawPath(repo, "align", size, offset);
      expectDvidError(
        await request(`${c.url}${path}`, { method: "POST", body: Buffer.alloc(size[0] * size[1] * size[2], 5) }),
        400,
        `cannot store voxels in non-block aligned geometry ${end}`,
        path,
      );
    }
    expect(await snapshotStore(c.store)).toEqual(before);
  });

  it("accepts negative block-aligned offsets", async () => {
    await newInstance(c.url, repo, "uint8blk", "neg", { BlockSize: "8,8,8" });
    const vol = pattern(16 * 8 * 8, 3);
    expect((await request(`${c.url}${rawPath(repo, "neg", [16, 8, 8], [-16, -8, -64])}`, { method: "POST", body: vol })).status).toBe(200);
    const r = await request(`${c.url}${rawPath(repo, "neg", [16, 8, 8], [-16, -8, -64])}`);
    expect(Buffer.compare(r.body, vol)).toBe(0);
  });

  it("refuses GETs larger than 3 GiB before reading anything", async () => {
    expectDvidError(
      await request(`${c.url}${rawPath(repo, "neg", [2048, 2048, 1024], [0, 0, 0])}`),
      400,
      "Requested payload (4294967296 bytes) exceeds this DVID server's set limit (3221225472)",
    );
  });

  it("refuses malformed geometry with DVID's messages", async () => {
    const base = `/api/node/${repo}/neg/raw`;
    expectDvidError(await request(`${c.url}${base}/0_1_2/8_8/0_0_0`), 400, "Size must be 3 (not 2) dimensions");
    expectDvidError(await request(`${c.url}${base}/0_1_2/8_8_8/0_0`), 400, "Offset must be 3d coordinate");
    expectDvidError(await request(`${c.url}${base}/0_1_2/8_x_8/0_0_0`), 400, 'strconv.ParseInt: parsing "x": invalid syntax');
    expectDvidError(await request(`${c.url}${base}/0_1_2/8_8_8/0_0_9999999999`), 400, "value out of range");
    expectDvidError(await request(`${c.url}${base}/0_1_2/0_8_8/0_0_0`), 400, "Illegal geometry requested");
    expectDvidError(await request(`${c.url}${base}/0_1_2/-8_8_8/0_0_0`), 400, "Illegal geometry requested");
    expectDvidError(await request(`${c.url}${base}/1_0/8_8/0_0_0`), 400, "Unknown data shape specification (1_0)");
    expectDvidError(await request(`${c.url}${base}/0_1_2/8_8_8`), 400, "must be followed by shape/size/offset");
    expectDvidError(
      await request(`${c.url}${base}/xy/8_8/0_0_0`, { method: "POST", body: Buffer.alloc(64) }),
      400,
      "DVID does not permit 2d mutations, only 3d block-aligned stores",
    );
  });
});

describe("the non-aligned write extension", () => {
  it("patches an arbitrary box into existing blocks and keeps every other voxel", async () => {
    await newInstance(c.url, repo, "uint16blk", "patch", { BlockSize: "8,8,8" });
    const size: Xyz = [16, 16, 16];
    const vol = pattern(16 * 16 * 16 * 2, 11);
    await request(`${c.url}${rawPath(repo, "patch", size, [0, 0, 0])}`, { method: "POST", body: vol });
    const pOff: Xyz = [3, 5, 7];
    const pSize: Xyz = [9, 2, 4];
    const patch = Buffer.alloc(pSize[0] * pSize[1] * pSize[2] * 2, 0xee);
    const r = await request(`${c.url}${rawPath(repo, "patch", pSize, pOff)}?nonaligned=true`, { method: "POST", body: patch });
    expect(r.status).toBe(200);
    const expected = Buffer.from(vol);
    for (let z = pOff[2]; z < pOff[2] + pSize[2]; z++)
      for (let y = pOff[1]; y < pOff[1] + pSize[1]; y++)
        for (let x = pOff[0]; x < pOff[0] + pSize[0]; x++) expected.writeUInt16LE(0xeeee, ((z * 16 + y) * 16 + x) * 2);
    const back = await request(`${c.url}${rawPath(repo, "patch", size, [0, 0, 0])}`);
    expect(Buffer.compare(back.body, expected)).toBe(0);
    const info = (await request(`${c.url}/api/node/${repo}/patch/info`)).json();
    expect(info.Extended.MaxPoint).toEqual([15, 15, 15]);
  });

  it("fills the rest of a never-written block with zeros", async () => {
    await newInstance(c.url, repo, "uint8blk", "sparse", { BlockSize: "8,8,8" });
    await request(`${c.url}${rawPath(repo, "sparse", [2, 1, 1], [5, 5, 5])}?nonaligned=true`, { method: "POST", body: Buffer.from([7, 8]) });
    const r = await request(`${c.url}${rawPath(repo, "sparse", [8, 8, 8], [0, 0, 0])}`);
    const expected = Buffer.alloc(512);
    expected[(5 * 8 + 5) * 8 + 5] = 7;
    expected[(5 * 8 + 5) * 8 + 6] = 8;
    expect(Buffer.compare(r.body, expected)).toBe(0);
    expect((await request(`${c.url}/api/node/${repo}/sparse/info`)).json().Extended.MinPoint).toEqual([5, 5, 5]);
  });

  it("loses no voxel when many concurrent patchers write disjoint voxels of one block", async () => {
    await newInstance(c.url, repo, "uint8blk", "race", { BlockSize: "16,16,16" });
    const writes = Array.from({ length: 48 }, (_, i) => {
      const x = i % 16;
      const y = Math.floor(i / 16) * 5;
      return request(`${c.url}${rawPath(repo, "race", [1, 1, 1], [x, y, 3])}?nonaligned=true`, {
        method: "POST",
        body: Buffer.from([i + 1]),
      });
    });
    const replies = await Promise.all(writes);
    expect(replies.map((r) => r.status)).toEqual(Array(48).fill(200));
    const block = (await request(`${c.url}${rawPath(repo, "race", [16, 16, 16], [0, 0, 0])}`)).body;
    for (let i = 0; i < 48; i++) {
      const x = i % 16;
      const y = Math.floor(i / 16) * 5;
      expect(block[(3 * 16 + y) * 16 + x]).toBe(i + 1);
    }
    expect(block.reduce((n, b) => n + (b !== 0 ? 1 : 0), 0)).toBe(48);
  });

  it("still validates the body length with the extension", async () => {
    const before = await snapshotStore(c.store);
    expectDvidError(
      await request(`${c.url}${rawPath(repo, "race", [3, 3, 3], [1, 1, 1])}?nonaligned=true`, { method: "POST", body: Buffer.alloc(26) }),
      400,
      "voxels data was 26 bytes, expected 27 bytes",
    );
    expect(await snapshotStore(c.store)).toEqual(before);
  });
});

/** Decodes a non-interlaced PNG written with filter type 0 (what local-dvid writes). */
function decodePng(png: Buffer): { width: number; height: number; bitDepth: number; colorType: number; pixels: Buffer } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let at = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === "IHDR") ihdr = data;
    if (type === "IDAT") idat.push(data);
    at += 12 + len;
  }
  if (!ihdr) throw new Error("no IHDR");
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const bitDepth = ihdr[8];
  const colorType = ihdr[9];
  const bpp = ((colorType === 6 ? 4 : 1) * bitDepth) / 8;
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = Buffer.alloc(width * height * bpp);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * bpp + 1)]).toBe(0);
    raw.copy(pixels, y * width * bpp, y * (width * bpp + 1) + 1, (y + 1) * (width * bpp + 1));
  }
  return { width, height, bitDepth, colorType, pixels };
}

describe("2-D slices", () => {
  const size: Xyz = [16, 12, 10];
  let vol: Buffer;
  beforeAll(async () => {
    await newInstance(c.url, repo, "uint8blk", "slices", { BlockSize: "8,8,8" });
    vol = pattern(16 * 16 * 16, 5).subarray(0, size[0] * size[1] * size[2]);
    // Write an aligned 16x16x16 box whose first voxels are `vol` (the rest stays as posted).
    const full = pattern(16 * 16 * 16, 5);
    await request(`${c.url}${rawPath(repo, "slices", [16, 16, 16], [0, 0, 0])}`, { method: "POST", body: full });
    vol = full;
  });

  it.each([
    ["xy", [16, 12], [0, 0, 3], [16, 12, 1]],
    ["xz", [16, 10], [0, 4, 0], [16, 1, 10]],
    ["yz", [12, 10], [5, 0, 0], [1, 12, 10]],
  ] as [string, [number, number], Xyz, Xyz][])("returns an 8-bit grayscale PNG of the %s slice", async (shape, wh, offset, box) => {
    const r = await request(`${c.url}/api/node/${repo}/slices/raw/${shape}/${wh.join("_")}/${offset.join("_")}`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("image/png");
    const png = decodePng(r.body);
    expect({ w: png.width, h: png.height, depth: png.bitDepth, color: png.colorType }).toEqual({ w: wh[0], h: wh[1], depth: 8, color: 0 });
    expect(Buffer.compare(png.pixels, extract(vol, [0, 0, 0], [16, 16, 16], offset, box, 1))).toBe(0);
  });

  it("returns 16-bit grayscale with big-endian samples for uint16", async () => {
    await newInstance(c.url, repo, "uint16blk", "slices16", { BlockSize: "8,8,8" });
    const block = Buffer.alloc(8 * 8 * 8 * 2);
    for (let i = 0; i < 512; i++) block.writeUInt16LE(i * 100 + 1, i * 2);
    await request(`${c.url}${rawPath(repo, "slices16", [8, 8, 8], [0, 0, 0])}`, { method: "POST", body: block });
    const png = decodePng((await request(`${c.url}/api/node/${repo}/slices16/raw/0_1/8_8/0_0_2/png`)).body);
    expect([png.bitDepth, png.colorType]).toEqual([16, 0]);
    for (let i = 0; i < 64; i++) expect(png.pixels.readUInt16BE(i * 2)).toBe((128 + i) * 100 + 1);
  });

  it("refuses image formats other than png", async () => {
    expectDvidError(await request(`${c.url}/api/node/${repo}/slices/raw/xy/8_8/0_0_0/jpg`), 400, "png only");
  });
});

describe("label endpoints", () => {
  let labels: Buffer;
  beforeAll(async () => {
    await newInstance(c.url, repo, "labelblk", "seg", { BlockSize: "8,8,8" });
    const arr = new BigUint64Array(16 * 8 * 8);
    for (let i = 0; i < arr.length; i++) arr[i] = BigInt(Math.floor(i / 100)) * 2n ** 59n + 12345n;
    labels = Buffer.from(arr.buffer);
    await request(`${c.url}${rawPath(repo, "seg", [16, 8, 8], [0, 0, 0])}`, { method: "POST", body: labels });
  });

  it("returns a raw LZ4 block of the whole array with compression=lz4", async () => {
    const r = await request(`${c.url}${rawPath(repo, "seg", [16, 8, 8], [0, 0, 0])}?compression=lz4`);
    expect(r.status).toBe(200);
    expect(r.body.length).toBeLessThan(labels.length / 4);
    expect(Buffer.compare(Buffer.from(lz4DecompressBlock(r.body, labels.length)), labels)).toBe(0);
  });

  it("returns gzip with compression=gzip", async () => {
    const r = await request(`${c.url}${rawPath(repo, "seg", [16, 8, 8], [0, 0, 0])}?compression=gzip`);
    expect(Buffer.compare(gunzipSync(r.body), labels)).toBe(0);
  });

  it("accepts lz4 and gzip bodies on POST", async () => {
    await newInstance(c.url, repo, "labelblk", "seg2", { BlockSize: "8,8,8" });
    const path = rawPath(repo, "seg2", [16, 8, 8], [0, 0, 0]);
    expect((await request(`${c.url}${path}?compression=lz4`, { method: "POST", body: lz4CompressBlock(labels) })).status).toBe(200);
    expect(Buffer.compare((await request(`${c.url}${path}`)).body, labels)).toBe(0);
    const shifted = Buffer.from(labels);
    shifted.writeBigUInt64LE(99n, 0);
    expect((await request(`${c.url}${path}?compression=gzip`, { method: "POST", body: gzipSync(shifted) })).status).toBe(200);
    expect(Buffer.compare((await request(`${c.url}${path}`)).body, shifted)).toBe(0);
  });

  it("refuses compressed bodies that do not decode to the box size, writing nothing", async () => {
    const before = await snapshotStore(c.store);
    const path = rawPath(repo, "seg2", [16, 8, 8], [0, 0, 0]);
    expectDvidError(await request(`${c.url}${path}?compression=lz4`, { method: "POST", body: Buffer.from([1, 2, 3]) }), 400, "lz4");
    expectDvidError(
      await request(`${c.url}${path}?compression=gzip`, { method: "POST", body: gzipSync(Buffer.alloc(100)) }),
      400,
      "labels data was 100 bytes, expected 8192 bytes",
    );
    expectDvidError(await request(`${c.url}${path}?compression=gzip`, { method: "POST", body: Buffer.from("not gzip") }), 400, "gzip");
    expect(await snapshotStore(c.store)).toEqual(before);
  });

  it("ignores compression on image types, as DVID does", async () => {
    const r = await request(`${c.url}${rawPath(repo, "neg", [16, 8, 8], [-16, -8, -64])}?compression=lz4`);
    expect(r.body.length).toBe(16 * 8 * 8);
  });

  it("returns single labels as exact unsigned decimals and labels for a list of points", async () => {
    const at = (x: number, y: number, z: number): bigint => labels.readBigUInt64LE(((z * 8 + y) * 16 + x) * 8);
    const one = await request(`${c.url}/api/node/${repo}/seg/label/9_3_5`);
    expect(one.text).toBe(`{"Label": ${at(9, 3, 5)}}`);
    expect(at(9, 3, 5)).toBeGreaterThan(2n ** 53n);
    const many = await request(`${c.url}/api/node/${repo}/seg/labels`, { body: [[0, 0, 0], [15, 7, 7], [100, 0, 0], [-1, 0, 0]] });
    expect(many.status).toBe(200);
    expect(many.text).toBe(`[${at(0, 0, 0)},${at(15, 7, 7)},0,0]`);
  });
});

describe("stored block sizes", () => {
  it("stores every block at exactly its size when pooled buffers larger than a block are reused (uint64, 64^3 blocks)", async () => {
    // Regression: a 2 MiB block copied into a reused 4 MiB pool buffer was stored as 4 MiB, and
    // every later read of it failed. The GET leaves two 4 MiB send buffers in the pool; the
    // second POST then copies its four blocks into scratch buffers taken from the pool.
    const own = await startCluster(1); // its own store: every block in it is this test's
    const url = own.url;
    const repo = await newRepo(url);
    const name = "pooled64";
    await newInstance(url, repo, "uint64blk", name, { BlockSize: "64,64,64" });
    const first = pattern(128 * 64 * 128 * 8, 11);
    expect((await request(url + rawPath(repo, name, [128, 64, 128], [0, 0, 0]), { method: "POST", body: first })).status).toBe(200);
    expect((await request(url + rawPath(repo, name, [128, 64, 128], [0, 0, 0]))).body.equals(first)).toBe(true);
    const second = pattern(256 * 64 * 64 * 8, 12);
    expect((await request(url + rawPath(repo, name, [256, 64, 64], [0, 64, 0]), { method: "POST", body: second })).status).toBe(200);
    const keys = (await own.store.list("blocks/")).filter((k) => /\/\d+_\d+_\d+$/.test(k));
    expect(keys.length).toBe(4 + 4);
    for (const k of keys) expect({ k, bytes: (await own.store.get(k))?.data.length }).toEqual({ k, bytes: 64 * 64 * 64 * 8 });
    const back = await request(url + rawPath(repo, name, [256, 64, 64], [0, 64, 0]));
    expect(back.status).toBe(200);
    expect(back.body.equals(second)).toBe(true);
    await own.close();
  });
});
