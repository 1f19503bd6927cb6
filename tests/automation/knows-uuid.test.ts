// waitForHealth({ knowsUuid }) on a real local cluster: every node must answer GET
// /api/repo/<uuid>/info with 200. Local readers read metadata on every request, so they know a
// new repo at once; refreshReaders() has nothing to do there.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { isDvidcloudError, up, type Cluster } from "../../automation/index.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

let stateDir: string;
let cluster: Cluster;
beforeAll(async () => {
  stateDir = await createTempDir("knows-uuid");
  cluster = await up({ name: "knows", nodes: 3, local: { stateDir } });
});
afterAll(async () => {
  await cluster?.down();
  await removeTempDir(stateDir);
});

describe("waitForHealth({ knowsUuid })", () => {
  it("resolves once every node answers /api/repo/<uuid>/info for a repo made through the writer", async () => {
    const uuid = await (await cluster.client().createRepo({ alias: "knows" })).uuid();
    const report = await cluster.waitForHealth({ knowsUuid: uuid });
    expect(report.healthy).toBe(true);
    expect(report.nodes.map((n) => n.url)).toEqual(cluster.endpoints.nodes);
    for (const url of cluster.endpoints.nodes) expect((await fetch(`${url}/api/repo/${uuid}/info`)).status).toBe(200);
  });

  it("times out with HEALTH_TIMEOUT naming every node that does not know an unknown UUID", async () => {
    const err = await cluster.waitForHealth({ knowsUuid: "0123456789abcdef0123456789abcdef", timeoutMs: 300 }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "HEALTH_TIMEOUT")).toBe(true);
    expect((err as Error).message).toContain("3 of 3 nodes did not answer GET /api/heartbeat and know 0123456789abcdef0123456789abcdef");
    expect((err as Error).message).toContain("does not know 0123456789abcdef0123456789abcdef yet");
  });

  it("refuses a knowsUuid that is not a UUID", async () => {
    const err = await cluster.waitForHealth({ knowsUuid: "../x" }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "INVALID_OPTION")).toBe(true);
    expect((err as Error).message).toContain("knowsUuid must be a repo or version UUID");
  });

  it("refreshReaders() has nothing to do on the local target: its readers see metadata at once", async () => {
    expect(await cluster.refreshReaders()).toEqual({ restarting: false, maxDelaySeconds: 0, details: {} });
  });
});
