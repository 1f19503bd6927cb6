import { describe, expect, it } from "@jest/globals";
import {
  CLUSTER_KEYS,
  parseConfigValues,
  parseIpv4Cidr,
  resolveClusterSettings,
  type ClusterInput,
  type InfraErrorCode,
} from "../../infra/index.js";
import { InfraError } from "../../infra/errors.js";

const BASE: ClusterInput = { name: "demo", project: "my-project", sourceRanges: ["203.0.113.7/32"] };

function failure(input: ClusterInput): InfraError {
  try {
    resolveClusterSettings(input);
  } catch (err) {
    if (err instanceof InfraError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

/** [what, input change, code, key, exact message] */
const CASES: [string, ClusterInput, InfraErrorCode, string, string][] = [
  ["an unknown key", { nodez: 3 } as ClusterInput, "UNKNOWN_CONFIG_KEY", "nodez", `unknown key "nodez"; expected one of: ${CLUSTER_KEYS.join(", ")}`],
  ["a missing name", { name: undefined }, "MISSING_CONFIG", "name", "name is required (the cluster name); got nothing"],
  ["an upper-case name", { name: "Demo" }, "INVALID_CONFIG", "name", 'name must be 1 to 20 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen; got "Demo"'],
  ["a name ending in a hyphen", { name: "demo-" }, "INVALID_CONFIG", "name", 'name must be 1 to 20 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen; got "demo-"'],
  ["a 21-character name", { name: "a".repeat(21) }, "INVALID_CONFIG", "name", `name must be 1 to 20 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen; got "${"a".repeat(21)}"`],
  ["a name Cloud Storage refuses", { name: "goog-lab" }, "INVALID_CONFIG", "name", 'name must not start with "goog" or contain "google" (Cloud Storage bucket naming rule); got "goog-lab"'],
  ["a missing project", { project: undefined }, "MISSING_CONFIG", "project", "project is required (the Google Cloud project id); got nothing"],
  ["a malformed project id", { project: "My_Project" }, "INVALID_CONFIG", "project", 'project must be a Google Cloud project id (6 to 30 lowercase letters, digits or hyphens, starting with a letter); got "My_Project"'],
  ["a short project id", { project: "abc" }, "INVALID_CONFIG", "project", 'project must be a Google Cloud project id (6 to 30 lowercase letters, digits or hyphens, starting with a letter); got "abc"'],
  ["a malformed region", { region: "us central" }, "INVALID_CONFIG", "region", 'region must be a Google Cloud region such as us-central1 or europe-west4; got "us central"'],
  ["a malformed zone", { zone: "us-central1" }, "INVALID_CONFIG", "zone", 'zone must be a Google Cloud zone such as us-central1-b; got "us-central1"'],
  ["a zone outside the region", { zone: "europe-west4-a" }, "INVALID_CONFIG", "zone", 'zone must be a zone of region us-central1 (us-central1-a, us-central1-b, …); got "europe-west4-a"'],
  ["too many nodes", { nodes: 40 }, "INVALID_CONFIG", "nodes", "nodes must be between 1 and 16; got 40"],
  ["zero nodes", { nodes: 0 }, "INVALID_CONFIG", "nodes", "nodes must be between 1 and 16; got 0"],
  ["a fractional node count", { nodes: 2.5 }, "INVALID_CONFIG", "nodes", "nodes must be an integer; got 2.5"],
  ["a node count given as text", { nodes: "3" }, "INVALID_CONFIG", "nodes", 'nodes must be an integer; got "3"'],
  ["a malformed machine type", { machineType: "big" }, "INVALID_CONFIG", "machineType", 'machineType must be a Compute Engine machine type such as e2-standard-4; got "big"'],
  ["a disk below the COS minimum", { diskSizeGb: 5 }, "INVALID_CONFIG", "diskSizeGb", "diskSizeGb must be between 10 and 1000; got 5"],
  ["an image with shell metacharacters", { image: "dvid:1;rm -rf /" }, "INVALID_CONFIG", "image", 'image must be a container image reference such as gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12; got "dvid:1;rm -rf /"'],
  ["an image with an upper-case path", { image: "gcr.io/Flyem/dvid" }, "INVALID_CONFIG", "image", 'image must be a container image reference such as gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12; got "gcr.io/Flyem/dvid"'],
  ["a privileged port", { port: 80 }, "INVALID_CONFIG", "port", "port must be between 1024 and 65535; got 80"],
  ["a port above 65535", { port: 70000 }, "INVALID_CONFIG", "port", "port must be between 1024 and 65535; got 70000"],
  ["DVID's debug port", { port: 6060 }, "INVALID_CONFIG", "port", "port must not be 6060 or 8001 (DVID's debug listener and RPC port); got 6060"],
  ["DVID's RPC port", { port: 8001 }, "INVALID_CONFIG", "port", "port must not be 6060 or 8001 (DVID's debug listener and RPC port); got 8001"],
  ["no source ranges", { sourceRanges: [] }, "MISSING_CONFIG", "sourceRanges", "sourceRanges must list at least one IPv4 CIDR range allowed to reach DVID (e.g. 203.0.113.7/32); got none"],
  ["missing source ranges", { sourceRanges: undefined }, "MISSING_CONFIG", "sourceRanges", "sourceRanges must list at least one IPv4 CIDR range allowed to reach DVID (e.g. 203.0.113.7/32); got none"],
  ["source ranges that are not a list", { sourceRanges: "10.0.0.0/8" }, "INVALID_CONFIG", "sourceRanges", 'sourceRanges must be a list of IPv4 CIDR ranges; got "10.0.0.0/8"'],
  ["a bare address", { sourceRanges: ["10.0.0.0/8", "203.0.113.7"] }, "INVALID_CONFIG", "sourceRanges[1]", 'sourceRanges[1] must be a CIDR range; write a single address as 203.0.113.7/32; got "203.0.113.7"'],
  ["a malformed range", { sourceRanges: ["300.1.2.0/24"] }, "INVALID_CONFIG", "sourceRanges[0]", 'sourceRanges[0] must be an IPv4 CIDR range such as 203.0.113.0/24; got "300.1.2.0/24"'],
  ["an IPv6 range", { sourceRanges: ["2001:db8::/32"] }, "INVALID_CONFIG", "sourceRanges[0]", 'sourceRanges[0] must be an IPv4 CIDR range such as 203.0.113.0/24; got "2001:db8::/32"'],
  ["a range with host bits set", { sourceRanges: ["10.0.0.1/8"] }, "INVALID_CONFIG", "sourceRanges[0]", 'sourceRanges[0] must have its host bits zero (the firewall API rejects or rewrites it); got "10.0.0.1/8"'],
  ["a malformed network", { network: "My Net" }, "INVALID_CONFIG", "network", 'network must be a VPC network name (lowercase letters, digits, hyphens; up to 63); got "My Net"'],
  ["a malformed bucket location", { bucketLocation: "us central" }, "INVALID_CONFIG", "bucketLocation", 'bucketLocation must be a Cloud Storage location such as US-CENTRAL1, US or EU; got "us central"'],
  ["deleteData given as a word", { deleteData: "yes" }, "INVALID_CONFIG", "deleteData", 'deleteData must be true or false; got "yes"'],
  ["the old forceDestroy key", { forceDestroy: true } as ClusterInput, "UNKNOWN_CONFIG_KEY", "forceDestroy", `unknown key "forceDestroy" (renamed deleteData); expected one of: ${CLUSTER_KEYS.join(", ")}`],
  ["a subnetwork name with upper case", { subnetwork: "Lab_Net" }, "INVALID_CONFIG", "subnetwork", 'subnetwork must be a subnetwork name (lowercase letters, digits, hyphens; up to 63) or projects/<project>/regions/<region>/subnetworks/<name>; got "Lab_Net"'],
  ["a subnetwork of another region", { subnetwork: "projects/host-project/regions/europe-west4/subnetworks/lab" }, "INVALID_CONFIG", "subnetwork", 'subnetwork must be a subnetwork of region us-central1, where the VMs run; got "projects/host-project/regions/europe-west4/subnetworks/lab"'],
  ["a bucket given as a gs:// URL", { bucket: "gs://lab-data/" }, "INVALID_CONFIG", "bucket", 'bucket must be a bucket name without gs:// (write "lab-data"); got "gs://lab-data/"'],
  ["a bucket name with upper case", { bucket: "Lab-Data" }, "INVALID_CONFIG", "bucket", 'bucket must be a Cloud Storage bucket name: 3 to 63 lowercase letters, digits, hyphens, underscores or dots, starting and ending with a letter or digit; got "Lab-Data"'],
  ["a two-letter bucket name", { bucket: "ab" }, "INVALID_CONFIG", "bucket", 'bucket must be a Cloud Storage bucket name: 3 to 63 lowercase letters, digits, hyphens, underscores or dots, starting and ending with a letter or digit; got "ab"'],
  ["a 64-character bucket name", { bucket: "a".repeat(64) }, "INVALID_CONFIG", "bucket", `bucket must be a Cloud Storage bucket name: 3 to 63 lowercase letters, digits, hyphens, underscores or dots, starting and ending with a letter or digit; got "${"a".repeat(64)}"`],
  ["a bucket named like an IP address", { bucket: "192.168.5.4" }, "INVALID_CONFIG", "bucket", 'bucket must not be an IP address (Cloud Storage bucket naming rule); got "192.168.5.4"'],
  ["a bucket name Cloud Storage refuses", { bucket: "my-google-data" }, "INVALID_CONFIG", "bucket", 'bucket must not start with "goog" or contain "google" (Cloud Storage bucket naming rule); got "my-google-data"'],
  ["deleteData with an attached bucket", { bucket: "lab-data", deleteData: true }, "INVALID_CONFIG", "deleteData", 'deleteData cannot delete attached bucket "lab-data" (an attached bucket is always kept); unset bucket to delete a bucket this stack created, or remove it yourself with: gcloud storage rm --recursive gs://lab-data; got true'],
];

describe("cluster settings validation", () => {
  it.each(CASES)("rejects %s with an error naming the key, the rule and the value", (_what, change, code, key, message) => {
    const err = failure({ ...BASE, ...change });
    expect(err.code).toBe(code);
    expect(err.key).toBe(key);
    expect(err.message).toBe(message);
  });

  it("applies the documented defaults and derives zone and bucket location from the region", () => {
    expect(resolveClusterSettings({ ...BASE, region: "europe-west4" })).toEqual({
      name: "demo",
      project: "my-project",
      region: "europe-west4",
      zone: "europe-west4-b",
      nodes: 3,
      machineType: "e2-standard-4",
      diskSizeGb: 20,
      image: "gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12",
      port: 8000,
      sourceRanges: ["203.0.113.7/32"],
      network: "default",
      subnetwork: "",
      bucket: "",
      bucketLocation: "EUROPE-WEST4",
      deleteData: false,
    });
  });

  it("accepts the edges of every range and an explicit 0.0.0.0/0", () => {
    for (const nodes of [1, 16]) expect(resolveClusterSettings({ ...BASE, nodes }).nodes).toBe(nodes);
    for (const port of [1024, 65535]) expect(resolveClusterSettings({ ...BASE, port }).port).toBe(port);
    expect(resolveClusterSettings({ ...BASE, sourceRanges: ["0.0.0.0/0"] }).sourceRanges).toEqual(["0.0.0.0/0"]);
    expect(resolveClusterSettings({ ...BASE, name: "a" }).name).toBe("a");
    expect(resolveClusterSettings({ ...BASE, project: "example.com:my-project" }).project).toBe("example.com:my-project");
  });

  it("accepts image references with registry ports, nested paths and digests", () => {
    for (const image of [
      "dvid",
      "localhost:5000/dvid:dev",
      "us-central1-docker.pkg.dev/lab/images/dvid:1.0.0",
      `gcr.io/flyem-public/dvid/dvid@sha256:${"a".repeat(64)}`,
    ]) {
      expect(resolveClusterSettings({ ...BASE, image }).image).toBe(image);
    }
  });

  it("accepts subnetworks by name or by path, and bucket names with dots, underscores and up to 63 characters", () => {
    expect(resolveClusterSettings({ ...BASE, subnetwork: "lab-us-central1" }).subnetwork).toBe("lab-us-central1");
    const shared = "projects/host-project/regions/us-central1/subnetworks/lab";
    expect(resolveClusterSettings({ ...BASE, subnetwork: shared }).subnetwork).toBe(shared);
    for (const bucket of ["lab-dvid-1a2b3c4d", "lab_data", "data.example.org", "a".repeat(63), "abc"]) {
      expect(resolveClusterSettings({ ...BASE, bucket }).bucket).toBe(bucket);
    }
  });

  it("drops duplicate source ranges, keeping their order", () => {
    expect(resolveClusterSettings({ ...BASE, sourceRanges: ["10.0.0.0/8", " 192.0.2.0/24", "10.0.0.0/8"] }).sourceRanges).toEqual([
      "10.0.0.0/8",
      "192.0.2.0/24",
    ]);
  });

  it("parses canonical IPv4 CIDRs only", () => {
    expect(parseIpv4Cidr("10.1.2.0/24")).toEqual({ address: 0x0a010200, prefix: 24 });
    for (const bad of ["10.1.2.0", "10.1.2.0/33", "010.1.2.0/24", "10.1.2/24", "a.b.c.d/8"]) expect(parseIpv4Cidr(bad)).toBeUndefined();
  });
});

describe("config value parsing", () => {
  it("turns config strings into typed values", () => {
    expect(parseConfigValues({ nodes: "5", port: "9000", deleteData: "TRUE", sourceRanges: "10.0.0.0/8, 192.0.2.0/24", zone: " us-central1-c " })).toEqual({
      nodes: 5,
      port: 9000,
      deleteData: true,
      sourceRanges: ["10.0.0.0/8", "192.0.2.0/24"],
      zone: "us-central1-c",
    });
  });

  it("reads a list set with `pulumi config set --path` (stored as JSON)", () => {
    expect(parseConfigValues({ sourceRanges: '["10.0.0.0/8","192.0.2.0/24"]' }).sourceRanges).toEqual(["10.0.0.0/8", "192.0.2.0/24"]);
  });

  it("reads an existing stack's forceDestroy as deleteData, unless deleteData is set", () => {
    expect(parseConfigValues({ forceDestroy: "true" })).toEqual({ deleteData: true });
    expect(parseConfigValues({ forceDestroy: "true", deleteData: "false" })).toEqual({ deleteData: false });
    expect(parseConfigValues({ forceDestroy: "false" })).toEqual({ deleteData: false });
    expect(() => parseConfigValues({ forceDestroy: "yes" })).toThrow('forceDestroy must be true or false; got "yes"');
  });

  it("treats empty strings (Pulumi.yaml's computed defaults) as unset", () => {
    expect(parseConfigValues({ name: "", zone: "", bucketLocation: "", bucket: "", subnetwork: "" })).toEqual({});
  });

  it("rejects unknown keys, non-integers, non-booleans and a JSON value that is not a list", () => {
    const cases: [Record<string, string>, string][] = [
      [{ node: "3" }, `unknown config key "node"; expected one of: ${CLUSTER_KEYS.join(", ")}`],
      [{ nodes: "three" }, 'nodes must be an integer; got "three"'],
      [{ port: "80.5" }, 'port must be an integer; got "80.5"'],
      [{ deleteData: "yes" }, 'deleteData must be true or false; got "yes"'],
      [{ sourceRanges: "[10.0.0.0/8" }, 'sourceRanges must be a JSON list or a comma-separated list; got "[10.0.0.0/8"'],
    ];
    for (const [raw, message] of cases) expect(() => parseConfigValues(raw)).toThrow(message);
  });
});
