/**
 * The validated settings of one DVID cluster on Google Cloud, their defaults, and the single
 * function that turns loose input (Pulumi config or automation options) into them. Pure.
 */
import { InfraError } from "../errors.js";
import {
  describeValue,
  requireBoolean,
  requireInteger,
  invalid,
  validateBucketLocation,
  validateBucketName,
  validateClusterName,
  validateImage,
  validateMachineType,
  validateNetworkName,
  validatePort,
  validateProjectId,
  validateRegion,
  validateSourceRanges,
  validateSubnetwork,
  validateZone,
} from "./validation.js";

export interface ClusterSettings {
  /** Cluster name; prefixes every resource name. 1-20 of [a-z0-9-]. */
  name: string;
  /** Google Cloud project id. Required. */
  project: string;
  /** Region of the bucket and the nodes. Default "us-central1". */
  region: string;
  /** Zone of the nodes, inside `region`. Default `${region}-b`. */
  zone: string;
  /** Number of DVID VMs: one writer plus `nodes - 1` read-only readers. Default 3, 1..16. */
  nodes: number;
  /** Compute Engine machine type of every node. Default "e2-standard-4". */
  machineType: string;
  /** Boot disk size of every node in GB. Default 20, 10..1000. */
  diskSizeGb: number;
  /** DVID container image (must be built with the gbucket backend). */
  image: string;
  /** DVID HTTP port on every node. Default 8000. */
  port: number;
  /** IPv4 CIDR ranges allowed to reach DVID (nodes and load balancer). Required, no default. */
  sourceRanges: string[];
  /** VPC network of the nodes (and of the firewall rules). Default "default". */
  network: string;
  /**
   * Subnetwork of the nodes, in `region`: a name or `projects/<p>/regions/<r>/subnetworks/<name>`.
   * Default "": none given, which only works in auto-mode VPCs (one subnet per region).
   */
  subnetwork: string;
  /**
   * An existing bucket to attach (by name) instead of creating one: the cluster's identities get
   * access to it, and `pulumi destroy` never deletes it. Default "": create `<name>-dvid-<8 hex>`.
   */
  bucket: string;
  /** Cloud Storage location of a created bucket. Default: the region, upper-case. */
  bucketLocation: string;
  /**
   * Let `pulumi destroy` delete the created bucket with everything DVID stored in it. Default
   * false: the bucket is kept (retainOnDelete) and can be attached again with `bucket`. Not
   * allowed together with `bucket` (an attached bucket is never deleted).
   */
  deleteData: boolean;
}

export type ClusterKey = keyof ClusterSettings;

/** Every key, in the order they are documented (Pulumi.yaml, infra/README.md). */
export const CLUSTER_KEYS: readonly ClusterKey[] = [
  "name",
  "project",
  "region",
  "zone",
  "nodes",
  "machineType",
  "diskSizeGb",
  "image",
  "port",
  "sourceRanges",
  "network",
  "subnetwork",
  "bucket",
  "bucketLocation",
  "deleteData",
];

/** Loose input: any subset of the keys with values not yet checked. */
export type ClusterInput = { [K in ClusterKey]?: unknown };

/** The DVID image of dvid-deploy.md §1: DVID 0.9.12 (a release build, so gbucket is compiled in) plus the console. */
export const DEFAULT_IMAGE = "gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12";

/** Literal defaults. `zone` and `bucketLocation` default from the region; `name` from the caller. */
export const CLUSTER_DEFAULTS = {
  region: "us-central1",
  nodes: 3,
  machineType: "e2-standard-4",
  diskSizeGb: 20,
  image: DEFAULT_IMAGE,
  port: 8000,
  network: "default",
  subnetwork: "",
  bucket: "",
  deleteData: false,
} as const satisfies Partial<ClusterSettings>;

export const MAX_NODES = 16;

/** Default zone of a region: every region has a "-b" zone (us-east1 and europe-west1 have no "-a"). */
export function defaultZone(region: string): string {
  return `${region}-b`;
}

/** Keys that were renamed: the error for the old name says the new one. */
export const RENAMED_KEYS: Readonly<Record<string, ClusterKey>> = { forceDestroy: "deleteData" };

export function rejectUnknownKeys(input: object, known: readonly string[], what = "key"): void {
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      const renamed = Object.hasOwn(RENAMED_KEYS, key) ? ` (renamed ${RENAMED_KEYS[key]})` : "";
      throw new InfraError(
        "UNKNOWN_CONFIG_KEY",
        `unknown ${what} ${describeValue(key)}${renamed}; expected one of: ${known.join(", ")}`,
        { key, value: (input as Record<string, unknown>)[key] },
      );
    }
  }
}

/**
 * Validates `input`, applies defaults and returns complete settings. Throws InfraError
 * (UNKNOWN_CONFIG_KEY, MISSING_CONFIG, INVALID_CONFIG) on the first problem, before anything is
 * created.
 */
export function resolveClusterSettings(input: ClusterInput): ClusterSettings {
  rejectUnknownKeys(input, CLUSTER_KEYS);
  const given = <K extends ClusterKey>(key: K): unknown => input[key];
  const required = <K extends ClusterKey>(key: K, hint: string): unknown => {
    const value = given(key);
    if (value === undefined || value === "") {
      throw new InfraError("MISSING_CONFIG", `${key} is required (${hint}); got nothing`, { key, value });
    }
    return value;
  };
  const or = (key: ClusterKey, fallback: unknown): unknown => given(key) ?? fallback;

  const name = validateClusterName("name", required("name", "the cluster name"));
  const project = validateProjectId("project", required("project", "the Google Cloud project id"));
  const region = validateRegion("region", or("region", CLUSTER_DEFAULTS.region));
  const zone = validateZone("zone", or("zone", defaultZone(region)), region);
  const nodes = requireInteger("nodes", or("nodes", CLUSTER_DEFAULTS.nodes), 1, MAX_NODES);
  const machineType = validateMachineType("machineType", or("machineType", CLUSTER_DEFAULTS.machineType));
  // Container-Optimized OS images need 10 GB; DVID keeps no data on the disk (it is in the bucket).
  const diskSizeGb = requireInteger("diskSizeGb", or("diskSizeGb", CLUSTER_DEFAULTS.diskSizeGb), 10, 1000);
  const image = validateImage("image", or("image", CLUSTER_DEFAULTS.image));
  const port = validatePort("port", or("port", CLUSTER_DEFAULTS.port));
  const sourceRanges = validateSourceRanges("sourceRanges", given("sourceRanges") ?? []);
  const network = validateNetworkName("network", or("network", CLUSTER_DEFAULTS.network));
  const subnetwork = validateSubnetwork("subnetwork", or("subnetwork", CLUSTER_DEFAULTS.subnetwork), region);
  const bucket = validateBucketName("bucket", or("bucket", CLUSTER_DEFAULTS.bucket));
  const bucketLocation = validateBucketLocation("bucketLocation", or("bucketLocation", region.toUpperCase()));
  const deleteData = requireBoolean("deleteData", or("deleteData", CLUSTER_DEFAULTS.deleteData));
  if (deleteData && bucket !== "") {
    // The program never owned an attached bucket, so it cannot delete it (and must not).
    throw invalid(
      "deleteData",
      `cannot delete attached bucket ${JSON.stringify(bucket)} (an attached bucket is always kept); ` +
        `unset bucket to delete a bucket this stack created, or remove it yourself with: gcloud storage rm --recursive gs://${bucket}`,
      deleteData,
    );
  }

  return {
    name,
    project,
    region,
    zone,
    nodes,
    machineType,
    diskSizeGb,
    image,
    port,
    sourceRanges,
    network,
    subnetwork,
    bucket,
    bucketLocation,
    deleteData,
  };
}
