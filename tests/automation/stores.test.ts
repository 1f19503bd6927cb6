// Local stores are kept after `down` on purpose (as a bucket outlives its VMs); they can be
// listed with their size and deleted: down(name, { deleteData: true }), purge(name), and the
// CLI's `down --delete-data`, `purge` and `ls --stores`.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import ndarray from "ndarray";
import { EXIT, down, isDvidcloudError, list, listStores, purge, up } from "../../automation/index.js";
import { removeLocalStateDir, runCliCaptured } from "../helpers/local-clusters.js";
import { createTempDir } from "../helpers/temp-dir.js";

let stateDir: string;
beforeAll(async () => {
  stateDir = await createTempDir("stores");
});
afterAll(async () => {
  await removeLocalStateDir(stateDir);
});

const local = () => ({ local: { stateDir } });

/** A detached cluster with one 64^3 uint8 block written, so its store holds data. */
async function upWithData(name: string): Promise<void> {
  const cluster = await up({ name, nodes: 1, local: { stateDir, detached: true } });
  const repo = await cluster.client().createRepo({ alias: name });
  const vol = await repo.createVolume("gray", "uint8", { blockSizeZyx: [64, 64, 64] });
  await vol.write([0, 0, 0], ndarray(new Uint8Array(64 * 64 * 64).fill(7), [64, 64, 64]));
  cluster.client().close();
}

const cli = (args: string[]) => runCliCaptured(args);

describe("kept local stores, through the API", () => {
  it("lists a store with its size, running or kept; purge refuses it while it runs, then deletes it", async () => {
    await upWithData("st-a");
    const running = (await listStores(local())).find((s) => s.name === "st-a")!;
    expect(running).toMatchObject({ name: "st-a", running: true });
    expect(running.bytes).toBeGreaterThanOrEqual(64 * 64 * 64);
    const refused = await purge("st-a", local()).catch((e: unknown) => e);
    expect(isDvidcloudError(refused, "CLUSTER_RUNNING")).toBe(true);
    expect(existsSync(running.storeDir)).toBe(true);

    await down("st-a", local());
    const kept = (await listStores(local())).find((s) => s.name === "st-a")!;
    expect(kept).toMatchObject({ running: false, storeDir: running.storeDir });
    await purge("st-a", local());
    expect(existsSync(kept.storeDir)).toBe(false);
    expect(existsSync(kept.clusterDir)).toBe(false);
    expect((await listStores(local())).map((s) => s.name)).not.toContain("st-a");
    const again = await purge("st-a", local()).catch((e: unknown) => e);
    expect(isDvidcloudError(again, "CLUSTER_NOT_FOUND")).toBe(true);
  });

  it("down(name, { deleteData: true }) stops the cluster and deletes its store", async () => {
    await upWithData("st-b");
    const { storeDir } = (await listStores(local())).find((s) => s.name === "st-b")!;
    await down("st-b", { ...local(), deleteData: true });
    expect(existsSync(storeDir)).toBe(false);
    expect(await list(local())).toEqual([]);
    const err = await down("st-b", { ...local(), deleteData: true }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "CLUSTER_NOT_FOUND")).toBe(true);
  });

  it("refuses the gcp target for the store calls, which are local only", async () => {
    for (const call of [() => listStores({ target: "gcp" }), () => purge("x", { target: "gcp" })]) {
      const err = await call().catch((e: unknown) => e);
      expect(isDvidcloudError(err, "INVALID_OPTION")).toBe(true);
      expect((err as Error).message).toContain('applies only to target "local"');
    }
  });
});

describe("kept local stores, through the CLI", () => {
  it("ls --stores shows each store's size; purge and down --delete-data remove them", async () => {
    await upWithData("st-c");
    await upWithData("st-d");
    expect((await cli(["down", "st-c", "--state-dir", stateDir])).code).toBe(EXIT.ok);

    const ls = await cli(["ls", "--stores", "--state-dir", stateDir]);
    expect(ls.code).toBe(EXIT.ok);
    expect(ls.out).toMatch(/^st-c +\d+\.\d MiB +kept +\S+\/st-c\/store$/m);
    expect(ls.out).toMatch(/^st-d +\d+\.\d MiB +running +\S+\/st-d\/store$/m);
    const json = JSON.parse((await cli(["ls", "--stores", "--state-dir", stateDir, "--json"])).out) as { name: string; bytes: number }[];
    expect(json.map((s) => s.name)).toEqual(["st-c", "st-d"]);
    expect(json.every((s) => s.bytes >= 64 * 64 * 64)).toBe(true);

    const refused = await cli(["purge", "st-d", "--state-dir", stateDir]);
    expect(refused.code).toBe(EXIT.failed);
    expect(refused.err).toContain('local cluster "st-d" is running');

    const purged = await cli(["purge", "st-c", "--state-dir", stateDir]);
    expect(purged.code).toBe(EXIT.ok);
    expect(purged.out).toMatch(/^st-c: deleted its store \(\d+\.\d MiB in \S+\) and logs\n$/);
    expect((await cli(["purge", "st-c", "--state-dir", stateDir])).code).toBe(EXIT.notFound);

    const gone = await cli(["down", "st-d", "--delete-data", "--state-dir", stateDir]);
    expect(gone.code).toBe(EXIT.ok);
    expect(gone.out).toBe("st-d is down; its store and logs were deleted\n");
    expect((await cli(["ls", "--stores", "--state-dir", stateDir])).out).toBe("no local stores\n");
  });
});
