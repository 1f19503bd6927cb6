import { describe, expect, it } from "@jest/globals";
import { alignBoxIn, countBlocks, planChunks, shellBoxes } from "../../volume-client/chunk-plan.js";
import { isBlockAligned } from "../../volume-client/wire/block-grid.js";
import { intersectBoxes, type BoxZyx, type Zyx } from "../../volume-client/wire/geometry.js";

function voxels(b: BoxZyx): number {
  return (b[0][1] - b[0][0]) * (b[1][1] - b[1][0]) * (b[2][1] - b[2][0]);
}

/** Every voxel of `box` is covered exactly once by the chunks. */
function expectPartition(box: BoxZyx, chunks: { box: BoxZyx }[]): void {
  expect(chunks.reduce((s, c) => s + voxels(c.box), 0)).toBe(voxels(box));
  for (let i = 0; i < chunks.length; i++)
    for (let j = i + 1; j < chunks.length; j++) {
      const a = chunks[i].box;
      const b = chunks[j].box;
      const overlap = [0, 1, 2].every((k) => Math.max(a[k][0], b[k][0]) < Math.min(a[k][1], b[k][1]));
      expect(overlap).toBe(false);
    }
}

describe("planChunks", () => {
  const block: Zyx = [32, 32, 32];

  it("returns the whole box as one chunk when it fits in chunkBytes", () => {
    const box: BoxZyx = [[0, 64], [0, 64], [0, 64]];
    const chunks = planChunks(box, block, 1, 1 << 20);
    expect(chunks).toEqual([{ box, alignedBox: box, blocks: 8 }]);
  });

  it("splits into z-slabs spanning full y and x when a block layer fits", () => {
    const box: BoxZyx = [[0, 256], [0, 128], [0, 128]];
    // one 32-deep layer is 32*128*128 = 512 KiB; 1 MiB holds two layers
    const chunks = planChunks(box, block, 1, 1 << 20);
    expect(chunks).toHaveLength(4);
    for (const c of chunks) {
      expect(c.box[1]).toEqual([0, 128]);
      expect(c.box[2]).toEqual([0, 128]);
      expect(c.box[0][1] - c.box[0][0]).toBe(64);
    }
    expectPartition(box, chunks);
  });

  it("splits along y, then x, when a single block layer exceeds chunkBytes", () => {
    const box: BoxZyx = [[0, 32], [0, 256], [0, 256]];
    const rows = planChunks(box, block, 1, 32 * 32 * 256 * 2); // two block-rows per chunk
    expect(rows).toHaveLength(4);
    for (const c of rows) expect(c.box[2]).toEqual([0, 256]);
    expectPartition(box, rows);
    const cells = planChunks(box, block, 1, 32 * 32 * 32 * 3); // three blocks per chunk
    for (const c of cells) expect(c.blocks).toBeLessThanOrEqual(3);
    expectPartition(box, cells);
  });

  it("keeps chunk boundaries on the block grid for unaligned and negative boxes", () => {
    const box: BoxZyx = [[-45, 70], [-3, 100], [5, 77]];
    const chunks = planChunks(box, [16, 16, 16], 8, 16 * 16 * 16 * 8 * 2);
    expectPartition(box, chunks);
    for (const c of chunks) {
      expect(isBlockAligned(c.alignedBox, [16, 16, 16])).toBe(true);
      for (let a = 0; a < 3; a++) {
        // an inner boundary of a chunk is a block boundary
        if (c.box[a][0] !== box[a][0]) expect(Math.abs(c.box[a][0] % 16)).toBe(0);
        if (c.box[a][1] !== box[a][1]) expect(Math.abs(c.box[a][1] % 16)).toBe(0);
      }
    }
    expect(chunks.reduce((s, c) => s + c.blocks, 0)).toBe(countBlocks(box, [16, 16, 16]));
  });

  it("sizes chunks of a thin box by its clipped size, not by whole blocks", () => {
    const box: BoxZyx = [[10, 11], [0, 1024], [0, 1024]]; // one z-plane, 1 MiB of uint8
    const chunks = planChunks(box, [64, 64, 64], 1, 1 << 20);
    expect(chunks).toHaveLength(1);
  });

  it("never makes a chunk smaller than one block, even with a tiny chunkBytes", () => {
    const box: BoxZyx = [[0, 64], [0, 64], [0, 64]];
    const chunks = planChunks(box, block, 8, 4096);
    expect(chunks).toHaveLength(8);
    for (const c of chunks) expect(c.blocks).toBe(1);
  });
});

describe("countBlocks", () => {
  it("counts the blocks a box touches with floor division for negative coordinates", () => {
    expect(countBlocks([[-1, 1], [0, 32], [0, 33]], [32, 32, 32])).toBe(2 * 1 * 2);
  });
});

describe("shellBoxes", () => {
  const cellVoxels = (b: BoxZyx) => (b[0][1] - b[0][0]) * (b[1][1] - b[1][0]) * (b[2][1] - b[2][0]);

  it("peels the blocks a box covers only in part off a cell, leaving out the whole ones", () => {
    const block: Zyx = [8, 8, 8];
    const box: BoxZyx = [[3, 40], [0, 32], [-5, 20]];
    const inner = alignBoxIn(box, block);
    expect(inner).toEqual([[8, 40], [0, 32], [0, 16]]);
    const cell: BoxZyx = [[0, 40], [0, 32], [-8, 24]];
    const shell = shellBoxes(cell, inner);
    const covered = shell.reduce((s, b) => s + cellVoxels(b), 0);
    expect(covered).toBe(cellVoxels(cell) - cellVoxels(inner!));
    for (const b of shell) expect(intersectBoxes(b, inner!)).toBeUndefined();
    for (let i = 0; i < shell.length; i++) for (let j = i + 1; j < shell.length; j++) expect(intersectBoxes(shell[i], shell[j])).toBeUndefined();
  });

  it("returns the whole cell when the box holds no whole block of it", () => {
    const cell: BoxZyx = [[0, 8], [0, 8], [0, 8]];
    expect(shellBoxes(cell, alignBoxIn([[1, 7], [0, 8], [0, 8]], [8, 8, 8]))).toEqual([cell]);
    expect(shellBoxes(cell, [[16, 24], [0, 8], [0, 8]])).toEqual([cell]);
  });

  it("returns nothing for a cell the box covers whole", () => {
    expect(shellBoxes([[0, 8], [0, 8], [0, 8]], [[0, 16], [0, 8], [0, 8]])).toEqual([]);
  });
});
