// The gcp target: the Pulumi Automation API wrapper of automation/gcp, adapted to the target
// driver interface so `up()`, `down()`, `status()` and `list()` read the same for both targets.
import { isDvidcloudError } from "./errors.js";
import { gcpDown, gcpList, gcpStatus, gcpUp, type GcpCommonOptions, type GcpProgressEvent, type GcpUpOptions } from "./gcp/index.js";
import { COMMON_KEYS } from "./gcp/options.js";
import type { TargetCluster } from "./local-target.js";
import type { ProgressEvent } from "./progress.js";
import type { DriverCallOptions, TargetDriver } from "./target-driver.js";

/** Pulumi's engine events already have the shapes of our progress events, but for the summary. */
function forward(onProgress: (event: ProgressEvent) => void): (event: GcpProgressEvent) => void {
  return (event) => {
    if (event.kind === "summary") {
      const changes = Object.entries(event.resourceChanges).map(([op, n]) => `${op} ${n}`).join(", ");
      onProgress({ kind: "log", severity: "info", message: `Pulumi: ${changes || "no changes"} in ${event.durationSeconds.toFixed(0)} s` });
    } else if (event.kind === "resource") {
      onProgress({ ...event, total: undefined });
    } else onProgress(event);
  };
}

/** Only the options every gcp operation takes (backend, secrets provider, env); cluster settings are for `up`. */
function commonOptions(options: DriverCallOptions): GcpCommonOptions {
  const gcp = options.gcp ?? {};
  const picked = Object.fromEntries(Object.entries(gcp).filter(([k]) => (COMMON_KEYS as readonly string[]).includes(k)));
  return { ...picked, onProgress: forward(options.onProgress), ...(options.signal ? { signal: options.signal } : {}) };
}

export const gcpDriver: TargetDriver = {
  async up(opts) {
    const result = await gcpUp({
      ...(opts.gcp as Partial<GcpUpOptions>),
      name: opts.name,
      nodes: opts.nodes,
      onProgress: forward(opts.onProgress),
      ...(opts.signal ? { signal: opts.signal } : {}),
    } as GcpUpOptions);
    const call: DriverCallOptions = { gcp: opts.gcp, onProgress: opts.onProgress };
    return {
      name: result.name,
      target: "gcp",
      endpoints: result.endpoints,
      details: { bucket: result.bucket, outputs: result.outputs, summary: result.summary },
      stop: async () => {
        await gcpDown(opts.name, commonOptions(call));
      },
    };
  },

  async down(name, options) {
    try {
      await gcpDown(name, commonOptions(options));
      return true;
    } catch (err) {
      if (isDvidcloudError(err, "STACK_NOT_FOUND")) return false;
      throw err;
    }
  },

  async find(name, options): Promise<TargetCluster | undefined> {
    try {
      const s = await gcpStatus(name, commonOptions(options));
      if (!s.endpoints) return undefined;
      return { name: s.name, target: "gcp", endpoints: s.endpoints, createdAt: s.lastUpdate?.endTime, details: { bucket: s.bucket, outputs: s.outputs, lastUpdate: s.lastUpdate } };
    } catch (err) {
      if (isDvidcloudError(err, "STACK_NOT_FOUND")) return undefined;
      throw err;
    }
  },

  async list(options) {
    const entries = await gcpList(commonOptions(options));
    const found = await Promise.all(entries.map((e) => gcpDriver.find(e.name, options)));
    return found.filter((c): c is TargetCluster => c !== undefined);
  },
};
