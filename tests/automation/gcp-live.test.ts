/**
 * Live test of the gcp target against a real Google Cloud project. Runs only when the pulumi CLI,
 * Google credentials (GOOGLE_APPLICATION_CREDENTIALS or gcloud application-default credentials)
 * and DVIDCLOUD_GCP_PROJECT are all present; otherwise it is skipped with the reason in its title.
 *
 * Optional: DVIDCLOUD_GCP_SOURCE_RANGES (comma-separated CIDRs that include this machine) also
 * waits for the writer's /api/heartbeat; without it the cluster only admits TEST-NET-3
 * (203.0.113.0/24), which nobody can reach from, and the heartbeat wait is left out.
 */
import { describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { findPulumiCli, gcpDown, gcpList, gcpStatus, gcpUp } from "../../automation/gcp/index.js";

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
const title = live
  ? "deploys a 2-node cluster on Google Cloud, reports it, and destroys it"
  : `deploys a 2-node cluster on Google Cloud, reports it, and destroys it (skipped: ${missing.join("; ")})`;

async function waitForHeartbeat(url: string, budgetMs: number): Promise<void> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    try {
      const response = await fetch(`${url}/api/heartbeat`, { signal: AbortSignal.timeout(5000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/api/heartbeat did not answer within ${budgetMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
}

describe("gcp target (live)", () => {
  liveIt(
    title,
    async () => {
      const home = await mkdtemp(join(tmpdir(), "dvidcloud-gcp-live-"));
      const env = {
        ...process.env,
        DVIDCLOUD_HOME: home,
        PULUMI_BACKEND_URL: "",
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "dvidcloud-live-test",
      };
      const name = `dvc-live-${Math.random().toString(36).slice(2, 8)}`;
      const sourceRanges = (process.env.DVIDCLOUD_GCP_SOURCE_RANGES ?? "203.0.113.0/24").split(",");
      let destroyed = false;
      try {
        const result = await gcpUp({
          name,
          project: process.env.DVIDCLOUD_GCP_PROJECT!,
          sourceRanges,
          nodes: 2,
          machineType: "e2-medium",
          deleteData: true,
          env,
        });
        expect(result.endpoints.writer).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+:8000$/);
        expect(result.endpoints.readers).toHaveLength(1);
        expect(result.endpoints.loadBalancer).toMatch(/^http:\/\/\d+\.\d+\.\d+\.\d+$/);
        expect(result.bucket.startsWith(`${name}-dvid-`)).toBe(true);

        const status = await gcpStatus(name, { env });
        expect(status.endpoints).toEqual(result.endpoints);
        expect((await gcpList({ env })).map((entry) => entry.name)).toContain(name);

        if (process.env.DVIDCLOUD_GCP_SOURCE_RANGES) await waitForHeartbeat(result.endpoints.writer, 600_000);

        const down = await gcpDown(name, { env });
        destroyed = true;
        expect(down.stackRemoved).toBe(true);
        expect((await gcpList({ env })).map((entry) => entry.name)).not.toContain(name);
      } finally {
        // Whatever failed above, leave nothing billable behind.
        if (!destroyed) await gcpDown(name, { env }).catch((err) => console.error(`cleanup of ${name} failed`, err));
        await rm(home, { recursive: true, force: true });
      }
    },
    45 * 60_000,
  );
});
