// withCluster on the local target never lets a failed teardown hide fn's outcome. The teardown is
// made to fail for real: fn puts a directory where the cluster's state file was, so the launcher
// stops the nodes and then cannot remove that file.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isDvidcloudError, withCluster, type Cluster } from "../../automation/index.js";
import { isPidGone } from "../helpers/child-process.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

let stateDir: string;
beforeAll(async () => {
  stateDir = await createTempDir("teardown-local");
});
afterAll(async () => {
  await removeTempDir(stateDir);
});

async function breakStateFile(cluster: Cluster): Promise<number[]> {
  const stateFile = cluster.details.stateFile as string;
  await rm(stateFile, { force: true });
  await mkdir(stateFile);
  await writeFile(join(stateFile, "in-the-way"), "");
  return (cluster.details.nodes as { pid: number }[]).map((n) => n.pid);
}

describe("withCluster on the local target when the teardown fails", () => {
  it("rejects with an AggregateError of fn's error and the teardown's when both fail", async () => {
    let pids: number[] = [];
    const err = await withCluster({ name: "td-both", nodes: 2, local: { stateDir } }, async (cluster) => {
      pids = await breakStateFile(cluster);
      throw new Error("fn broke");
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    const [first, second] = (err as AggregateError).errors as Error[];
    expect(first!.message).toBe("fn broke");
    // The file system's own error (from Node's realm, hence no instanceof check here).
    expect(second!.message).toMatch(/\S/);
    expect((err as Error).message).toContain(second!.message);
    expect((err as Error).message).toMatch(/^withCluster\(\): fn failed: fn broke; and tearing the cluster down failed too: /);
    // The nodes themselves were stopped before the state file got in the way.
    for (const pid of pids) expect(isPidGone(pid)).toBe(true);
  }, 60_000);

  it("rejects with TEARDOWN_FAILED carrying fn's value when fn returned", async () => {
    const err = await withCluster({ name: "td-value", nodes: 1, local: { stateDir } }, async (cluster) => {
      await breakStateFile(cluster);
      return "the answer";
    }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "TEARDOWN_FAILED")).toBe(true);
    expect((err as { result?: unknown }).result).toBe("the answer");
    expect((err as Error).message).toContain('tearing cluster "td-value" down failed');
    expect((err as Error).message).toContain(((err as Error).cause as Error).message);
  }, 60_000);
});
