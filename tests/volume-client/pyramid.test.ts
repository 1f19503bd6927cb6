// Volume.buildPyramid(): sibling instances <name>_1, <name>_2 … as neuroglancer finds them, each
// checked against a reference downsampling written here (plain loops, BigInt labels).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { MemoryStore, startLocalDvid, type RunningLocalDvid } from "../../local-dvid/index.js";
import { connect, type DvidClient, type Version } from "../../volume-client/index.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";

let node: RunningLocalDvid;
let client: DvidClient;
let repo: Version;

beforeAll(async () => {
  node = await startLocalDvid({ store: new MemoryStore(), port: 0 });
  client = connect(node.url);
  repo = await client.createRepo({ alias: "pyramid" });
});

afterAll(async () => {
  client?.close();
  await node?.close();
});

/** Reference: rounded mean of each 2x2x2 group of a [nz][ny][nx] C-order array. */
function meanRef(src: ArrayLike<number>, [nz, ny, nx]: [number, number, number]): number[] {
  const out: number[] = [];
  for (let z = 0; z < nz / 2; z++)
    for (let y = 0; y < ny / 2; y++)
      for (let x = 0; x < nx / 2; x++) {
        let sum = 0;
        for (const dz of [0, 1]) for (const dy of [0, 1]) for (const dx of [0, 1]) sum += src[((2 * z + dz) * ny + 2 * y + dy) * nx + 2 * x + dx];
        out.push(Math.round(sum / 8));
      }
  return out;
}

/** Reference: most frequent label of each group, ties to the smaller id. */
function modeRef(src: BigUint64Array, [nz, ny, nx]: [number, number, number]): bigint[] {
  const out: bigint[] = [];
  for (let z = 0; z < nz / 2; z++)
    for (let y = 0; y < ny / 2; y++)
      for (let x = 0; x < nx / 2; x++) {
        const counts = new Map<bigint, number>();
        for (const dz of [0, 1])
          for (const dy of [0, 1])
            for (const dx of [0, 1]) {
              const v = src[((2 * z + dz) * ny + 2 * y + dy) * nx + 2 * x + dx];
              counts.set(v, (counts.get(v) ?? 0) + 1);
            }
        const best = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
        out.push(best[0]);
      }
  return out;
}

function grayscale([nz, ny, nx]: [number, number, number], seed: number): Uint8Array {
  const out = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) out[(z * ny + y) * nx + x] = (x * 3 + y * 5 + z * 7 + seed * ((x * y) % 13)) & 255;
  return out;
}

describe("Volume.buildPyramid()", () => {
  it("creates <name>_1 and <name>_2 with the same type and block size, twice and four times the voxel size, each the rounded 2x2x2 mean of the level below", async () => {
    const shape: [number, number, number] = [32, 64, 64];
    const gray = await repo.createVolume("gray", "uint8", { blockSizeZyx: [16, 16, 16], voxelSizeZyx: [8, 4, 4], compression: "jpeg" });
    const level0 = grayscale(shape, 1);
    await gray.write([0, 0, 0], ndarray(level0, shape));
    const levels = await gray.buildPyramid({ levels: 2 });
    expect(levels.map((l) => [l.name, l.boxZyx])).toEqual([
      ["gray_1", [[0, 16], [0, 32], [0, 32]]],
      ["gray_2", [[0, 16], [0, 16], [0, 16]]],
    ]);
    const one = await repo.openVolume("gray_1");
    const info = await one.info();
    expect([info.typeName, info.blockSizeZyx, info.voxelSizeZyx]).toEqual(["uint8blk", [16, 16, 16], [16, 8, 8]]);
    expect((await repo.openVolume("gray_2").then((v) => v.info())).voxelSizeZyx).toEqual([32, 16, 16]);
    const ref1 = meanRef(level0, shape);
    const got1 = await one.read([[0, 16], [0, 32], [0, 32]]);
    expect(Array.from(got1.data as Uint8Array)).toEqual(ref1);
    const ref2 = meanRef(Uint8Array.from(ref1), [16, 32, 32]);
    const got2 = await repo.volume("gray_2").read([[0, 8], [0, 16], [0, 16]]);
    expect(Array.from(got2.data as Uint8Array)).toEqual(ref2);
    // Storage compression is carried over (a jpeg instance's levels are jpeg too, for neuroglancer's subvolblocks).
    const repos = (await (await fetch(`${node.url}/api/repos/info`)).json()) as Record<string, { DataInstances: Record<string, { Base: { Compression: string } }> }>;
    expect(Object.values(repos)[0].DataInstances.gray_1.Base.Compression).toContain("jpeg");
  });

  it("gives labels the most frequent label of each 2x2x2 group, ties to the smaller id, ids above 2^53 intact", async () => {
    const shape: [number, number, number] = [16, 16, 32];
    const big = 2n ** 60n + 3n;
    const labels = new BigUint64Array(shape[0] * shape[1] * shape[2]);
    for (let i = 0; i < labels.length; i++) labels[i] = BigInt(((i * 2654435761) >>> 0) % 5) + (i % 3 === 0 ? big : 0n);
    // Group (0,0,0): four 9s and four 4s → 4 (tie, smaller). Group (0,0,1): three of big, three of 7, two others → 7.
    const set = (z: number, y: number, x: number, v: bigint): void => {
      labels[(z * shape[1] + y) * shape[2] + x] = v;
    };
    [9n, 4n, 9n, 4n, 9n, 4n, 9n, 4n].forEach((v, k) => set(k >> 2, (k >> 1) & 1, k & 1, v));
    [big, 7n, big, 7n, big, 7n, 1n, 2n].forEach((v, k) => set(k >> 2, (k >> 1) & 1, 2 + (k & 1), v));
    const vol = await repo.createVolume("seg", "uint64", { labels: true, blockSizeZyx: [8, 8, 8] });
    await vol.write([0, 0, 0], ndarray(labels, shape));
    await vol.buildPyramid({ levels: 1 });
    const got = await repo.volume("seg_1").read([[0, 8], [0, 8], [0, 16]]);
    const data = got.data as BigUint64Array;
    expect(data[0]).toBe(4n);
    expect(data[1]).toBe(7n);
    expect(Array.from(data)).toEqual(modeRef(labels, shape));
    expect((await repo.volume("seg_1").info()).typeName).toBe("labelblk");
  });

  it("updates only the blocks covering regionZyx", async () => {
    const shape: [number, number, number] = [32, 32, 64];
    const vol = await repo.createVolume("region", "uint8", { blockSizeZyx: [8, 8, 8] });
    await vol.write([0, 0, 0], ndarray(grayscale(shape, 2), shape));
    await vol.buildPyramid({ levels: 2 });
    const before1 = await repo.volume("region_1").read([[0, 16], [0, 16], [0, 32]]);
    // Two changes; only the first is named as the region.
    await vol.write([0, 0, 0], ndarray(new Uint8Array(16 * 16 * 16).fill(200), [16, 16, 16]));
    await vol.write([16, 16, 48], ndarray(new Uint8Array(16 * 16 * 16).fill(100), [16, 16, 16]));
    const region: BoxZyx = [[0, 16], [0, 16], [0, 16]];
    const levels = await vol.buildPyramid({ levels: 2, regionZyx: region });
    expect(levels.map((l) => l.boxZyx)).toEqual([
      [[0, 8], [0, 8], [0, 8]],
      [[0, 8], [0, 8], [0, 8]],
    ]);
    const after1 = await repo.volume("region_1").read([[0, 16], [0, 16], [0, 32]]);
    const a = after1.data as Uint8Array;
    const b = before1.data as Uint8Array;
    expect(a[0]).toBe(200); // inside the region: recomputed
    const far = (15 * 16 + 15) * 32 + 31; // under the second change, outside the region: as before
    expect(a[far]).toBe(b[far]);
    expect(a[far]).not.toBe(100);
    expect((await repo.volume("region_2").read([[0, 1], [0, 1], [0, 1]])).data[0]).toBe(200);
  });

  it("refuses bad levels and unknown options with what it expected", async () => {
    const vol = repo.volume("gray");
    await expect(vol.buildPyramid({ levels: 0 })).rejects.toThrow(/levels must be an integer from 1 to 16; got 0/);
    await expect(vol.buildPyramid({ levels: 1, level: 2 } as never)).rejects.toThrow(/unknown option level/);
  });
});

describe("pyramid extents", () => {
  it("gives each level the extents its data covers, not the block-aligned box written", async () => {
    const vol = await repo.createVolume("edges", "uint8", { blockSizeZyx: [16, 16, 16] });
    await vol.write([0, 0, 0], ndarray(new Uint8Array(16 * 16 * 48).fill(9), [16, 16, 48]));
    await vol.buildPyramid({ levels: 2 });
    expect((await repo.volume("edges_1").info()).extentsZyx).toEqual([[0, 8], [0, 8], [0, 24]]);
    expect((await repo.volume("edges_2").info()).extentsZyx).toEqual([[0, 4], [0, 4], [0, 12]]);
  });
});
