// How one voxel instance cuts space into blocks, and what block reads and writes work with.
import type { Xyz } from "../../volume-client/wire/geometry.js";
import type { InstanceMeta } from "../meta/repo-meta.js";
import type { VoxelTypeInfo } from "../types/data-types.js";
import type { BufferPool } from "./buffer-pool.js";

/** Block geometry of an instance. */
export interface VoxelLayout {
  readonly blockSizeXyz: Xyz;
  readonly bytesPerVoxel: number;
  readonly blockBytes: number;
}

export function voxelLayout(inst: InstanceMeta, type: VoxelTypeInfo): VoxelLayout {
  const b = inst.blockSizeXyz as Xyz;
  return { blockSizeXyz: b, bytesPerVoxel: type.bytesPerVoxel, blockBytes: b[0] * b[1] * b[2] * type.bytesPerVoxel };
}

/** Where an operation's blocks are (a BlockLookup to read, OwnBlocks to write), their layout, and the buffers to use. */
export interface BlockIo<Blocks> {
  readonly blocks: Blocks;
  readonly layout: VoxelLayout;
  readonly pool: BufferPool;
}
