// The main job, end to end, on a small stack: every check it makes must pass and no process may remain.
import { describe, expect, it } from "@jest/globals";
import { readdir } from "node:fs/promises";
import { isDvidcloudError, runDemo } from "../../automation/index.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";
import { isPidGone } from "../helpers/child-process.js";

describe("runDemo()", () => {
  it("writes, reads back, versions and tears down a 3-node cluster, checking every step", async () => {
    const stateDir = await createTempDir("demo");
    try {
      const lines: string[] = [];
      const s = await runDemo({ name: "demo-test", shapeZyx: [64, 128, 128], local: { stateDir }, log: (l) => lines.push(l) });
      expect(s.nodes).toBe(3);
      expect(s.checks).toHaveLength(15);
      expect(s.bytesWritten).toBe(64 * 128 * 128 * 9 + 20 * 50 * 60 * 8);
      expect(s.history.map((v) => v.uuid).sort()).toEqual([s.versions.root, s.versions.child, s.versions.branch].sort());
      const child = s.history.find((v) => v.uuid === s.versions.child)!;
      expect(child.parents).toEqual([s.versions.root]);
      expect(s.history.find((v) => v.uuid === s.versions.branch)!.branch).toBe("experiment");
      expect(s.pids.every(isPidGone)).toBe(true);
      expect(lines.some((l) => l.includes("repo created"))).toBe(true);
      // Nothing left behind: no state file, no logs, no store.
      expect(await readdir(stateDir)).toEqual([]);
    } finally {
      await removeTempDir(stateDir);
    }
  });

  it("refuses bad options before it makes the synthetic stack", async () => {
    for (const [options, message] of [
      [{ nodes: 0 }, /runDemo\(\)|up\(\): nodes must be an integer between 1 and 16; got 0/],
      [{ name: "Not_A_Name" }, /cluster name must be/],
      [{ colour: "red" }, /unknown option "colour"/],
    ] as const) {
      const lines: string[] = [];
      const err = await runDemo({ ...(options as object), shapeZyx: [64, 64, 64], log: (l: string) => lines.push(l) } as never).catch((e: unknown) => e);
      expect(isDvidcloudError(err, "INVALID_OPTION")).toBe(true);
      expect((err as Error).message).toMatch(message);
      expect(lines).toEqual([]);
    }
  });
});
