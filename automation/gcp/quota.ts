/**
 * What a cluster asks of the project's Compute Engine quota, against the defaults a new project
 * commonly has. Pure. Assumed defaults (they vary by account and are raised on request; read
 * yours with `gcloud compute regions describe <region>`): 24 vCPUs per region (quota `CPUS`,
 * which counts E2 and N1/N2 machines) and 8 in-use external IPv4 addresses per region (quota
 * `IN_USE_ADDRESSES`: one per VM here; the load balancer's global address counts against a global
 * quota instead). Free-trial accounts have less (12 vCPUs over all regions).
 */
import type { ClusterSettings } from "../../infra/index.js";

export const DEFAULT_REGIONAL_CPU_QUOTA = 24;
export const DEFAULT_REGIONAL_ADDRESS_QUOTA = 8;

/** Shared-core types and their vCPU count as GCE counts them against the quota. */
const SHARED_CORE: Readonly<Record<string, number>> = { "e2-micro": 2, "e2-small": 2, "e2-medium": 2, "f1-micro": 1, "g1-small": 1 };

/** vCPUs of a machine type: `e2-standard-4` → 4, `n2-custom-6-24576` → 6; undefined when unknown. */
export function vcpusOf(machineType: string): number | undefined {
  if (Object.hasOwn(SHARED_CORE, machineType)) return SHARED_CORE[machineType];
  const custom = /^[a-z0-9]+-custom-(\d+)-\d+(-ext)?$/.exec(machineType);
  if (custom) return Number(custom[1]);
  const standard = /^[a-z0-9]+-[a-z]+(?:-[a-z]+)?-(\d+)$/.exec(machineType);
  return standard ? Number(standard[1]) : undefined;
}

/** Warnings for a cluster that asks for more than a new project's default quota; [] when it fits. */
export function quotaWarnings(settings: Pick<ClusterSettings, "machineType" | "nodes" | "region">): string[] {
  const warnings: string[] = [];
  const perNode = vcpusOf(settings.machineType);
  if (perNode === undefined) {
    warnings.push(`the vCPUs of machine type ${settings.machineType} are not known here, so the CPU quota was not checked`);
  } else if (perNode * settings.nodes > DEFAULT_REGIONAL_CPU_QUOTA) {
    warnings.push(
      `${settings.nodes} × ${settings.machineType} asks for ${perNode * settings.nodes} vCPUs in ${settings.region}, more than the ` +
        `${DEFAULT_REGIONAL_CPU_QUOTA} a new project commonly has (quota CPUS); if the up fails on quota, ask for more ` +
        `(console: IAM & Admin → Quotas) or use a smaller machineType or fewer nodes`,
    );
  }
  if (settings.nodes > DEFAULT_REGIONAL_ADDRESS_QUOTA) {
    warnings.push(
      `${settings.nodes} VMs with an external IPv4 address each in ${settings.region}, more than the ` +
        `${DEFAULT_REGIONAL_ADDRESS_QUOTA} in-use addresses a new project commonly has (quota IN_USE_ADDRESSES)`,
    );
  }
  return warnings;
}
