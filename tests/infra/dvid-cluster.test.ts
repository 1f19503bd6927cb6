import { beforeAll, describe, expect, it } from "@jest/globals";
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

/** Builds a cluster and waits for every resource to register; returns the cluster's resources. */
async function build(name: string, args: Record<string, unknown> = {}) {
  const cluster = new infra.DvidCluster(name, { ...BASE, ...args } as never);
  await settle(mocks);
  const resources = mocks.resources.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
  return { cluster, resources };
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
  "gcp:serviceaccount/account:Account": 2,
  "random:index/randomId:RandomId": 1,
  "gcp:storage/bucket:Bucket": 1,
  "gcp:storage/bucketIAMMember:BucketIAMMember": 2,
  "gcp:serviceaccount/key:Key": 1,
  "gcp:secretmanager/secret:Secret": 1,
  "gcp:secretmanager/secretVersion:SecretVersion": 1,
  "gcp:secretmanager/secretIamMember:SecretIamMember": 1,
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

describe("DvidCluster resource graph", () => {
  it("creates one writer VM and the shared resources for a one-node cluster", async () => {
    const { cluster, resources } = await build("solo", { nodes: 1 });
    expect(countByType(resources)).toEqual({ ...SHARED_TYPES, "gcp:compute/instance:Instance": 1 });
    const [writer] = ofType(resources, "gcp:compute/instance:Instance");
    expect(writer!.inputs.name).toBe("solo-writer");
    expect(writer!.inputs.labels).toEqual({ "dvidcloud-cluster": "solo", "dvidcloud-role": "writer" });
    expect(await valueOf(cluster.readerUrls)).toEqual([]);
    expect(await valueOf(cluster.writerUrl)).toMatch(/^http:\/\/203\.0\.113\.\d+:8000$/);
  });

  it("creates one writer and N-1 readers for an N-node cluster, sharing everything else", async () => {
    const { cluster, resources } = await build("quad", { nodes: 4 });
    expect(countByType(resources)).toEqual({ ...SHARED_TYPES, "gcp:compute/instance:Instance": 4 });
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
        // The node identity belongs to the cluster, the bucket identity to the bucket component.
        expect(parent).toBe(r.name === "tree-node-account" ? "dvidcloud:gcp:DvidCluster" : "dvidcloud:gcp:DvidBucket");
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
  it("grants the DVID identity access to its own bucket only, and the VM identity the key secret only", async () => {
    const { resources } = await build("iam", { nodes: 2 });
    const iamTypes = resources.filter((r) => /iam/i.test(r.type)).map((r) => r.type);
    // No project-, folder- or organization-level binding of any kind.
    expect(new Set(iamTypes)).toEqual(
      new Set(["gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:secretmanager/secretIamMember:SecretIamMember"]),
    );
    const bucket = one(resources, "gcp:storage/bucket:Bucket");
    const bucketName = bucket.inputs.name;
    const bindings = ofType(resources, "gcp:storage/bucketIAMMember:BucketIAMMember");
    expect(bindings.map((b) => b.inputs.role).sort()).toEqual(["roles/storage.legacyBucketReader", "roles/storage.objectAdmin"]);
    for (const b of bindings) {
      expect(b.inputs.bucket).toBe(bucketName);
      expect(b.inputs.member).toBe("serviceAccount:iam-dvid@my-project.iam.gserviceaccount.com");
    }
    const secretAccess = one(resources, "gcp:secretmanager/secretIamMember:SecretIamMember");
    expect(secretAccess.inputs).toMatchObject({
      secretId: "iam-dvid-key",
      role: "roles/secretmanager.secretAccessor",
      member: "serviceAccount:iam-node@my-project.iam.gserviceaccount.com",
    });
    // The VMs run as the node identity, never as the bucket identity.
    for (const vm of ofType(resources, "gcp:compute/instance:Instance")) {
      expect(vm.inputs.serviceAccount.email).toBe("iam-node@my-project.iam.gserviceaccount.com");
    }
  });

  it("stores the DVID key in Secret Manager and never in instance metadata", async () => {
    const { resources } = await build("keys", { nodes: 2 });
    const key = one(resources, "gcp:serviceaccount/key:Key");
    expect(key.inputs.serviceAccountId).toBe("projects/my-project/serviceAccounts/keys-dvid@my-project.iam.gserviceaccount.com");
    const version = one(resources, "gcp:secretmanager/secretVersion:SecretVersion");
    expect(version.inputs.secret).toBe("projects/my-project/secrets/keys-dvid-key");
    expect(version.inputs.isSecretDataBase64).toBe(true);
    const privateKey = Buffer.from('{"type":"service_account"}').toString("base64");
    for (const vm of ofType(resources, "gcp:compute/instance:Instance")) {
      expect(JSON.stringify(vm.inputs.metadata)).not.toContain(privateKey);
      expect(vm.inputs.metadata["startup-script"]).toContain("secrets/keys-dvid-key/versions/latest:access");
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

  it("creates a private bucket with uniform access, deletable with its data only when forceDestroy is set", async () => {
    const { resources: kept } = await build("keep", { nodes: 1 });
    const bucket = one(kept, "gcp:storage/bucket:Bucket");
    expect(bucket.inputs).toMatchObject({
      name: "keep-dvid-1a2b3c4d",
      location: "US-CENTRAL1",
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      project: "my-project",
    });
    const { resources: scratch } = await build("scratch", { nodes: 1, forceDestroy: true, bucketLocation: "eu" });
    expect(one(scratch, "gcp:storage/bucket:Bucket").inputs).toMatchObject({ forceDestroy: true, location: "EU" });
  });
});

describe("DvidCluster nodes and load balancer", () => {
  it("runs DVID from a start-up script under systemd on Container-Optimized OS, not a container declaration", async () => {
    const { resources } = await build("boot", { nodes: 2, machineType: "n2-standard-8", diskSizeGb: 30, zone: "us-central1-f" });
    for (const vm of ofType(resources, "gcp:compute/instance:Instance")) {
      expect(vm.inputs.bootDisk.initializeParams).toMatchObject({ image: "cos-cloud/cos-stable", size: 30 });
      expect(vm.inputs.machineType).toBe("n2-standard-8");
      expect(vm.inputs.zone).toBe("us-central1-f");
      expect(Object.keys(vm.inputs.metadata).sort()).toEqual(["block-project-ssh-keys", "enable-oslogin", "startup-script"]);
      const script: string = vm.inputs.metadata["startup-script"];
      expect(script).toContain("/etc/systemd/system/dvid.service");
      expect(script).toContain("gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12");
      expect(script).not.toContain("gce-container-declaration");
    }
  });

  it("renders a gbucket TOML on the cluster's bucket for every node, read-only on readers only", async () => {
    const { resources } = await build("toml", { nodes: 3 });
    const bucketName = one(resources, "gcp:storage/bucket:Bucket").inputs.name;
    const configs = ofType(resources, "gcp:compute/instance:Instance").map((vm) => tomlOf(vm.inputs.metadata["startup-script"]));
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
    expect(group.inputs.instances).toEqual(
      ["lb-writer", "lb-reader-1", "lb-reader-2"].map((n) => `https://www.googleapis.com/compute/v1/projects/my-project/mock/${n}`),
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
    expect(Object.keys(outputs).sort()).toEqual(
      ["bucketName", "clusterName", "loadBalancerUrl", "nodeNames", "project", "readerUrls", "serviceAccountEmail", "writerUrl", "zone"],
    );
    expect(await valueOf(outputs.bucketName)).toBe("outs-dvid-1a2b3c4d");
    expect(await valueOf(outputs.loadBalancerUrl)).toBe("http://198.51.100.7");
    expect(await valueOf(outputs.writerUrl)).toMatch(/^http:\/\/203\.0\.113\.\d+:8000$/);
    expect(await valueOf(outputs.readerUrls)).toEqual([expect.stringMatching(/^http:\/\/203\.0\.113\.\d+:8000$/)]);
    expect(await valueOf(outputs.serviceAccountEmail)).toBe("outs-dvid@my-project.iam.gserviceaccount.com");
    expect(outputs.nodeNames).toEqual(["outs-writer", "outs-reader-1"]);
    expect([outputs.clusterName, outputs.project, outputs.zone]).toEqual(["outs", "my-project", "us-central1-b"]);
  });

  it("rejects invalid settings before registering any resource", async () => {
    const before = mocks.resources.length;
    expect(() => new infra.DvidCluster("bad", { ...BASE, nodes: 40 })).toThrow("nodes must be between 1 and 16; got 40");
    expect(() => new infra.DvidCluster("Bad_Name", BASE)).toThrow(infra.InfraError);
    await settle(mocks);
    expect(mocks.resources.length).toBe(before);
  });
});
