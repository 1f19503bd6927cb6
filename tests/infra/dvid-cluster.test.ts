import { beforeAll, describe, expect, it } from "@jest/globals";
import type * as pulumi from "@pulumi/pulumi";
import { parse as parseToml } from "smol-toml";
import { installMocks, settle, valueOf, type MockRecorder, type RecordedResource } from "./pulumi-mocks.js";

type Infra = typeof import("../../infra/index.js");
let infra: Infra;
let mocks: MockRecorder;

const RANGES = ["203.0.113.7/32", "198.51.100.0/24"];
const BASE = { project: "my-project", sourceRanges: RANGES };

beforeAll(async () => {
  mocks = await installMocks();
  // Imported after setMocks, as Pulumi's mock documentation asks.
  infra = await import("../../infra/index.js");
});

/**
 * Builds a cluster and waits for every resource to register; returns the cluster's resources and
 * the resource options each was given (seen through a transformation on the cluster, which Pulumi
 * applies to every descendant), keyed by resource name.
 */
async function build(name: string, args: Record<string, unknown> = {}) {
  const options = new Map<string, pulumi.CustomResourceOptions>();
  const record: pulumi.ResourceTransformation = ({ name: resourceName, opts }) => {
    options.set(resourceName, opts);
    return undefined;
  };
  const cluster = new infra.DvidCluster(name, { ...BASE, ...args } as never, { transformations: [record] });
  await settle(mocks);
  const resources = mocks.resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
  return { cluster, resources, options };
}

/** The start-up script of each VM, with the cluster name replaced so that two clusters can be compared. */
function scriptsOf(resources: RecordedResource[], name: string): Record<string, string> {
  const scripts: Record<string, string> = {};
  for (const vm of ofType(resources, "gcp:compute/instance:Instance")) {
    scripts[vm.inputs.name.replace(name, "NAME")] = String(vm.inputs.metadataStartupScript).replaceAll(name, "NAME");
  }
  return scripts;
}

function member(accountId: string): string {
  return `serviceAccount:${accountId}@my-project.iam.gserviceaccount.com`;
}

function countByType(resources: RecordedResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

function ofType(resources: RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((r) => r.type === type);
}

function one(resources: RecordedResource[], type: string): RecordedResource {
  const found = ofType(resources, type);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The TOML heredoc inside a rendered start-up script. */
function tomlOf(script: string): Record<string, any> {
  const match = /<<'DVIDCLOUD_TOML_END'\n([\s\S]*?)\nDVIDCLOUD_TOML_END\n/.exec(script);
  expect(match).not.toBeNull();
  return parseToml(match![1]!) as Record<string, any>;
}

const SHARED_TYPES = {
  "dvidcloud:gcp:DvidCluster": 1,
  "dvidcloud:gcp:DvidBucket": 1,
  "dvidcloud:gcp:DvidFirewall": 1,
  "dvidcloud:gcp:DvidLoadBalancer": 1,
  "random:index/randomId:RandomId": 1,
  "gcp:storage/bucket:Bucket": 1,
  "gcp:compute/firewall:Firewall": 2,
  "gcp:compute/instanceGroup:InstanceGroup": 1,
  "gcp:compute/healthCheck:HealthCheck": 1,
  "gcp:compute/securityPolicy:SecurityPolicy": 1,
  "gcp:compute/backendService:BackendService": 1,
  "gcp:compute/uRLMap:URLMap": 1,
  "gcp:compute/targetHttpProxy:TargetHttpProxy": 1,
  "gcp:compute/globalAddress:GlobalAddress": 1,
  "gcp:compute/globalForwardingRule:GlobalForwardingRule": 1,
};

/** One role's identities: DVID's account, its key and secret, the VM account reading it. */
const IDENTITY_TYPES = {
  "gcp:serviceaccount/account:Account": 2,
  "gcp:serviceaccount/key:Key": 1,
  "gcp:secretmanager/secret:Secret": 1,
  "gcp:secretmanager/secretVersion:SecretVersion": 1,
  "gcp:secretmanager/secretIamMember:SecretIamMember": 1,
};

function withNodes(count: number): Record<string, number> {
  const roles = count > 1 ? 2 : 1;
  const counts: Record<string, number> = { ...SHARED_TYPES };
  for (const [type, n] of Object.entries(IDENTITY_TYPES)) counts[type] = n * roles;
  // writer: objectAdmin + legacyBucketReader; readers: objectViewer + legacyBucketReader + the
  // conditional mutation-ID grant, and objectViewer for the reader VMs' identity.
  counts["gcp:storage/bucketIAMMember:BucketIAMMember"] = count > 1 ? 6 : 2;
  counts["gcp:compute/instance:Instance"] = count;
  counts["gcp:compute/instanceGroupMembership:InstanceGroupMembership"] = count;
  return counts;
}

describe("DvidCluster resource graph", () => {
  it("creates one writer VM and the shared resources for a one-node cluster", async () => {
    const { cluster, resources } = await build("solo", { nodes: 1 });
    expect(countByType(resources)).toEqual(withNodes(1));
    const [writer] = ofType(resources, "gcp:compute/instance:Instance");
    expect(writer!.inputs.name).toBe("solo-writer");
    expect(writer!.inputs.labels).toEqual({ "dvidcloud-cluster": "solo", "dvidcloud-role": "writer" });
    expect(await valueOf(cluster.readerUrls)).toEqual([]);
    expect(await valueOf(cluster.writerUrl)).toMatch(/^http:\/\/203\.0\.113\.\d+:8000$/);
  });

  it("creates one writer and N-1 readers for an N-node cluster, sharing everything else", async () => {
    const { cluster, resources } = await build("quad", { nodes: 4 });
    expect(countByType(resources)).toEqual(withNodes(4));
    const instances = ofType(resources, "gcp:compute/instance:Instance");
    expect(instances.map((i) => i.inputs.name)).toEqual(["quad-writer", "quad-reader-1", "quad-reader-2", "quad-reader-3"]);
    expect(instances.map((i) => i.inputs.labels["dvidcloud-role"])).toEqual(["writer", "reader", "reader", "reader"]);
    const readers = await valueOf(cluster.readerUrls);
    expect(readers).toHaveLength(3);
    expect(new Set([await valueOf(cluster.writerUrl), ...readers]).size).toBe(4);
    expect(cluster.nodes.map((n) => n.role)).toEqual(["writer", "reader", "reader", "reader"]);
  });

  it("parents every resource under the cluster or one of its sub-components, named <parent>-<role>", async () => {
    const { resources } = await build("tree", { nodes: 2 });
    const expectedParent: Record<string, string> = {
      "dvidcloud:gcp:DvidBucket": "dvidcloud:gcp:DvidCluster",
      "dvidcloud:gcp:DvidFirewall": "dvidcloud:gcp:DvidCluster",
      "dvidcloud:gcp:DvidLoadBalancer": "dvidcloud:gcp:DvidCluster",
      "gcp:compute/instance:Instance": "dvidcloud:gcp:DvidCluster",
      "random:index/randomId:RandomId": "dvidcloud:gcp:DvidBucket",
      "gcp:storage/bucket:Bucket": "dvidcloud:gcp:DvidBucket",
      "gcp:storage/bucketIAMMember:BucketIAMMember": "dvidcloud:gcp:DvidBucket",
      "gcp:serviceaccount/key:Key": "dvidcloud:gcp:DvidBucket",
      "gcp:secretmanager/secret:Secret": "dvidcloud:gcp:DvidBucket",
      "gcp:secretmanager/secretVersion:SecretVersion": "dvidcloud:gcp:DvidBucket",
      "gcp:secretmanager/secretIamMember:SecretIamMember": "dvidcloud:gcp:DvidBucket",
      "gcp:compute/firewall:Firewall": "dvidcloud:gcp:DvidFirewall",
      "gcp:compute/instanceGroup:InstanceGroup": "dvidcloud:gcp:DvidLoadBalancer",
      "gcp:compute/instanceGroupMembership:InstanceGroupMembership": "dvidcloud:gcp:DvidLoadBalancer",
      "gcp:compute/healthCheck:HealthCheck": "dvidcloud:gcp:DvidLoadBalancer",
      "gcp:compute/securityPolicy:SecurityPolicy": "dvidcloud:gcp:DvidLoadBalancer",
      "gcp:compute/backendService:BackendService": "dvidcloud:gcp:DvidLoadBalancer",
      "gcp:compute/uRLMap:URLMap": "dvidcloud:gcp:DvidLoadBalancer",
      "gcp:compute/targetHttpProxy:TargetHttpProxy": "dvidcloud:gcp:DvidLoadBalancer",
      "gcp:compute/globalAddress:GlobalAddress": "dvidcloud:gcp:DvidLoadBalancer",
      "gcp:compute/globalForwardingRule:GlobalForwardingRule": "dvidcloud:gcp:DvidLoadBalancer",
    };
    for (const r of resources) {
      const parent = mocks.parentTypeOf(r.name, r.type);
      if (r.type === "dvidcloud:gcp:DvidCluster") {
        expect(parent).toBeUndefined();
      } else if (r.type === "gcp:serviceaccount/account:Account") {
        // The VM identities belong to the cluster, the bucket identities to the bucket component.
        const vmIdentity = ["tree-node-account", "tree-reader-node-account"].includes(r.name);
        expect([r.name, parent]).toEqual([r.name, vmIdentity ? "dvidcloud:gcp:DvidCluster" : "dvidcloud:gcp:DvidBucket"]);
      } else {
        expect([r.type, parent]).toEqual([r.type, expectedParent[r.type]]);
      }
    }
    const subComponents = resources.filter((r) => r.type.startsWith("dvidcloud:gcp:") && r.name !== "tree");
    expect(subComponents.map((r) => r.name).sort()).toEqual(["tree-firewall", "tree-lb", "tree-storage"]);
    for (const sub of subComponents) {
      const children = resources.filter((r) => mocks.parentTypeOf(r.name, r.type) === sub.type);
      expect(children.length).toBeGreaterThan(0);
      for (const child of children) expect(child.name.startsWith(`${sub.name}-`)).toBe(true);
    }
  });
});

describe("DvidCluster access scope", () => {
  it("gives the writer read-write and the readers read-only access to the bucket, each through its own identity and key", async () => {
    const { resources } = await build("iam", { nodes: 3 });
    const iamTypes = resources.filter((r) => /iam/i.test(r.type)).map((r) => r.type);
    // No project-, folder- or organization-level binding of any kind.
    expect(new Set(iamTypes)).toEqual(
      new Set(["gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:secretmanager/secretIamMember:SecretIamMember"]),
    );
    const bucketName = one(resources, "gcp:storage/bucket:Bucket").inputs.name;
    const bindings = ofType(resources, "gcp:storage/bucketIAMMember:BucketIAMMember");
    for (const b of bindings) expect(b.inputs.bucket).toBe(bucketName);
    const rolesOf = (who: string) =>
      bindings
        .filter((b) => b.inputs.member === member(who))
        .map((b) => (b.inputs.condition ? `${b.inputs.role} if ${b.inputs.condition.expression}` : b.inputs.role))
        .sort();
    expect(rolesOf("iam-dvid")).toEqual(["roles/storage.legacyBucketReader", "roles/storage.objectAdmin"]);
    expect(rolesOf("iam-dvid-ro")).toEqual([
      "roles/storage.legacyBucketReader",
      "roles/storage.objectUser if " + `resource.name.startsWith("projects/_/buckets/${bucketName}/objects/000701")`,
      "roles/storage.objectViewer",
    ]);
    // The reader VMs list the bucket (wait for the writer, watch metadata); the writer VM does not.
    expect(rolesOf("iam-node-ro")).toEqual(["roles/storage.objectViewer"]);
    expect(rolesOf("iam-node")).toEqual([]);
    expect(bindings).toHaveLength(6);

    // Each role's VM identity reads its own role's key, and no other.
    const secretAccess = ofType(resources, "gcp:secretmanager/secretIamMember:SecretIamMember")
      .map((a) => [a.inputs.secretId, a.inputs.role, a.inputs.member])
      .sort();
    expect(secretAccess).toEqual([
      ["iam-dvid-key", "roles/secretmanager.secretAccessor", member("iam-node")],
      ["iam-dvid-ro-key", "roles/secretmanager.secretAccessor", member("iam-node-ro")],
    ]);
    const keys = ofType(resources, "gcp:serviceaccount/key:Key").map((k) => k.inputs.serviceAccountId).sort();
    expect(keys).toEqual([
      "projects/my-project/serviceAccounts/iam-dvid-ro@my-project.iam.gserviceaccount.com",
      "projects/my-project/serviceAccounts/iam-dvid@my-project.iam.gserviceaccount.com",
    ]);

    // The VMs run as their role's VM identity and fetch their role's key.
    const vms = ofType(resources, "gcp:compute/instance:Instance");
    expect(vms.map((vm) => [vm.inputs.name, vm.inputs.serviceAccount.email])).toEqual([
      ["iam-writer", "iam-node@my-project.iam.gserviceaccount.com"],
      ["iam-reader-1", "iam-node-ro@my-project.iam.gserviceaccount.com"],
      ["iam-reader-2", "iam-node-ro@my-project.iam.gserviceaccount.com"],
    ]);
    const secretOf = (vm: RecordedResource) => /\/secrets\/([^/]+)\/versions\/latest:access/.exec(vm.inputs.metadataStartupScript)![1];
    expect(vms.map(secretOf)).toEqual(["iam-dvid-key", "iam-dvid-ro-key", "iam-dvid-ro-key"]);
  });

  it("creates no reader identity for a one-node cluster", async () => {
    const { cluster, resources } = await build("lone", { nodes: 1 });
    const accounts = ofType(resources, "gcp:serviceaccount/account:Account").map((a) => a.inputs.accountId).sort();
    expect(accounts).toEqual(["lone-dvid", "lone-node"]);
    expect(await valueOf(cluster.readerServiceAccountEmail)).toBe("");
  });

  it("stores the DVID keys in Secret Manager and never in instance metadata", async () => {
    const { resources } = await build("keys", { nodes: 2 });
    const versions = ofType(resources, "gcp:secretmanager/secretVersion:SecretVersion");
    expect(versions.map((v) => v.inputs.secret).sort()).toEqual(["projects/my-project/secrets/keys-dvid-key", "projects/my-project/secrets/keys-dvid-ro-key"]);
    for (const version of versions) expect(version.inputs.isSecretDataBase64).toBe(true);
    const privateKey = Buffer.from('{"type":"service_account"}').toString("base64");
    for (const vm of ofType(resources, "gcp:compute/instance:Instance")) {
      expect(JSON.stringify(vm.inputs.metadata)).not.toContain(privateKey);
      expect(String(vm.inputs.metadataStartupScript)).not.toContain(privateKey);
    }
  });

  it("opens only the DVID port, only to the configured ranges plus Google's health-check ranges", async () => {
    const { resources } = await build("fw", { nodes: 3, port: 9000 });
    const rules = ofType(resources, "gcp:compute/firewall:Firewall");
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      expect(rule.inputs.direction).toBe("INGRESS");
      expect(rule.inputs.allows).toEqual([{ protocol: "tcp", ports: ["9000"] }]);
      expect(rule.inputs.denies).toBeUndefined();
      expect(rule.inputs.targetTags).toEqual(["fw-dvid"]);
      expect(rule.inputs.network).toBe("default");
    }
    expect(rules.map((r) => r.inputs.sourceRanges).sort()).toEqual(
      [RANGES, ["35.191.0.0/16", "130.211.0.0/22"]].sort(),
    );
    expect(JSON.stringify(rules)).not.toContain("0.0.0.0/0");
    for (const vm of ofType(resources, "gcp:compute/instance:Instance")) expect(vm.inputs.tags).toEqual(["fw-dvid"]);
  });

  it("lets only the configured ranges through the load balancer and answers 403 to everyone else", async () => {
    const many = Array.from({ length: 12 }, (_, i) => `10.${i}.0.0/16`);
    const { resources } = await build("armor", { nodes: 2, sourceRanges: many });
    const policy = one(resources, "gcp:compute/securityPolicy:SecurityPolicy");
    const rules = policy.inputs.rules as any[];
    expect(rules.map((r) => [r.priority, r.action])).toEqual([[1000, "allow"], [1001, "allow"], [2147483647, "deny(403)"]]);
    expect(rules.flatMap((r) => (r.action === "allow" ? r.match.config.srcIpRanges : []))).toEqual(many);
    expect(rules[2].match.config.srcIpRanges).toEqual(["*"]);
    const backend = one(resources, "gcp:compute/backendService:BackendService");
    expect(backend.inputs.securityPolicy).toContain("armor-allow");
  });

});

describe("DvidCluster bucket and its data", () => {
  it("creates a private bucket with uniform access that `pulumi destroy` leaves in place, with its data", async () => {
    const { cluster, resources, options } = await build("keep", { nodes: 1 });
    const bucket = one(resources, "gcp:storage/bucket:Bucket");
    expect(bucket.inputs).toMatchObject({
      name: "keep-dvid-1a2b3c4d",
      location: "US-CENTRAL1",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      project: "my-project",
    });
    expect(options.get(bucket.name)!.retainOnDelete).toBe(true);
    expect([cluster.bucketCreated, cluster.bucketKept]).toEqual([true, true]);
    // Nothing but the bucket is kept: every other resource is deleted by a destroy.
    const retained = resources.filter((r) => options.get(r.name)?.retainOnDelete).map((r) => r.type);
    expect(retained).toEqual(["gcp:storage/bucket:Bucket"]);
  });

  it("deletes the bucket with its data on destroy only when deleteData is set", async () => {
    const { cluster, resources, options } = await build("scratch", { nodes: 1, deleteData: true, bucketLocation: "eu" });
    const bucket = one(resources, "gcp:storage/bucket:Bucket");
    expect(bucket.inputs).toMatchObject({ forceDestroy: true, location: "EU" });
    expect(options.get(bucket.name)!.retainOnDelete).toBe(false);
    expect(cluster.bucketKept).toBe(false);
  });

  it("attaches an existing bucket: creates none, grants the cluster's identities on it and points DVID at it", async () => {
    const { cluster, resources } = await build("again", { nodes: 2, bucket: "keep-dvid-1a2b3c4d" });
    expect(ofType(resources, "gcp:storage/bucket:Bucket")).toEqual([]);
    expect(ofType(resources, "random:index/randomId:RandomId")).toEqual([]);
    const bindings = ofType(resources, "gcp:storage/bucketIAMMember:BucketIAMMember");
    expect(bindings).toHaveLength(6);
    for (const b of bindings) expect(b.inputs.bucket).toBe("keep-dvid-1a2b3c4d");
    for (const vm of ofType(resources, "gcp:compute/instance:Instance")) {
      expect(tomlOf(vm.inputs.metadataStartupScript).store.bucket.bucket).toBe("keep-dvid-1a2b3c4d");
    }
    expect(await valueOf(cluster.bucketName)).toBe("keep-dvid-1a2b3c4d");
    expect([cluster.bucketCreated, cluster.bucketKept]).toEqual([false, true]);
  });

  it("refuses deleteData for an attached bucket before registering any resource", async () => {
    const before = mocks.resources.length;
    expect(() => new infra.DvidCluster("nope", { ...BASE, bucket: "keep-dvid-1a2b3c4d", deleteData: true })).toThrow(
      'deleteData cannot delete attached bucket "keep-dvid-1a2b3c4d"',
    );
    await settle(mocks);
    expect(mocks.resources.length).toBe(before);
  });
});

describe("DvidCluster nodes and load balancer", () => {
  it("runs DVID from a start-up script under systemd on Container-Optimized OS, not a container declaration", async () => {
    const { resources } = await build("boot", { nodes: 2, machineType: "n2-standard-8", diskSizeGb: 30, zone: "us-central1-f" });
    for (const vm of ofType(resources, "gcp:compute/instance:Instance")) {
      expect(vm.inputs.bootDisk.initializeParams).toMatchObject({ image: "cos-cloud/cos-stable", size: 30 });
      expect(vm.inputs.machineType).toBe("n2-standard-8");
      expect(vm.inputs.zone).toBe("us-central1-f");
      expect(Object.keys(vm.inputs.metadata).sort()).toEqual(["block-project-ssh-keys", "enable-oslogin"]);
      const script: string = vm.inputs.metadataStartupScript;
      expect(script).toContain("/etc/systemd/system/dvid.service");
      expect(script).toContain("gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12");
      expect(script).not.toContain("gce-container-declaration");
    }
  });

  it("renders a gbucket TOML on the cluster's bucket for every node, read-only on readers only", async () => {
    const { resources } = await build("toml", { nodes: 3 });
    const bucketName = one(resources, "gcp:storage/bucket:Bucket").inputs.name;
    const configs = ofType(resources, "gcp:compute/instance:Instance").map((vm) => tomlOf(vm.inputs.metadataStartupScript));
    for (const toml of configs) {
      expect(toml.server.httpAddress).toBe(":8000");
      expect(toml.store.bucket).toEqual({ engine: "gbucket", bucket: bucketName });
    }
    expect(configs.map((c) => c.server.rwmode)).toEqual([undefined, "readonly", "readonly"]);
    expect(configs.map((c) => c.server.host)).toEqual(["toml-writer", "toml-reader-1", "toml-reader-2"]);
  });

  it("balances over every node through a named port, with a heartbeat health check and a long backend timeout", async () => {
    const { cluster, resources } = await build("lb", { nodes: 3, port: 8080 });
    const group = one(resources, "gcp:compute/instanceGroup:InstanceGroup");
    expect(group.inputs.namedPorts).toEqual([{ name: "dvid", port: 8080 }]);
    expect(group.inputs.zone).toBe("us-central1-b");
    // Members are separate resources (a replaced VM keeps its self link: see the next test).
    expect(group.inputs.instances).toBeUndefined();
    const members = ofType(resources, "gcp:compute/instanceGroupMembership:InstanceGroupMembership");
    expect(members.map((m) => [m.inputs.instanceGroup, m.inputs.zone, m.inputs.instance])).toEqual(
      ["lb-writer", "lb-reader-1", "lb-reader-2"].map((n) => ["lb-nodes", "us-central1-b", `https://www.googleapis.com/compute/v1/projects/my-project/mock/${n}`]),
    );
    const health = one(resources, "gcp:compute/healthCheck:HealthCheck");
    expect(health.inputs.httpHealthCheck).toEqual({ port: 8080, requestPath: "/api/heartbeat" });
    const backend = one(resources, "gcp:compute/backendService:BackendService");
    expect(backend.inputs).toMatchObject({ protocol: "HTTP", portName: "dvid", loadBalancingScheme: "EXTERNAL_MANAGED" });
    expect(backend.inputs.timeoutSec).toBeGreaterThanOrEqual(300);
    expect(backend.inputs.healthChecks).toBe("lb-lb-heartbeat-id");
    expect(backend.inputs.backends).toEqual([
      expect.objectContaining({ group: "https://www.googleapis.com/compute/v1/projects/my-project/mock/lb-nodes" }),
    ]);
    expect(one(resources, "gcp:compute/uRLMap:URLMap").inputs.defaultService).toBe("lb-lb-backend-id");
    expect(one(resources, "gcp:compute/targetHttpProxy:TargetHttpProxy").inputs.urlMap).toBe("lb-lb-urls-id");
    expect(one(resources, "gcp:compute/globalForwardingRule:GlobalForwardingRule").inputs).toMatchObject({
      target: "lb-lb-proxy-id",
      ipAddress: "198.51.100.7",
      portRange: "80",
      loadBalancingScheme: "EXTERNAL_MANAGED",
    });
    expect(await valueOf(cluster.loadBalancerUrl)).toBe("http://198.51.100.7");
  });

  it("exposes the load-balanced URL, writer URL, reader URLs and bucket name as outputs", async () => {
    const settings = infra.resolveClusterSettings({ ...BASE, name: "outs", nodes: 2 });
    const outputs = infra.dvidClusterProgram(settings);
    await settle(mocks);
    expect(Object.keys(outputs).sort()).toEqual([
      "bucketCreated",
      "bucketKept",
      "bucketName",
      "clusterName",
      "loadBalancerUrl",
      "nodeNames",
      "project",
      "readerServiceAccountEmail",
      "readerUrls",
      "serviceAccountEmail",
      "writerUrl",
      "zone",
    ]);
    expect([outputs.bucketCreated, outputs.bucketKept]).toEqual([true, true]);
    expect(await valueOf(outputs.readerServiceAccountEmail)).toBe("outs-dvid-ro@my-project.iam.gserviceaccount.com");
    expect(await valueOf(outputs.bucketName)).toBe("outs-dvid-1a2b3c4d");
    expect(await valueOf(outputs.loadBalancerUrl)).toBe("http://198.51.100.7");
    expect(await valueOf(outputs.writerUrl)).toMatch(/^http:\/\/203\.0\.113\.\d+:8000$/);
    expect(await valueOf(outputs.readerUrls)).toEqual([expect.stringMatching(/^http:\/\/203\.0\.113\.\d+:8000$/)]);
    expect(await valueOf(outputs.serviceAccountEmail)).toBe("outs-dvid@my-project.iam.gserviceaccount.com");
    expect(outputs.nodeNames).toEqual(["outs-writer", "outs-reader-1"]);
    expect([outputs.clusterName, outputs.project, outputs.zone]).toEqual(["outs", "my-project", "us-central1-b"]);
  });

  it("replaces a VM when its start-up script changes: new port or image, not new node count or source ranges", async () => {
    const base = scriptsOf((await build("rp-a", { nodes: 3 })).resources, "rp-a");
    const samePlan = scriptsOf((await build("rp-b", { nodes: 3 })).resources, "rp-b");
    const port = scriptsOf((await build("rp-c", { nodes: 3, port: 9000 })).resources, "rp-c");
    const image = scriptsOf((await build("rp-d", { nodes: 3, image: "gcr.io/flyem-public/dvid/dvid:1.0.0-3.4.12" })).resources, "rp-d");
    const more = scriptsOf((await build("rp-e", { nodes: 5, sourceRanges: ["10.0.0.0/8"] })).resources, "rp-e");
    expect(samePlan).toEqual(base);
    for (const vm of Object.keys(base)) {
      expect([vm, port[vm] === base[vm], image[vm] === base[vm]]).toEqual([vm, false, false]);
      // Adding readers or changing who may connect leaves the existing VMs as they are.
      expect([vm, more[vm] === base[vm]]).toEqual([vm, true]);
    }
    expect(port["NAME-writer"]).toContain("-p 9000:9000");
  });

  it("sets the start-up script where a change forces a replacement, deleting the old VM first", async () => {
    const { resources, options } = await build("swap", { nodes: 2 });
    for (const vm of ofType(resources, "gcp:compute/instance:Instance")) {
      // metadataStartupScript forces a new VM; metadata["startup-script"] would be updated in place.
      expect(vm.inputs.metadataStartupScript).toContain("#!/bin/bash");
      expect(vm.inputs.metadata["startup-script"]).toBeUndefined();
      expect(options.get(vm.name)!.deleteBeforeReplace).toBe(true);
    }
  });

  it("replaces a VM's load-balancer membership with the VM, keyed on the id GCE gives each new VM", async () => {
    const { cluster, resources, options } = await build("grp", { nodes: 2 });
    const members = ofType(resources, "gcp:compute/instanceGroupMembership:InstanceGroupMembership");
    expect(members.map((m) => m.name)).toEqual(["grp-lb-member-grp-writer", "grp-lb-member-grp-reader-1"]);
    const ids = await Promise.all(members.map((m) => valueOf(options.get(m.name)!.replacementTrigger as pulumi.Output<string>)));
    // The mock numbers each new VM's id and its address alike (203.0.113.N, id 7000000000000000 + N).
    const numbers = await Promise.all(cluster.nodes.map(async (node) => Number(/\.(\d+):/.exec(await valueOf(node.url))![1])));
    expect(ids).toEqual(numbers.map((n) => String(7_000_000_000_000_000 + n)));
  });

  it("puts the VMs in the configured subnetwork, for custom-mode VPCs", async () => {
    const { resources } = await build("sub", { nodes: 2, network: "lab-net", subnetwork: "lab-us-central1" });
    for (const vm of ofType(resources, "gcp:compute/instance:Instance")) {
      expect(vm.inputs.networkInterfaces).toEqual([{ network: "lab-net", subnetwork: "lab-us-central1", accessConfigs: [{}] }]);
    }
    const { resources: auto } = await build("auto", { nodes: 1 });
    expect(one(auto, "gcp:compute/instance:Instance").inputs.networkInterfaces).toEqual([{ network: "default", accessConfigs: [{}] }]);
  });

  it("rejects invalid settings before registering any resource", async () => {
    const before = mocks.resources.length;
    expect(() => new infra.DvidCluster("bad", { ...BASE, nodes: 40 })).toThrow("nodes must be between 1 and 16; got 40");
    expect(() => new infra.DvidCluster("Bad_Name", BASE)).toThrow(infra.InfraError);
    await settle(mocks);
    expect(mocks.resources.length).toBe(before);
  });
});
