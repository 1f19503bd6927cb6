import { describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import { isDvidcloudError } from "../../automation/errors.js";
import {
  chooseBackend,
  clusterNameOfStack,
  dvidcloudHome,
  endpointsFromOutputs,
  fileBackendDir,
  requirePassphrase,
  resolveGcpUpOptions,
  stackConfigFor,
  stackNameFor,
  type GcpUpOptions,
} from "../../automation/gcp/index.js";
import { readClusterConfig } from "../../infra/config.js";

const VALID: GcpUpOptions = { name: "demo", project: "my-project", sourceRanges: ["203.0.113.7/32"] };

function codeOf(fn: () => unknown): { code: string; message: string; cause: unknown } {
  try {
    fn();
  } catch (err) {
    if (isDvidcloudError(err)) return { code: err.code, message: err.message, cause: err.cause };
    throw err;
  }
  throw new Error("expected a DvidcloudError, nothing was thrown");
}

describe("gcpUp options", () => {
  it("resolves the cluster settings with their documented defaults", () => {
    const resolved = resolveGcpUpOptions({ ...VALID, env: { HOME: "/home/u" } });
    expect(resolved.settings).toEqual({
      name: "demo",
      project: "my-project",
      region: "us-central1",
      zone: "us-central1-b",
      nodes: 3,
      machineType: "e2-standard-4",
      diskSizeGb: 20,
      image: "gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12",
      port: 8000,
      sourceRanges: ["203.0.113.7/32"],
      network: "default",
      subnetwork: "",
      bucket: "",
      bucketLocation: "US-CENTRAL1",
      deleteData: false,
    });
    expect(resolved.backend.url).toBe("file:///home/u/.dvidcloud/pulumi");
    expect(resolved.signal).toBeUndefined();
  });

  it("rejects an unknown option and names it", () => {
    const err = codeOf(() => resolveGcpUpOptions({ ...VALID, node: 3 } as never));
    expect(err.code).toBe("INVALID_OPTION");
    expect(err.message).toContain('unknown option "node"');
  });

  it("rejects an out-of-range node count with the infra rule and keeps the infra error as cause", () => {
    const err = codeOf(() => resolveGcpUpOptions({ ...VALID, nodes: 40 }));
    expect(err.code).toBe("INVALID_OPTION");
    expect(err.message).toBe("gcpUp(): nodes must be between 1 and 16; got 40");
    expect((err.cause as { code?: string }).code).toBe("INVALID_CONFIG");
  });

  it("requires sourceRanges: there is no open-to-the-world default", () => {
    const { sourceRanges: _omitted, ...noRanges } = VALID;
    const err = codeOf(() => resolveGcpUpOptions(noRanges as GcpUpOptions));
    expect(err.code).toBe("INVALID_OPTION");
    expect(err.message).toContain("sourceRanges must list at least one IPv4 CIDR range");
  });

  it("rejects a signal that is not an AbortSignal, a non-function onProgress and a malformed backend URL", () => {
    expect(codeOf(() => resolveGcpUpOptions({ ...VALID, signal: {} as never })).message).toContain("signal must be an AbortSignal");
    expect(codeOf(() => resolveGcpUpOptions({ ...VALID, onProgress: "log" as never })).message).toContain("onProgress must be a function");
    expect(codeOf(() => resolveGcpUpOptions({ ...VALID, backendUrl: "state" })).message).toContain("backendUrl must be a URL");
  });
});

describe("gcp stack outputs", () => {
  it("reads the endpoints: readers never hold the writer, nodes are all of them, writer first", () => {
    const writerUrl = "http://10.0.0.2:8000";
    const readerUrls = ["http://10.0.0.3:8000", writerUrl, "http://10.0.0.4:8000"];
    expect(endpointsFromOutputs({ writerUrl, readerUrls, loadBalancerUrl: "http://203.0.113.9" })).toEqual({
      writer: writerUrl,
      readers: ["http://10.0.0.3:8000", "http://10.0.0.4:8000"],
      nodes: [writerUrl, "http://10.0.0.3:8000", "http://10.0.0.4:8000"],
      loadBalancer: "http://203.0.113.9",
    });
    expect(endpointsFromOutputs({ writerUrl, readerUrls: [], loadBalancerUrl: "http://203.0.113.9" })?.readers).toEqual([]);
    expect(endpointsFromOutputs({})).toBeUndefined();
  });
});

describe("gcp stack naming", () => {
  it("names the stack after the cluster", () => {
    expect(stackNameFor("demo")).toBe("demo");
    expect(stackNameFor("em-2024-a")).toBe("em-2024-a");
  });

  it("rejects cluster names that cannot name GCE resources", () => {
    for (const bad of ["Demo", "1demo", "demo-", "a-very-long-cluster-name-x", "google-demo", ""]) {
      expect(codeOf(() => stackNameFor(bad)).code).toBe("INVALID_OPTION");
    }
  });

  it("reads the cluster name back from fully qualified stack names", () => {
    expect(clusterNameOfStack("demo")).toBe("demo");
    expect(clusterNameOfStack("dvidcloud/demo")).toBe("demo");
    expect(clusterNameOfStack("my-org/dvidcloud/demo")).toBe("demo");
  });
});

describe("gcp stack config", () => {
  it("maps every setting to a dvidcloud: key plus the provider's project, region and zone", () => {
    const { settings } = resolveGcpUpOptions({ ...VALID, nodes: 5, sourceRanges: ["10.0.0.0/8", "192.0.2.0/24"], deleteData: true });
    expect(stackConfigFor(settings)).toEqual({
      "dvidcloud:name": { value: "demo" },
      "dvidcloud:project": { value: "my-project" },
      "dvidcloud:region": { value: "us-central1" },
      "dvidcloud:zone": { value: "us-central1-b" },
      "dvidcloud:nodes": { value: "5" },
      "dvidcloud:machineType": { value: "e2-standard-4" },
      "dvidcloud:diskSizeGb": { value: "20" },
      "dvidcloud:image": { value: "gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12" },
      "dvidcloud:port": { value: "8000" },
      "dvidcloud:sourceRanges": { value: "10.0.0.0/8,192.0.2.0/24" },
      "dvidcloud:network": { value: "default" },
      "dvidcloud:subnetwork": { value: "" },
      "dvidcloud:bucket": { value: "" },
      "dvidcloud:bucketLocation": { value: "US-CENTRAL1" },
      "dvidcloud:deleteData": { value: "true" },
      "gcp:project": { value: "my-project" },
      "gcp:region": { value: "us-central1" },
      "gcp:zone": { value: "us-central1-b" },
    });
  });

  it("round-trips: the program reads back exactly the settings the options produced", async () => {
    const pulumi = await import("@pulumi/pulumi");
    await pulumi.runtime.setMocks({ newResource: () => ({ id: "x", state: {} }), call: () => ({}) }, "dvidcloud", "demo", false);
    const { settings } = resolveGcpUpOptions({ ...VALID, nodes: 2, port: 9000, zone: "us-central1-c", sourceRanges: ["10.0.0.0/8", "192.0.2.0/24"] });
    const config = Object.fromEntries(Object.entries(stackConfigFor(settings)).map(([k, v]) => [k, v.value]));
    pulumi.runtime.setAllConfig(config);
    expect(readClusterConfig()).toEqual(settings);
  });
});

describe("gcp state backend", () => {
  it("uses PULUMI_BACKEND_URL when it is set", () => {
    const backend = chooseBackend({ env: { PULUMI_BACKEND_URL: "gs://team-state", HOME: "/home/u" } });
    expect(backend).toEqual({ url: "gs://team-state", source: "env", localDir: undefined, usesPassphrase: true });
  });

  it("defaults to a file backend under $DVIDCLOUD_HOME/pulumi, else ~/.dvidcloud/pulumi", () => {
    expect(chooseBackend({ env: { DVIDCLOUD_HOME: "/data/dc", HOME: "/home/u" } })).toEqual({
      url: "file:///data/dc/pulumi",
      source: "local",
      localDir: "/data/dc/pulumi",
      usesPassphrase: true,
    });
    expect(chooseBackend({ env: { HOME: "/home/u" } }).url).toBe("file:///home/u/.dvidcloud/pulumi");
    expect(dvidcloudHome({ HOME: "/home/u" })).toBe(join("/home/u", ".dvidcloud"));
  });

  it("lets an explicit backendUrl option win over PULUMI_BACKEND_URL", () => {
    const backend = chooseBackend({ backendUrl: "file:///tmp/state", env: { PULUMI_BACKEND_URL: "gs://x" } });
    expect([backend.url, backend.source, backend.localDir]).toEqual(["file:///tmp/state", "option", "/tmp/state"]);
  });

  it("needs no passphrase for Pulumi Cloud or a KMS secrets provider", () => {
    expect(chooseBackend({ env: { PULUMI_BACKEND_URL: "https://api.pulumi.com" } }).usesPassphrase).toBe(false);
    expect(chooseBackend({ secretsProvider: "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k", env: {} }).usesPassphrase).toBe(false);
  });

  it("expands file://~/ like the CLI does", () => {
    expect(fileBackendDir("file://~/state", { HOME: "/home/u" })).toBe("/home/u/state");
    expect(fileBackendDir("gs://bucket")).toBeUndefined();
  });

  it("tells the user how to set PULUMI_CONFIG_PASSPHRASE when the local backend has none", () => {
    const backend = chooseBackend({ env: { HOME: "/home/u" } });
    const err = codeOf(() => requirePassphrase(backend, { HOME: "/home/u" }));
    expect(err.code).toBe("PULUMI_PASSPHRASE_MISSING");
    expect(err.message).toContain("export PULUMI_CONFIG_PASSPHRASE=");
    expect(() => requirePassphrase(backend, { PULUMI_CONFIG_PASSPHRASE: "s3cret" })).not.toThrow();
    expect(() => requirePassphrase(backend, { PULUMI_CONFIG_PASSPHRASE_FILE: "/run/pass" })).not.toThrow();
  });
});

describe("gcp update options, quota and secrets provider (pure)", () => {
  it("checks an update's settings without project or sourceRanges, which the stack's config supplies", async () => {
    const { resolveGcpUpdateOptions } = await import("../../automation/gcp/index.js");
    const resolved = resolveGcpUpdateOptions({ name: "demo", nodes: 5 });
    expect([resolved.update, resolved.refresh, resolved.given]).toEqual([true, true, { name: "demo", nodes: 5 }]);
    expect(codeOf(() => resolveGcpUpdateOptions({ name: "demo", nodes: 40 })).message).toBe("gcpUpdate(): nodes must be between 1 and 16; got 40");
    expect(codeOf(() => resolveGcpUpdateOptions({ name: "demo", refresh: "no" as never })).message).toContain("refresh must be a boolean");
  });

  it("counts a machine type's vCPUs and warns above a new project's default quota", async () => {
    const { quotaWarnings, vcpusOf } = await import("../../automation/gcp/index.js");
    expect([vcpusOf("e2-standard-4"), vcpusOf("n2-highmem-16"), vcpusOf("e2-medium"), vcpusOf("n2-custom-6-24576"), vcpusOf("z9-weird")]).toEqual([4, 16, 2, 6, undefined]);
    expect(quotaWarnings({ machineType: "e2-standard-4", nodes: 6, region: "us-central1" })).toEqual([]);
    expect(quotaWarnings({ machineType: "e2-standard-4", nodes: 7, region: "us-central1" })[0]).toContain("asks for 28 vCPUs in us-central1, more than the 24");
    expect(quotaWarnings({ machineType: "e2-medium", nodes: 9, region: "europe-west1" })).toEqual([
      expect.stringContaining("9 VMs with an external IPv4 address each in europe-west1, more than the 8"),
    ]);
    expect(quotaWarnings({ machineType: "z9-weird", nodes: 1, region: "us-central1" })[0]).toContain("not known here, so the CPU quota was not checked");
  });

  it("reads the secrets provider a stack was created with from its settings file", async () => {
    const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { stackSecretsProvider } = await import("../../automation/gcp/preflight.js");
    const dir = await mkdtemp(join(tmpdir(), "dvidcloud-provider-"));
    await writeFile(join(dir, "Pulumi.kms.yaml"), "secretsprovider: gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k\nencryptedkey: x\n");
    await writeFile(join(dir, "Pulumi.pass.yaml"), "encryptionsalt: v1:abc\nconfig:\n  dvidcloud:nodes: \"3\"\n");
    expect(stackSecretsProvider(dir, "kms")).toBe("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k");
    expect(stackSecretsProvider(dir, "pass")).toBeUndefined();
    expect(stackSecretsProvider(dir, "absent")).toBeUndefined();
    await rm(dir, { recursive: true, force: true });
  });
});
