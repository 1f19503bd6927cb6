// up() of a local cluster with `local: { auth: true }`: the nodes require tokens, the token file
// is readable by the user alone and holds a token per role, and the cluster's client() works.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ndarray from "ndarray";
import { Cluster, down, EXIT, runCli, up } from "../../automation/index.js";
import { startLocalDvid } from "../../local-dvid/server.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import { connect, isVolumeClientError } from "../../volume-client/index.js";
import { captureIo, removeLocalStateDir } from "../helpers/local-clusters.js";
import { createTempDir } from "../helpers/temp-dir.js";

let stateDir: string;
beforeAll(async () => {
  stateDir = await createTempDir("auth");
});
afterAll(async () => {
  await removeLocalStateDir(stateDir);
});

async function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  return (await fetch(url, { headers })).status;
}

describe("a local cluster with auth", () => {
  let cluster: Cluster;
  afterAll(async () => {
    await cluster?.down();
  });

  it("starts nodes that refuse requests without a token, and hands its client the admin token", async () => {
    cluster = await up({ name: "auth-a", nodes: 2, local: { stateDir, auth: true } });
    const file = join(stateDir, "auth-a", "tokens");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, "utf8").split("\n").filter((l) => /^\w+:/.test(l));
    expect(lines.map((l) => l.split(":")[0])).toEqual(["read", "write", "admin"]);
    const token = (role: string): string => lines.find((l) => l.startsWith(`${role}:`))!.slice(role.length + 1);

    for (const node of cluster.endpoints.nodes) {
      expect(await statusOf(`${node}/api/heartbeat`)).toBe(200); // health checks need none
      expect(await statusOf(`${node}/api/repos/info`)).toBe(401);
      expect(await statusOf(`${node}/api/repos/info`, { authorization: `Bearer ${token("read")}` })).toBe(200);
    }
    // Nothing about the tokens is in what the handle shows.
    expect(JSON.stringify({ endpoints: cluster.endpoints, details: cluster.details })).not.toContain(token("admin"));

    const client = cluster.client();
    const repo = await client.createRepo({ alias: "auth" });
    const vol = await repo.createVolume("gray", "uint8", { blockSizeZyx: [16, 16, 16] });
    await vol.write([0, 0, 0], ndarray(new Uint8Array(16 ** 3).fill(7), [16, 16, 16]));
    expect((await vol.read([[0, 16], [0, 16], [0, 16]])).data[100]).toBe(7);

    // A client with only the read token reads, but may not write.
    const reader = connect({ writer: cluster.endpoints.writer, readers: [...cluster.endpoints.readers] }, { token: token("read") });
    try {
      const same = await reader.version(await repo.uuid()).openVolume("gray");
      expect((await same.read([[0, 16], [0, 16], [0, 16]])).data[0]).toBe(7);
      const err = await same.write([0, 0, 0], ndarray(new Uint8Array(16 ** 3), [16, 16, 16])).catch((e: unknown) => e);
      expect(isVolumeClientError(err) && err.status).toBe(403);
    } finally {
      reader.close();
    }
  }, 120_000);

  it("refuses a non-boolean auth, naming it", async () => {
    await expect(up({ name: "auth-b", local: { stateDir, auth: "yes" as unknown as boolean } })).rejects.toThrow("local.auth");
  });
});

describe("dvidcloud up --auth", () => {
  it("starts a cluster that needs tokens and says where they are, never what they are", async () => {
    const io = captureIo();
    try {
      const code = await runCli(["up", "auth-c", "--nodes", "1", "--state-dir", stateDir, "--auth"], io);
      expect(code).toBe(EXIT.ok);
      const file = join(stateDir, "auth-c", "tokens");
      expect(io.out).toContain(`tokens (read, write, admin): ${file}; clients send one as DVIDCLOUD_TOKEN`);
      const tokens = readFileSync(file, "utf8").split("\n").filter((l) => /^\w+:/.test(l)).map((l) => l.slice(l.indexOf(":") + 1));
      expect(tokens).toHaveLength(3);
      for (const t of tokens) expect(io.out + io.err).not.toContain(t);
      const writer = (/writer +(http:\/\/\S+)/.exec(io.out) ?? [])[1]!;
      expect(await statusOf(`${writer}/api/repos/info`)).toBe(401);
      expect(await statusOf(`${writer}/api/repos/info`, { authorization: `Bearer ${tokens[0]}` })).toBe(200);
    } finally {
      await down("auth-c", { local: { stateDir } });
    }
  }, 120_000);
});

describe("a cluster handle without a token of its own", () => {
  it("sends DVIDCLOUD_TOKEN from the environment, as the CLI's client does", async () => {
    const token = "env-admin-token-0123456789";
    const node = await startLocalDvid({ store: new MemoryStore(), tokens: [{ role: "admin", token }] });
    const saved = process.env.DVIDCLOUD_TOKEN;
    const handle = (): Cluster =>
      new Cluster({ name: "env", target: "local", endpoints: { writer: node.url, readers: [], nodes: [node.url] }, details: {}, defaultHealthTimeoutMs: 5000, stop: async () => {} });
    try {
      delete process.env.DVIDCLOUD_TOKEN;
      const without = handle().client();
      const err = await without.listRepos().catch((e: unknown) => e);
      expect(isVolumeClientError(err) && err.status).toBe(401);
      without.close();
      process.env.DVIDCLOUD_TOKEN = token;
      const withEnv = handle().client();
      expect(await withEnv.listRepos()).toEqual([]);
      withEnv.close();
    } finally {
      if (saved === undefined) delete process.env.DVIDCLOUD_TOKEN;
      else process.env.DVIDCLOUD_TOKEN = saved;
      await node.close();
    }
  });
});
