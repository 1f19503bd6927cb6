import { beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, STACK, type MockRecorder } from "./pulumi-mocks.js";

type Infra = typeof import("../../infra/index.js");
let infra: Infra;
let mocks: MockRecorder;

beforeAll(async () => {
  mocks = await installMocks();
  infra = await import("../../infra/index.js");
});

function withConfig(config: Record<string, string>) {
  pulumi.runtime.setAllConfig(config);
  return infra.readClusterConfig();
}

describe("stack configuration", () => {
  it("reads every key from the dvidcloud: namespace", () => {
    const settings = withConfig({
      "dvidcloud:name": "lab",
      "dvidcloud:project": "my-project",
      "dvidcloud:region": "europe-west4",
      "dvidcloud:zone": "europe-west4-a",
      "dvidcloud:nodes": "5",
      "dvidcloud:machineType": "n2-highmem-4",
      "dvidcloud:diskSizeGb": "30",
      "dvidcloud:image": "gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12",
      "dvidcloud:port": "8080",
      "dvidcloud:sourceRanges": "203.0.113.7/32,198.51.100.0/24",
      "dvidcloud:network": "lab-net",
      "dvidcloud:subnetwork": "lab-europe-west4",
      "dvidcloud:bucket": "lab-dvid-0badcafe",
      "dvidcloud:bucketLocation": "EU",
      "dvidcloud:deleteData": "false",
    });
    expect(settings).toEqual({
      name: "lab",
      project: "my-project",
      region: "europe-west4",
      zone: "europe-west4-a",
      nodes: 5,
      machineType: "n2-highmem-4",
      diskSizeGb: 30,
      image: "gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12",
      port: 8080,
      sourceRanges: ["203.0.113.7/32", "198.51.100.0/24"],
      network: "lab-net",
      subnetwork: "lab-europe-west4",
      bucket: "lab-dvid-0badcafe",
      bucketLocation: "EU",
      deleteData: false,
    });
  });

  it("reads sourceRanges stored as a list (`pulumi config set --path 'sourceRanges[0]' …`)", () => {
    const settings = withConfig({ "dvidcloud:project": "my-project", "dvidcloud:sourceRanges": '["203.0.113.7/32","198.51.100.0/24"]' });
    expect(settings.sourceRanges).toEqual(["203.0.113.7/32", "198.51.100.0/24"]);
  });

  it("keeps honouring an existing stack's forceDestroy as deleteData", () => {
    const settings = withConfig({ "dvidcloud:project": "my-project", "dvidcloud:sourceRanges": "10.0.0.0/8", "dvidcloud:forceDestroy": "true" });
    expect(settings.deleteData).toBe(true);
  });

  it("defaults the name to the stack and the project to gcp:project", () => {
    const settings = withConfig({ "gcp:project": "from-provider", "dvidcloud:sourceRanges": "10.0.0.0/8" });
    expect([settings.name, settings.project, settings.nodes, settings.zone]).toEqual([STACK, "from-provider", 3, "us-central1-b"]);
  });

  it("treats Pulumi.yaml's empty computed defaults as unset", () => {
    const settings = withConfig({
      "dvidcloud:name": "",
      "dvidcloud:project": "",
      "gcp:project": "from-provider",
      "dvidcloud:zone": "",
      "dvidcloud:bucketLocation": "",
      "dvidcloud:sourceRanges": "10.0.0.0/8",
    });
    expect([settings.name, settings.project, settings.zone, settings.bucketLocation]).toEqual([STACK, "from-provider", "us-central1-b", "US-CENTRAL1"]);
  });

  it("rejects an unknown key in the dvidcloud: namespace, and ignores other namespaces", () => {
    expect(() => withConfig({ "dvidcloud:project": "my-project", "dvidcloud:sourceRanges": "10.0.0.0/8", "dvidcloud:node": "3" })).toThrow(
      'unknown config key "node"',
    );
    expect(() => withConfig({ "dvidcloud:project": "my-project", "dvidcloud:sourceRanges": "10.0.0.0/8", "gcp:credentials": "x" })).not.toThrow();
  });

  it("rejects a bad value with the key, the rule and the value", () => {
    expect(() => withConfig({ "dvidcloud:project": "my-project", "dvidcloud:sourceRanges": "10.0.0.0/8", "dvidcloud:nodes": "40" })).toThrow(
      "nodes must be between 1 and 16; got 40",
    );
    expect(() => withConfig({ "dvidcloud:project": "my-project" })).toThrow("sourceRanges must list at least one IPv4 CIDR range");
  });
});

describe("Pulumi.yaml", () => {
  /** The `config:` section of Pulumi.yaml: key -> its attributes (scalars; `items: type:` as "items.type"). */
  async function projectConfig(): Promise<Record<string, Record<string, string>>> {
    const text = await readFile(fileURLToPath(new URL("../../Pulumi.yaml", import.meta.url)), "utf8");
    const section = text.split(/^config:\n/m)[1]!;
    const keys: Record<string, Record<string, string>> = {};
    let current: Record<string, string> | undefined;
    let parent = "";
    for (const line of section.split("\n")) {
      const key = /^ {2}([A-Za-z:]+):\s*$/.exec(line);
      const attr = /^ {4}([a-z]+):\s*(.*)$/.exec(line);
      const nested = /^ {6}([a-z]+):\s*(.*)$/.exec(line);
      if (key) keys[key[1]!] = current = {};
      else if (attr && current) {
        parent = attr[1]!;
        current[parent] = attr[2]!.replace(/^"(.*)"$/, "$1");
      } else if (nested && current) current[`${parent}.${nested[1]}`] = nested[2]!;
    }
    return keys;
  }

  it("declares exactly the program's keys, each with a type and a description", async () => {
    const config = await projectConfig();
    expect(Object.keys(config)).toEqual([...infra.CLUSTER_KEYS]);
    for (const attrs of Object.values(config)) {
      expect(attrs.type).toMatch(/^(string|integer|boolean|array)$/);
      expect(attrs.description!.length).toBeGreaterThan(10);
    }
  });

  it("declares sourceRanges as the list of strings the README sets with --path", async () => {
    const config = await projectConfig();
    expect(config.sourceRanges).toMatchObject({ type: "array", "items.type": "string" });
    const readme = await readFile(fileURLToPath(new URL("../../infra/README.md", import.meta.url)), "utf8");
    expect(readme).toContain("pulumi config set --path 'sourceRanges[0]'");
    // A plain `pulumi config set sourceRanges "a/32"` stores a string, which the CLI refuses for an array key.
    expect(readme).not.toMatch(/^pulumi config set sourceRanges /m);
    // The address it suggests is the user's IPv4 one: the rules take no IPv6 range.
    expect(readme).toContain("pulumi config set --path 'sourceRanges[0]' \"$(curl -4 -s https://ifconfig.me)/32\"");
  });

  it("documents the same defaults the program applies; computed ones as empty, sourceRanges as required", async () => {
    const config = await projectConfig();
    for (const [key, value] of Object.entries(infra.CLUSTER_DEFAULTS)) expect([key, config[key]!.default]).toEqual([key, String(value)]);
    for (const key of ["name", "project", "zone", "bucketLocation", "subnetwork", "bucket"]) expect([key, config[key]!.default]).toEqual([key, ""]);
    expect(config.sourceRanges!.default).toBeUndefined();
  });

  it("lists roles/iam.serviceAccountUser among the roles infra/README.md asks for (VMs run as service accounts)", async () => {
    const readme = await readFile(fileURLToPath(new URL("../../infra/README.md", import.meta.url)), "utf8");
    const prerequisites = readme.split("## Prerequisites")[1]!.split("\n## ")[0]!;
    expect(prerequisites).toContain("`roles/iam.serviceAccountUser`");
  });

  it("lets Pulumi find the repository's TypeScript settings from infra/, where it runs main", async () => {
    const text = await readFile(fileURLToPath(new URL("../../Pulumi.yaml", import.meta.url)), "utf8");
    const main = /^main: (.*)$/m.exec(text)![1]!;
    // Pulumi's nodejs host runs the program with main's directory as working directory and gives
    // ts-node `tsconfig.json` there (PULUMI_NODEJS_TSCONFIG_PATH unset); without one it uses none.
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const programDir = join(root, dirname(main));
    const configPath = join(programDir, "tsconfig.json");
    expect(existsSync(configPath)).toBe(true);
    const parse = (path: string) =>
      ts.getParsedCommandLineOfConfigFile(path, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const fromProgramDir = parse(configPath);
    const fromRoot = parse(join(root, "tsconfig.json"));
    expect(fromProgramDir.errors).toEqual([]);
    expect(fromProgramDir.options).toEqual({ ...fromRoot.options, configFilePath: fromProgramDir.options.configFilePath });
    expect(fromProgramDir.options.module).toBe(ts.ModuleKind.NodeNext);
  });

  it("runs infra/main.ts, whose default export builds the cluster from the stack config", async () => {
    const text = await readFile(fileURLToPath(new URL("../../Pulumi.yaml", import.meta.url)), "utf8");
    expect(text).toMatch(/^name: dvidcloud$/m);
    expect(text).toMatch(/^main: infra\/main\.ts$/m);
    const main = await import("../../infra/main.js");
    pulumi.runtime.setAllConfig({ "dvidcloud:project": "my-project", "dvidcloud:sourceRanges": "10.0.0.0/8", "dvidcloud:nodes": "1" });
    const outputs = await main.default();
    await settle(mocks);
    expect(mocks.resources.filter((r) => r.type === "gcp:compute/instance:Instance")).toHaveLength(1);
    expect(outputs.nodeNames).toEqual([`${STACK}-writer`]);
    expect(outputs.clusterName).toBe(STACK);
  });
});
