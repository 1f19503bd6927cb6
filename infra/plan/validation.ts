/**
 * One rule per GCP or DVID constraint, each throwing an InfraError that names the key, the rule
 * and the value: `nodes must be between 1 and 16; got 40`. Pure; no Pulumi imports.
 */
import { InfraError } from "../errors.js";

/** Renders a value for an error message: strings quoted, nothing as "nothing". */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export function invalid(key: string, rule: string, value: unknown): InfraError {
  return new InfraError("INVALID_CONFIG", `${key} ${rule}; got ${describeValue(value)}`, { key, value });
}

export function requireString(key: string, value: unknown): string {
  if (typeof value !== "string") throw invalid(key, "must be a string", value);
  return value;
}

export function requireInteger(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) throw invalid(key, "must be an integer", value);
  if (value < min || value > max) throw invalid(key, `must be between ${min} and ${max}`, value);
  return value;
}

export function requireBoolean(key: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw invalid(key, "must be true or false", value);
  return value;
}

export function requireMatch(key: string, value: unknown, pattern: RegExp, rule: string): string {
  const text = requireString(key, value);
  if (!pattern.test(text)) throw invalid(key, rule, value);
  return text;
}

// Cluster names prefix every GCE resource and the service-account ids (6-30 characters,
// `[a-z][-a-z0-9]*[a-z0-9]`): `${name}-dvid` must fit in 30, hence 20 leaves room to spare.
const CLUSTER_NAME = /^[a-z](?:[-a-z0-9]{0,18}[a-z0-9])?$/;

export function validateClusterName(key: string, value: unknown): string {
  const name = requireMatch(
    key,
    value,
    CLUSTER_NAME,
    "must be 1 to 20 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen",
  );
  // Cloud Storage refuses bucket names that start with "goog" or contain "google"; the bucket is
  // named after the cluster.
  if (name.startsWith("goog") || name.includes("google")) {
    throw invalid(key, 'must not start with "goog" or contain "google" (Cloud Storage bucket naming rule)', value);
  }
  return name;
}

// https://cloud.google.com/resource-manager/docs/creating-managing-projects: 6-30 characters,
// lowercase letters, digits, hyphens, starting with a letter, not ending with a hyphen. Legacy
// domain-scoped ids (`example.com:my-project`) are accepted too.
const PROJECT_ID = /^(?:[a-z0-9][-a-z0-9.]*[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

export function validateProjectId(key: string, value: unknown): string {
  return requireMatch(
    key,
    value,
    PROJECT_ID,
    "must be a Google Cloud project id (6 to 30 lowercase letters, digits or hyphens, starting with a letter)",
  );
}

const REGION = /^[a-z]+-[a-z]+[0-9]+$/;

export function validateRegion(key: string, value: unknown): string {
  return requireMatch(key, value, REGION, "must be a Google Cloud region such as us-central1 or europe-west4");
}

export function validateZone(key: string, value: unknown, region: string): string {
  const zone = requireMatch(key, value, /^[a-z]+-[a-z]+[0-9]+-[a-z]$/, "must be a Google Cloud zone such as us-central1-b");
  // The nodes, their instance group and the regional bucket are meant to sit together; a zone
  // outside the region would put the VMs and the bucket on different continents.
  if (!zone.startsWith(`${region}-`)) throw invalid(key, `must be a zone of region ${region} (${region}-a, ${region}-b, …)`, value);
  return zone;
}

// e2-standard-4, n2-highmem-8, c3-standard-4-lssd, custom-4-16384, n1-standard-4 ...
const MACHINE_TYPE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/;

export function validateMachineType(key: string, value: unknown): string {
  return requireMatch(key, value, MACHINE_TYPE, "must be a Compute Engine machine type such as e2-standard-4");
}

// A GCE resource name (RFC 1035 label), used for the VPC network.
const GCE_NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

export function validateNetworkName(key: string, value: unknown): string {
  return requireMatch(key, value, GCE_NAME, "must be a VPC network name (lowercase letters, digits, hyphens; up to 63)");
}

// A subnetwork of the nodes' region: its name, or `projects/<project>/regions/<region>/subnetworks/<name>`
// (a subnet of a Shared VPC host project). Custom-mode VPCs have no subnet the VM could be put in
// by default, so `network` alone fails there.
const SUBNETWORK_PATH = /^projects\/((?:[a-z0-9][-a-z0-9.]*[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9])\/regions\/([a-z]+-[a-z]+[0-9]+)\/subnetworks\/([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;

/** "" (none: the network's subnet in the region, auto-mode VPCs only) or a subnetwork of `region`. */
export function validateSubnetwork(key: string, value: unknown, region: string): string {
  const text = requireString(key, value);
  if (text === "" || GCE_NAME.test(text)) return text;
  const path = SUBNETWORK_PATH.exec(text);
  if (!path) {
    throw invalid(
      key,
      "must be a subnetwork name (lowercase letters, digits, hyphens; up to 63) or projects/<project>/regions/<region>/subnetworks/<name>",
      value,
    );
  }
  if (path[2] !== region) throw invalid(key, `must be a subnetwork of region ${region}, where the VMs run`, value);
  return text;
}

/**
 * A Cloud Storage bucket name (https://cloud.google.com/storage/docs/buckets#naming): 3-63
 * characters of lowercase letters, digits, `-`, `_` and `.`, starting and ending with a letter or
 * digit; names with dots may be up to 222 characters, each dot-separated part at most 63; not an
 * IP address; not starting with "goog" nor containing "google".
 */
export function validateBucketName(key: string, value: unknown): string {
  const text = requireString(key, value);
  if (text === "") return text;
  if (text.startsWith("gs://")) throw invalid(key, `must be a bucket name without gs:// (write ${JSON.stringify(text.slice(5).replace(/\/+$/, ""))})`, value);
  const rule =
    "must be a Cloud Storage bucket name: 3 to 63 lowercase letters, digits, hyphens, underscores or dots, starting and ending with a letter or digit";
  if (!/^[a-z0-9][-a-z0-9_.]*[a-z0-9]$/.test(text) || text.length < 3) throw invalid(key, rule, value);
  const parts = text.split(".");
  if (text.length > (parts.length > 1 ? 222 : 63) || parts.some((part) => part.length === 0 || part.length > 63)) {
    throw invalid(key, rule, value);
  }
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(text)) throw invalid(key, "must not be an IP address (Cloud Storage bucket naming rule)", value);
  if (text.startsWith("goog") || text.includes("google")) {
    throw invalid(key, 'must not start with "goog" or contain "google" (Cloud Storage bucket naming rule)', value);
  }
  return text;
}

/**
 * Container image reference (distribution/reference grammar, simplified): optional registry host
 * with port, lowercase path components, optional tag, optional sha256 digest. Besides catching
 * typos this keeps the value safe to place in the VM start-up script and the systemd unit.
 */
const IMAGE_REF =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function validateImage(key: string, value: unknown): string {
  return requireMatch(
    key,
    value,
    IMAGE_REF,
    "must be a container image reference such as gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12",
  );
}

/**
 * The DVID HTTP port, published from the container and opened in the firewall. 6060 is taken by
 * DVID's hard-coded debug listener (`cmd/dvid/main.go`) and 8001 by its RPC address.
 */
export const RESERVED_PORTS: readonly number[] = [6060, 8001];

export function validatePort(key: string, value: unknown): number {
  const port = requireInteger(key, value, 1024, 65535);
  if (RESERVED_PORTS.includes(port)) {
    throw invalid(key, `must not be ${RESERVED_PORTS.join(" or ")} (DVID's debug listener and RPC port)`, value);
  }
  return port;
}

/** Parses a canonical IPv4 CIDR (`a.b.c.d/n`, host bits zero); returns undefined when malformed. */
export function parseIpv4Cidr(text: string): { address: number; prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o, i) => o > 255 || String(o) !== match[i + 1]) || prefix > 32) return undefined;
  const address = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  return { address, prefix };
}

export function validateSourceRanges(key: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid(key, "must be a list of IPv4 CIDR ranges", value);
  // No open-to-the-world default: someone has to say who may reach DVID (0.0.0.0/0 is accepted
  // when written out explicitly).
  if (value.length === 0) {
    throw new InfraError(
      "MISSING_CONFIG",
      `${key} must list at least one IPv4 CIDR range allowed to reach DVID (e.g. 203.0.113.7/32); got none`,
      { key, value },
    );
  }
  const ranges: string[] = [];
  value.forEach((item, i) => {
    const itemKey = `${key}[${i}]`;
    const text = requireString(itemKey, item).trim();
    if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(text)) {
      throw invalid(itemKey, `must be a CIDR range; write a single address as ${text}/32`, item);
    }
    const cidr = parseIpv4Cidr(text);
    if (!cidr) throw invalid(itemKey, "must be an IPv4 CIDR range such as 203.0.113.0/24", item);
    const hostBits = cidr.prefix === 0 ? cidr.address : cidr.address & (2 ** (32 - cidr.prefix) - 1);
    if (cidr.prefix < 32 && hostBits !== 0) {
      throw invalid(itemKey, "must have its host bits zero (the firewall API rejects or rewrites it)", item);
    }
    if (!ranges.includes(text)) ranges.push(text);
  });
  return ranges;
}

// Cloud Storage locations: a region (US-CENTRAL1), a dual-region (NAM4, EUR4) or a multi-region
// (US, EU, ASIA).
export function validateBucketLocation(key: string, value: unknown): string {
  return requireMatch(key, value, /^[A-Za-z]+(?:-[A-Za-z]+[0-9]+|[0-9]*)$/, "must be a Cloud Storage location such as US-CENTRAL1, US or EU").toUpperCase();
}
