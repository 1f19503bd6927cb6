// The gcp target: the Pulumi Automation API wrapper of automation/gcp, adapted to the target
// driver interface so `up()`, `down()`, `status()` and `list()` read the same for both targets.
// Loaded by the lifecycle with a dynamic import() only when target "gcp" is used: it brings in
// @pulumi/pulumi, @pulumi/gcp and the infra program, which a local cluster never needs.
import type { TargetCluster } from "./cluster-types.js";
import { isDvidcloudError } from "./errors.js";
import {
  COMMON_KEYS,
  gcpDown,
  gcpList,
  gcpStatus,
  gcpUp,
  resolveGcpUpOptions,
  stackNameFor,
  type GcpCommonOptions,
  type GcpProgressEvent,
  type GcpUpOptions,
} from "./gcp/index.js";
import type { ResolvedTargetOptions } from "./options.js";
import type { ProgressEvent } from "./progress.js";
import type { TargetDriver } from "./target-driver.js";

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
function commonOptions(options: Pick<ResolvedTargetOptions, "gcp" | "onProgress" | "signal">): GcpCommonOptions {
  const picked = Object.fromEntries(Object.entries(options.gcp).filter(([k]) => (COMMON_KEYS as readonly string[]).includes(k)));
  return { ...picked, onProgress: forward(options.onProgress), ...(options.signal ? { signal: options.signal } : {}) };
}

export const gcpDriver: TargetDriver = {
  checkName: (name, where) => stackNameFor(name, where),

  async up(opts) {
    const options = {
      ...(opts.gcp as Partial<GcpUpOptions>),
      name: opts.name,
      nodes: opts.nodes,
      onProgress: forward(opts.onProgress),
      ...(opts.signal ? { signal: opts.signal } : {}),
    } as GcpUpOptions;
    // The settings are checked before the pulumi CLI is looked for (a usage error is what the
    // user must fix first); gcpUp() on its own reports a missing CLI first.
    resolveGcpUpOptions(options, "up()");
    const result = await gcpUp(options);
    return {
      name: result.name,
      target: "gcp",
      endpoints: result.endpoints,
      details: { bucket: result.bucket, outputs: result.outputs, summary: result.summary },
      stop: async () => {
        await gcpDown(opts.name, commonOptions({ gcp: opts.gcp, onProgress: opts.onProgress }));
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
