import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse as parseToml } from "smol-toml";
import {
  clusterNames,
  GOOGLE_FRONT_END_RANGES,
  planArmorRules,
  planNodes,
  renderDvidCommand,
  renderDvidToml,
  renderStartupScript,
  type NodePlan,
} from "../../infra/index.js";

const WRITER: NodePlan = { index: 0, role: "writer", name: "demo-writer" };
const READER: NodePlan = { index: 2, role: "reader", name: "demo-reader-2" };

function script(node: NodePlan): string {
  return renderStartupScript({
    clusterName: "demo",
    node,
    project: "my-project",
    keySecretId: node.role === "writer" ? "demo-dvid-key" : "demo-dvid-ro-key",
    image: "gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12",
    port: 8000,
    bucket: "demo-dvid-1a2b3c4d",
    dvidToml: renderDvidToml({ clusterName: "demo", node, bucket: "demo-dvid-1a2b3c4d", port: 8000 }),
  });
}

describe("naming", () => {
  it("makes node 0 the writer and the rest numbered readers", () => {
    expect(planNodes("demo", 3)).toEqual([
      { index: 0, role: "writer", name: "demo-writer" },
      { index: 1, role: "reader", name: "demo-reader-1" },
      { index: 2, role: "reader", name: "demo-reader-2" },
    ]);
  });

  it("keeps every name within GCE's and IAM's limits for the longest cluster name and node count", () => {
    const names = clusterNames("a".repeat(20), 16);
    const { nodes, dvidAccountId, nodeAccountId, bucketPrefix, ...gceNames } = names;
    for (const id of [dvidAccountId, nodeAccountId]) expect(id).toMatch(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/);
    expect(bucketPrefix.length + 8).toBeLessThanOrEqual(63);
    for (const name of [...Object.values(gceNames), ...nodes.map((n) => n.name)]) {
      expect(name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }
    expect(new Set(Object.values(gceNames)).size).toBe(Object.values(gceNames).length);
  });
});

describe("DVID TOML", () => {
  it("configures the writer on the gbucket store, listening on all interfaces, writable", () => {
    const toml = parseToml(renderDvidToml({ clusterName: "demo", node: WRITER, bucket: "demo-dvid-1a2b3c4d", port: 8000 })) as any;
    expect(toml.server.httpAddress).toBe(":8000");
    expect(toml.server.rpcAddress).toBe("localhost:8001");
    expect(toml.server.host).toBe("demo-writer");
    expect(toml.server.rwmode).toBeUndefined();
    expect(toml.store).toEqual({ bucket: { engine: "gbucket", bucket: "demo-dvid-1a2b3c4d" } });
    expect(toml.backend).toBeUndefined();
  });

  it("makes readers read-only", () => {
    const toml = parseToml(renderDvidToml({ clusterName: "demo", node: READER, bucket: "b", port: 9000 })) as any;
    expect(toml.server.rwmode).toBe("readonly");
    expect(toml.server.httpAddress).toBe(":9000");
    expect(toml.server.note).toContain("read-only; restarts by itself when the writer changes repo metadata");
  });
});

describe("VM start-up script", () => {
  it("renders the writer's script exactly as recorded", () => {
    expect(script(WRITER)).toMatchSnapshot();
  });

  it("renders the reader's script exactly as recorded", () => {
    expect(script(READER)).toMatchSnapshot();
  });

  it("fetches the key from Secret Manager with the VM's identity and mounts it for GOOGLE_APPLICATION_CREDENTIALS", () => {
    const text = script(WRITER);
    expect(text).toContain("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token");
    expect(text).toContain("https://secretmanager.googleapis.com/v1/projects/my-project/secrets/demo-dvid-key/versions/latest:access");
    expect(text).toContain("-v /var/lib/dvid:/dvid:ro");
    expect(text).toContain("-e GOOGLE_APPLICATION_CREDENTIALS=/dvid/key.json");
    expect(text).toContain("umask 077");
  });

  it("runs the container under systemd, publishing only the DVID port", () => {
    const text = script(WRITER);
    expect(text).toContain("cat > /etc/systemd/system/dvid.service");
    expect(text).toContain("Restart=always");
    expect(text).toContain("systemctl restart --no-block dvid.service");
    expect(text.match(/-p \d+:\d+/g)).toEqual(["-p 8000:8000"]);
    expect(text).not.toContain("--network host");
    expect(text).not.toContain("6060");
  });

  it("starts readers with -readonly and the writer without", () => {
    expect(renderDvidCommand(WRITER)).toEqual(["dvid", "-verbose", "serve", "/dvid/config.toml"]);
    expect(renderDvidCommand(READER)).toEqual(["dvid", "-verbose", "-readonly", "serve", "/dvid/config.toml"]);
    expect(script(READER)).toContain("  dvid -verbose -readonly serve /dvid/config.toml\n");
  });

  it("pulls through the helper (timeout, cached fallback) before every start; readers also wait for the bucket and record its metadata", () => {
    const preludes = (node: NodePlan) => script(node).split("\n").filter((line) => line.startsWith("ExecStartPre="));
    expect(preludes(WRITER)).toEqual([
      "ExecStartPre=-/usr/bin/docker rm -f dvid",
      "ExecStartPre=/bin/bash /var/lib/dvidcloud/node.sh pull-image",
    ]);
    expect(preludes(READER)).toEqual([
      "ExecStartPre=-/usr/bin/docker rm -f dvid",
      "ExecStartPre=/bin/bash /var/lib/dvidcloud/node.sh pull-image",
      "ExecStartPre=/bin/bash /var/lib/dvidcloud/node.sh wait-for-bucket",
      "ExecStartPre=/bin/bash /var/lib/dvidcloud/node.sh snapshot-metadata",
    ]);
  });

  it("runs the image preflight before starting DVID, so a bad image shows on the serial console at boot", () => {
    const text = script(WRITER);
    const preflight = text.indexOf("\n/bin/bash /var/lib/dvidcloud/node.sh pull-image");
    expect(preflight).toBeGreaterThan(text.indexOf("systemctl start docker.service"));
    expect(preflight).toBeLessThan(text.indexOf("systemctl restart --no-block dvid.service"));
  });

  it("installs and starts the metadata watcher on readers only", () => {
    expect(script(WRITER)).not.toContain("dvid-metadata-watch");
    const text = script(READER);
    expect(text).toContain("cat > /etc/systemd/system/dvid-metadata-watch.service");
    expect(text).toContain("ExecStart=/bin/bash /var/lib/dvidcloud/node.sh watch-metadata");
    expect(text).toMatch(/systemctl restart --no-block dvid-metadata-watch\.service\n$/);
  });

  it("gives DVID time to drain before docker kills it", () => {
    expect(script(WRITER)).toContain("ExecStop=/usr/bin/docker stop --time 30 dvid");
  });
});

describe("VM start-up script, run", () => {
  const run = promisify(execFile);
  const KEY_JSON = '{"type":"service_account","project_id":"my-project","private_key":"-----BEGIN PRIVATE KEY-----\\nMII…\\n"}';
  let server: Server;
  let base: string;
  let dir: string;
  let secretStatus = 200;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dvidcloud-startup-"));
    // Stand-ins for the metadata server and Secret Manager, answering as they do.
    server = createServer((req, res) => {
      if (req.url === "/token" && req.headers["metadata-flavor"] === "Google") {
        res.end(JSON.stringify({ access_token: "ya29.test-token", expires_in: 3599, token_type: "Bearer" }));
      } else if (req.url === "/secret" && req.headers.authorization === "Bearer ya29.test-token" && secretStatus === 200) {
        const data = Buffer.from(KEY_JSON).toString("base64");
        res.end(`{\n  "name": "projects/123/secrets/demo-dvid-key/versions/1",\n  "payload": {\n    "data": "${data}",\n    "dataCrc32c": "2701566497"\n  }\n}\n`);
      } else {
        res.statusCode = 403;
        res.end('{"error": {"code": 403, "status": "PERMISSION_DENIED"}}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the script's own fetch_key function with the URLs pointed at the stand-ins. */
  async function fetchKey(keyFile: string): Promise<number> {
    const fn = /^fetch_key\(\) \{[\s\S]*?^\}$/m.exec(script(WRITER))![0];
    const program = [
      "set -euo pipefail",
      "umask 077",
      `TOKEN_URL=${base}/token`,
      `SECRET_URL=${base}/secret`,
      `KEY_FILE=${keyFile}`,
      fn,
      "if fetch_key; then exit 0; else exit 3; fi",
    ].join("\n");
    try {
      await run("bash", ["-c", program], { timeout: 10_000 });
      return 0;
    } catch (err) {
      return (err as { code?: number }).code ?? -1;
    }
  }

  it("is valid bash", async () => {
    for (const node of [WRITER, READER]) await run("bash", ["-n", "-c", script(node)], { timeout: 10_000 });
  });

  it("writes the key file from Secret Manager's answer, readable by root only", async () => {
    secretStatus = 200;
    const keyFile = join(dir, "key.json");
    expect(await fetchKey(keyFile)).toBe(0);
    expect(await readFile(keyFile, "utf8")).toBe(KEY_JSON);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  it("fails without writing a key while the secret is not readable yet", async () => {
    secretStatus = 403;
    const keyFile = join(dir, "denied.json");
    expect(await fetchKey(keyFile)).toBe(3);
    await expect(stat(keyFile)).rejects.toThrow();
  });
});

describe("access rules", () => {
  it("admits Google's health-check and proxy ranges", () => {
    expect(GOOGLE_FRONT_END_RANGES).toEqual(["35.191.0.0/16", "130.211.0.0/22"]);
  });

  it("splits the allow-list into Cloud Armor rules of at most 10 ranges and ends with a deny-all default", () => {
    const ranges = Array.from({ length: 21 }, (_, i) => `10.${i}.0.0/16`);
    const rules = planArmorRules(ranges);
    expect(rules.map((r) => [r.priority, r.action, r.srcIpRanges.length])).toEqual([
      [1000, "allow", 10],
      [1001, "allow", 10],
      [1002, "allow", 1],
      [2147483647, "deny(403)", 1],
    ]);
    expect(rules.slice(0, 3).flatMap((r) => r.srcIpRanges)).toEqual(ranges);
  });
});
