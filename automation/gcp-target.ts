// The gcp target: the Pulumi Automation API wrapper of automation/gcp, adapted to the target
// driver interface so `up()`, `down()`, `status()` and `list()` read the same for both targets.
// Loaded by the lifecycle with a dynamic import() only when target "gcp" is used: it brings in
// @pulumi/pulumi, @pulumi/gcp and the infra program, which a local cluster never needs.
import type { StartedCluster, TargetCluster } from "./cluster-types.js";
import { isDvidcloudError } from "./errors.js";
import {
  COMMON_KEYS,
  gcpDown,
  gcpList,
  gcpRepair,
  gcpStatus,
  gcpUp,
  gcpUpdate,
  refreshGcpReaders,
  resolveGcpUpdateOptions,
  resolveGcpUpOptions,
  stackNameFor,
  type GcpCommonOptions,
  type GcpProgressEvent,
  type GcpUpdateOptions,
  type GcpUpOptions,
  type GcpUpResult,
} from "./gcp/index.js";
import type { ResolvedTargetOptions, ResolvedUpOptions } from "./options.js";
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

/** The settings of an up: every one given; in an update, `nodes` only when it was given (the default 3 would shrink a larger cluster). */
async function deploy(opts: ResolvedUpOptions): Promise<GcpUpResult> {
  const base = {
    ...(opts.gcp as Record<string, unknown>),
    name: opts.name,
    onProgress: forward(opts.onProgress),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.refresh === undefined ? {} : { refresh: opts.refresh }),
  };
  // The settings are checked before the pulumi CLI is looked for (a usage error is what the
  // user must fix first); gcpUp() on its own reports a missing CLI first.
  if (opts.update) {
    const options = { ...base, ...(opts.nodesGiven ? { nodes: opts.nodes } : {}) } as unknown as GcpUpdateOptions;
    resolveGcpUpdateOptions(options, "up()");
    return gcpUpdate(options);
  }
  const options = { ...base, nodes: opts.nodes } as unknown as GcpUpOptions;
  resolveGcpUpOptions(options, "up()");
  return gcpUp(options);
}

export const gcpDriver: TargetDriver = {
  checkName: (name, where) => stackNameFor(name, where),

  async up(opts): Promise<StartedCluster> {
    const result = await deploy(opts);
    const { loadBalancer, ...endpoints } = result.endpoints;
    const env = (opts.gcp as { env?: NodeJS.ProcessEnv }).env;
    return {
      name: result.name,
      target: "gcp",
      // The load balancer is handed out once a health wait saw it serve (Cluster.waitForHealth).
      endpoints,
      pendingLoadBalancer: loadBalancer,
      existed: result.existed,
      details: { bucket: result.bucket, outputs: result.outputs, summary: result.summary, existed: result.existed, loadBalancerUrl: loadBalancer },
      refreshReaders: async (signal) => {
        const r = await refreshGcpReaders(result.bucket, { ...(env ? { env } : {}), ...(signal ? { signal } : {}) });
        return { restarting: true, maxDelaySeconds: r.maxDelaySeconds, details: { bucket: r.bucket, object: r.object } };
      },
      stop: async () => {
        await gcpDown(opts.name, commonOptions({ gcp: opts.gcp, onProgress: opts.onProgress }));
      },
      // A new cluster that never became healthy: its bucket was made by this very call and holds
      // nothing but DVID's start-up objects, so it goes too (one leaked bucket per failed attempt
      // otherwise). Never for an attached bucket, nor a cluster that existed before the call.
      ...(result.existed
        ? {}
        : {
            discard: async () => {
              const attached = result.outputs.bucketCreated === false || result.settings.bucket !== "";
              const r = await gcpDown(opts.name, { ...commonOptions({ gcp: opts.gcp, onProgress: opts.onProgress }), deleteData: !attached });
              const bucket = r.bucket === undefined ? "" : r.bucketKept ? `; bucket ${r.bucket} kept${r.bucketAttached ? " (attached)" : ""}` : ` and bucket ${r.bucket}`;
              return `cluster ${result.name}'s resources${bucket}`;
            },
          }),
    };
  },

  async down(name, options) {
    try {
      const r = await gcpDown(name, {
        ...commonOptions(options),
        ...(options.deleteData === undefined ? {} : { deleteData: options.deleteData }),
        ...(options.refresh === undefined ? {} : { refresh: options.refresh }),
      });
      return {
        keptData: r.bucketKept ? r.bucket : undefined,
        dataDeleted: r.bucket !== undefined && !r.bucketKept,
        details: { bucket: r.bucket, bucketKept: r.bucketKept, bucketAttached: r.bucketAttached, summary: r.summary, stackRemoved: r.stackRemoved },
      };
    } catch (err) {
      if (isDvidcloudError(err, "STACK_NOT_FOUND")) return false;
      throw err;
    }
  },

  async repair(name, options) {
    const r = await gcpRepair(name, commonOptions(options));
    return { cancelled: r.cancelled, cleared: r.cleared };
  },

  async find(name, options): Promise<TargetCluster | undefined> {
    try {
      const s = await gcpStatus(name, { ...commonOptions(options), ...(options.refresh === undefined ? {} : { refresh: options.refresh }) });
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
