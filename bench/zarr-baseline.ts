// The baseline a user would otherwise pick: zarrita.js over @zarrita/storage's filesystem store,
// 64^3 chunks, uncompressed, doing the same operations on the same data.
import * as zarr from "zarrita";
import FileSystemStore from "@zarrita/storage/fs";
import { rm } from "node:fs/promises";
import type { BoxZyx, Dtype, VoxelArray, Zyx } from "../volume-client/index.js";

type ZarrArray = zarr.Array<zarr.DataType, FileSystemStore>;

export interface ZarrVolume {
  array: ZarrArray;
  dir: string;
}

const slices = (box: BoxZyx) => box.map(([a, b]) => zarr.slice(a, b));
const strides = (shape: Zyx) => [shape[1] * shape[2], shape[2], 1];

export async function createZarrVolume(dir: string, dtype: Dtype, shape: Zyx, chunk: Zyx): Promise<ZarrVolume> {
  await rm(dir, { recursive: true, force: true });
  const store = new FileSystemStore(dir);
  const array = (await zarr.create(zarr.root(store), {
    shape: [...shape],
    chunkShape: [...chunk],
    dtype,
  })) as ZarrArray;
  return { array, dir };
}

/** Writes `data` (C order, shape of `box`) into the region `box`. */
export async function zarrWrite(vol: ZarrVolume, box: BoxZyx, data: VoxelArray): Promise<void> {
  const shape: Zyx = [box[0][1] - box[0][0], box[1][1] - box[1][0], box[2][1] - box[2][0]];
  await zarr.set(vol.array, slices(box), { data, shape: [...shape], stride: strides(shape) } as zarr.Chunk<zarr.DataType>);
}

/** Reads the region `box` as a C-order typed array. */
export async function zarrRead(vol: ZarrVolume, box: BoxZyx): Promise<VoxelArray> {
  const chunk = await zarr.get(vol.array, slices(box));
  return (chunk as zarr.Chunk<zarr.DataType>).data as VoxelArray;
}
