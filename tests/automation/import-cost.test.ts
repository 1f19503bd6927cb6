// `npm run bench` reports what importing dvidcloud/automation costs a local user against
// volume-client plus local-dvid, with the 1.2x target said met or missed. Here the section runs
// with one repetition: the figures are the machine's, only the report's shape is checked.
import { describe, expect, it, jest } from "@jest/globals";
import { benchImportCost } from "../../bench/import-cost.js";

describe("the bench's import-cost section", () => {
  it("measures both sets in fresh processes and prints time, RSS and the target as met or missed", async () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    try {
      const cost = await benchImportCost(1);
      for (const set of [cost.automation, cost.local]) {
        expect(set.samples).toHaveLength(1);
        expect(set.importMs).toBeGreaterThan(0);
        expect(set.rssBytes).toBeGreaterThan(10 * 2 ** 20);
      }
      expect(cost.timeRatio).toBeCloseTo(cost.automation.importMs / cost.local.importMs);
      expect(lines.join("\n")).toMatch(/dvidcloud\/automation, used locally +import +\d+ ms .* RSS +\d+ MiB/);
      expect(lines.join("\n")).toMatch(/(met|MISSED) +import time of automation vs volume-client \+ local-dvid: \d+\.\d\dx \(goal <= 1\.2x\)/);
      expect(lines.join("\n")).toMatch(/(met|MISSED) +import RSS of automation vs volume-client \+ local-dvid: \d+\.\d\dx \(goal <= 1\.2x\)/);
    } finally {
      log.mockRestore();
    }
  }, 120_000);
});
