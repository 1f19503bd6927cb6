// runWithScratch (voxels/task-pool.ts): every index runs exactly once, never one past the end,
// also when workers yield to the event loop every 256 jobs.
import { describe, expect, it } from "@jest/globals";
import { BufferPool } from "../../local-dvid/voxels/buffer-pool.js";
import { runWithScratch } from "../../local-dvid/voxels/task-pool.js";

describe("runWithScratch", () => {
  it.each([1, 255, 256, 257, 512, 1000, 4096])("calls the job once for each of %i indexes with 16 workers, and no index past the end", async (count) => {
    const seen = new Array<number>(count).fill(0);
    const outside: number[] = [];
    await runWithScratch(new BufferPool(), count, 16, 0, async (i) => {
      if (i < 0 || i >= count) outside.push(i);
      else seen[i]++;
      if (i % 3 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    });
    expect(outside).toEqual([]);
    expect(seen.every((n) => n === 1)).toBe(true);
  });
});
