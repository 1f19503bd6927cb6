// The 10-second form of `npm run soak`: client processes write and read a 3-node cluster while
// nodes are SIGKILLed, restarted and paused, then every acknowledged write is read back through
// every node. The command must exit 0 and report zero lost or wrong voxels, log entries and keys,
// and equal metadata on every node.
import { describe, expect, it } from "@jest/globals";
import { fileURLToPath } from "node:url";
import { spawnProcess } from "../helpers/child-process.js";
import { tsxNodeArgs } from "../../local-dvid/cluster-tsx.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = fileURLToPath(new URL("../../soak/run.ts", import.meta.url));

/** The number after `label: ` on a line of its own (the totals), or undefined. */
function total(out: string, label: string): number | undefined {
  const m = new RegExp(`^${label}: (\\d+)$`, "m").exec(out);
  return m ? Number(m[1]) : undefined;
}

describe("npm run soak", () => {
  it("loses no acknowledged voxel, log entry or key while nodes are killed and paused, and exits 0", async () => {
    const soak = spawnProcess(process.execPath, tsxNodeArgs(SCRIPT, ["--seconds", "10"]), { cwd: ROOT, name: "soak" });
    const { code } = await soak.exited;
    const out = soak.stdout();
    if (code !== 0) process.stderr.write(`${out}\n${soak.stderr()}`);
    expect(out).toContain("soak: OK");
    expect(code).toBe(0);
    expect(total(out, "operations")).toBeGreaterThan(0);
    expect(total(out, "faults injected")).toBeGreaterThan(0);
    expect(total(out, "client errors")).toEqual(expect.any(Number));
    for (const label of ["lost voxels", "wrong voxels", "lost log entries", "wrong log entries", "metadata mismatches", "unreadable at verification"]) {
      expect([label, total(out, label)]).toEqual([label, 0]);
    }
  }, 300_000);

  it("refuses an unknown argument with exit 2, naming it and the flags it takes", async () => {
    const soak = spawnProcess(process.execPath, tsxNodeArgs(SCRIPT, ["--minutes", "3"]), { cwd: ROOT, name: "soak" });
    expect((await soak.exited).code).toBe(2);
    expect(soak.stderr()).toContain('unknown argument "--minutes"; expected --seconds N, --seed S, --keep');
  }, 60_000);
});
