import { describe, expect, it } from "@jest/globals";
import type { RawBox } from "../../volume-client/wire/raw-url.js";
import { boxRuns } from "../../local-dvid/voxels/volume-read.js";
import type { Region } from "../../local-dvid/voxels/voxel-grid.js";

/** Walks the runs and checks that they tile the box's answer bytes in order, each contiguous. */
function check(box: RawBox, blockZ: number, bpv: number, limit: number): Region[] {
  const runs = [...boxRuns(box, blockZ, bpv, limit)];
  let expectedOffset = 0;
  for (const c of runs) {
    const nx = c.x1 - c.x0;
    const ny = c.y1 - c.y0;
    const nz = c.z1 - c.z0;
    // Contiguous in the answer: whole rows unless one row, whole planes unless one plane.
    if (nx !== box.nx) expect(ny === 1 && nz === 1).toBe(true);
    if (ny !== box.ny) expect(nz).toBe(1);
    // Within one z block layer.
    expect(Math.floor(c.z0 / blockZ)).toBe(Math.floor((c.z1 - 1) / blockZ));
    const offset = (((c.z0 - box.z0) * box.ny + (c.y0 - box.y0)) * box.nx + (c.x0 - box.x0)) * bpv;
    expect(offset).toBe(expectedOffset);
    expectedOffset += nx * ny * nz * bpv;
    if (limit !== Number.POSITIVE_INFINITY) expect(nx * ny * nz * bpv).toBeLessThanOrEqual(Math.max(limit, bpv));
  }
  expect(expectedOffset).toBe(box.nx * box.ny * box.nz * bpv);
  return runs;
}

describe("planning a streamed answer in runs", () => {
  it("gives one run per z block layer when layers fit the limit", () => {
    const runs = check({ x0: -5, y0: 3, z0: -40, nx: 100, ny: 50, nz: 70 }, 32, 2, 1 << 20);
    expect(runs.map((c) => [c.z0, c.z1])).toEqual([
      [-40, -32],
      [-32, 0],
      [0, 30],
    ]);
  });

  it("cuts a layer larger than the limit into groups of whole planes", () => {
    const runs = check({ x0: 0, y0: 0, z0: 0, nx: 64, ny: 64, nz: 32 }, 32, 1, 64 * 64 * 5);
    expect(runs.map((c) => c.z1 - c.z0)).toEqual([5, 5, 5, 5, 5, 5, 2]);
  });

  it("cuts a plane larger than the limit into bands of rows, then rows into segments", () => {
    check({ x0: 0, y0: 0, z0: 0, nx: 100, ny: 30, nz: 3 }, 2, 4, 100 * 4 * 7);
    const segments = check({ x0: 7, y0: 0, z0: 0, nx: 1000, ny: 2, nz: 1 }, 32, 8, 8 * 300);
    expect(segments.map((c) => c.x1 - c.x0)).toEqual([300, 300, 300, 100, 300, 300, 300, 100]);
  });

  it("keeps whole layers without a limit, as full reads into one buffer do", () => {
    const runs = check({ x0: 0, y0: 0, z0: 10, nx: 4096, ny: 4096, nz: 100 }, 64, 1, Number.POSITIVE_INFINITY);
    expect(runs.map((c) => [c.z0, c.z1])).toEqual([
      [10, 64],
      [64, 110],
    ]);
  });

  it("plans a very long thin box lazily, without building a list of layers", () => {
    const gen = boxRuns({ x0: 0, y0: 0, z0: 0, nx: 1, ny: 1, nz: 3_000_000_000 }, 1, 1, 256 * 1024 * 1024);
    expect(gen.next().value).toEqual({ x0: 0, x1: 1, y0: 0, y1: 1, z0: 0, z1: 1 });
    expect(gen.next().value).toEqual({ x0: 0, x1: 1, y0: 0, y1: 1, z0: 1, z1: 2 });
  });
});
