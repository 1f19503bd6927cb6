/**
 * Live test of the gcp target against a real Google Cloud project, through the same lifecycle
 * calls as the local target. Runs only when the pulumi CLI, Google credentials
 * (GOOGLE_APPLICATION_CREDENTIALS or gcloud application-default credentials) and
 * DVIDCLOUD_GCP_PROJECT are all present; otherwise it is skipped with the reason in its title.
 *
 * DVIDCLOUD_GCP_SOURCE_RANGES (comma-separated CIDRs that include this machine) turns on every
 * check that talks to DVID: the health waits (nodes and load balancer), a repo made through the
 * writer that the readers and the load balancer serve without a restart by hand, and the data
 * found again on a kept, re-attached bucket. Without it the cluster only admits TEST-NET-3
 * (203.0.113.0/24), which nobody can reach from, and only the Pulumi side is checked.
 *
 * What it covers: a cluster whose `down` keeps its bucket; an `up` that attaches that bucket and
 * finds the repo; an update (a reader added); `down --delete-data` on a second cluster, whose
 * bucket is then gone. Cleanup deletes what a failure left (`gcloud` for the kept bucket).
 */
import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { down, up, update, type UpOptions } from "../../automation/index.js";
import { findPulumiCli } from "../../automation/gcp/index.js";
import { MAX_RESTART_DELAY_SECONDS } from "../../infra/index.js";

function googleCredentials(): string | undefined {
  const explicit = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (explicit && existsSync(explicit)) return explicit;
  const configDir = process.env.CLOUDSDK_CONFIG ?? join(homedir(), ".config", "gcloud");
  const adc = join(configDir, "application_default_credentials.json");
  return existsSync(adc) ? adc : undefined;
}

const missing: string[] = [];
if (!findPulumiCli()) missing.push("no pulumi CLI on PATH");
if (!googleCredentials()) missing.push("no Google credentials (GOOGLE_APPLICATION_CREDENTIALS or gcloud ADC)");
if (!process.env.DVIDCLOUD_GCP_PROJECT) missing.push("DVIDCLOUD_GCP_PROJECT is not set");
const live = missing.length === 0;
if (!live) console.info(`gcp live test skipped: ${missing.join("; ")}`);

const liveIt = live ? it : it.skip;
const skipped = (title: string) => (live ? title : `${title} (skipped: ${missing.join("; ")})`);
const reachable = Boolean(process.env.DVIDCLOUD_GCP_SOURCE_RANGES);
const sourceRanges = (process.env.DVIDCLOUD_GCP_SOURCE_RANGES ?? "203.0.113.0/24").split(",");

/** Deletes a bucket with gcloud, if gcloud is there; returns whether it is gone. */
function deleteBucket(bucket: string): boolean {
  const r = spawnSync("gcloud", ["storage", "rm", "--recursive", `gs://${bucket}`, `--project=${process.env.DVIDCLOUD_GCP_PROJECT}`], { encoding: "utf8" });
  if (r.status !== 0) console.error(`could not delete gs://${bucket}: ${r.stderr ?? r.error}`);
  return r.status === 0;
}

function bucketExists(bucket: string): boolean | undefined {
  const r = spawnSync("gcloud", ["storage", "buckets", "describe", `gs://${bucket}`, `--project=${process.env.DVIDCLOUD_GCP_PROJECT}`], { encoding: "utf8" });
  if (r.error) return undefined; // no gcloud: not checked
  return r.status === 0;
}

describe("gcp target (live)", () => {
  liveIt(
    skipped("keeps the bucket at down, finds the data again on a re-attached bucket, updates, refreshes readers, and deletes data on request"),
    async () => {
      const home = await mkdtemp(join(tmpdir(), "dvidcloud-gcp-live-"));
      const env = { ...process.env, DVIDCLOUD_HOME: home, PULUMI_BACKEND_URL: "", PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "dvidcloud-live-test" };
      const suffix = Math.random().toString(36).slice(2, 7);
      const name = `dvc-live-${suffix}`;
      const other = `dvc-del-${suffix}`;
      const base = (cluster: string, nodes: number, extra: Record<string, unknown> = {}): UpOptions => ({
        name: cluster,
        target: "gcp",
        nodes,
        waitForHealth: reachable,
        gcp: { project: process.env.DVIDCLOUD_GCP_PROJECT!, sourceRanges, machineType: "e2-medium", env, ...extra },
      });
      const gcp = { env };
      let keptBucket: string | undefined;
      const running = new Set<string>();
      try {
        // 1. A cluster on a bucket it creates; a repo made through the writer reaches the readers
        //    and the load balancer without a restart by hand.
        const first = await up(base(name, 2));
        running.add(name);
        expect(first.endpoints.writer).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:8000$/);
        expect(first.endpoints.readers).toHaveLength(1);
        const bucket = String(first.details.bucket);
        expect(bucket.startsWith(`${name}-dvid-`)).toBe(true);
        let uuid: string | undefined;
        if (reachable) {
          expect(first.endpoints.loadBalancer).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+$/);
          uuid = await (await first.client().createRepo({ alias: "live" })).uuid();
          await first.waitForHealth({ knowsUuid: uuid, timeoutMs: (MAX_RESTART_DELAY_SECONDS + 120) * 1000 });
          for (let i = 0; i < 6; i++) {
            expect((await fetch(`${first.endpoints.loadBalancer}/api/repo/${uuid}/info`)).status).toBe(200);
          }
        }

        // 2. An update: one reader more, the others untouched; nothing else given changes.
        const grown = await update({ name, target: "gcp", nodes: 3, waitForHealth: reachable, gcp });
        expect(grown.endpoints.readers).toHaveLength(2);
        expect(grown.endpoints.writer).toBe(first.endpoints.writer);
        if (reachable && uuid) await grown.waitForHealth({ knowsUuid: uuid, timeoutMs: (MAX_RESTART_DELAY_SECONDS + 300) * 1000 });

        // 3. down keeps the bucket and says which.
        const kept = await down(name, { target: "gcp", gcp });
        running.delete(name);
        keptBucket = bucket;
        expect(kept.keptData).toBe(bucket);
        expect(kept.dataDeleted).toBe(false);
        if (bucketExists(bucket) !== undefined) expect(bucketExists(bucket)).toBe(true);

        // 4. Compute back on the same data: the repo is there.
        const again = await up(base(name, 2, { bucket }));
        running.add(name);
        expect(again.details.bucket).toBe(bucket);
        if (reachable && uuid) {
          await again.waitForHealth({ knowsUuid: uuid, timeoutMs: (MAX_RESTART_DELAY_SECONDS + 120) * 1000 });
          expect((await fetch(`${again.endpoints.writer}/api/repo/${uuid}/info`)).status).toBe(200);
        }
        // An attached bucket is never deleted by the cluster.
        await expect(down(name, { target: "gcp", gcp, deleteData: true })).rejects.toThrow(/gcloud storage rm --recursive gs:\/\//);
        const attachedDown = await down(name, { target: "gcp", gcp });
        running.delete(name);
        expect(attachedDown.keptData).toBe(bucket);

        // 5. down --delete-data on a cluster that created its bucket: the bucket goes too.
        const doomed = await up(base(other, 1));
        running.add(other);
        const doomedBucket = String(doomed.details.bucket);
        const deleted = await down(other, { target: "gcp", gcp, deleteData: true });
        running.delete(other);
        expect(deleted.dataDeleted).toBe(true);
        expect(deleted.keptData).toBeUndefined();
        if (bucketExists(doomedBucket) !== undefined) expect(bucketExists(doomedBucket)).toBe(false);
      } finally {
        // Whatever failed above, leave nothing billable behind.
        for (const cluster of running) {
          // A cluster whose bucket was never handed to the later steps takes its bucket along.
          await down(cluster, { target: "gcp", gcp, deleteData: cluster === other || keptBucket === undefined }).catch((err) => console.error(`cleanup of ${cluster} failed`, err));
        }
        if (keptBucket) deleteBucket(keptBucket);
        await rm(home, { recursive: true, force: true });
      }
    },
    120 * 60_000,
  );
});
