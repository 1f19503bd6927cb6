// Against the real multi-process local cluster: one writer and two read-only readers, each its
// own process on its own port, sharing one store directory.
import { afterAll, beforeAll, describe, expect } from "@jest/globals";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalCluster, type LocalCluster } from "../../local-dvid/cluster.js";
import { tsxNodeArgs } from "../../local-dvid/cluster-tsx.js";
import { connect, type DvidClient, type Version } from "../../volume-client/index.js";
import { announceSkips, itLocal } from "./helpers/test-cluster.js";
import { firstMismatch, patternArray, valueAt } from "./helpers/volumes.js";
import type { BoxZyx } from "../../volume-client/wire/geometry.js";

announceSkips("cluster", "it starts its own multi-process local cluster");

let dir: string;
let cluster: LocalCluster | undefined;
let client: DvidClient;
let repo: Version;

beforeAll(async () => {
  if (process.env.DVID_URL) return;
  dir = await mkdtemp(join(tmpdir(), "vc-cluster-"));
  cluster = await startLocalCluster({ name: `vc-${process.pid}`, nodes: 3, storeDir: join(dir, "store"), stateDir: join(dir, "state"), readersReadonly: true });
  client = connect({ writer: cluster.writer, readers: cluster.readers }, { chunkBytes: 64 * 1024, concurrency: 4, retryDelayMs: 5 });
  repo = await client.createRepo({ alias: "cluster" });
}, 30_000);

afterAll(async () => {
  client?.close();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs concurrent-writer.ts in its own process and returns what it printed. */
function runWriter(job: object): Promise<{ ok: boolean; extension: boolean }> {
  const script = fileURLToPath(new URL("./helpers/concurrent-writer.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsxNodeArgs(script, [JSON.stringify(job)]), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!)) : reject(new Error(`writer exited ${code}: ${err}`))));
  });
}

describe("a multi-process local cluster", () => {
  itLocal("reads a volume written through the writer from every node, split into many sub-requests", async () => {
    const vol = await repo.createVolume("gray", "uint8", { blockSizeZyx: [32, 32, 32] });
    const box: BoxZyx = [[0, 96], [0, 128], [0, 128]];
    await vol.write([0, 0, 0], patternArray("uint8", box, 1));
    const sub: BoxZyx = [[3, 90], [-10, 100], [1, 128]];
    const before = client.requestCounts();
    const res = await vol.read(sub);
    expect(firstMismatch(res.data, sub, (z, y, x) => (y >= 0 ? valueAt("uint8", z, y, x, 1) : 0))).toBeUndefined();
    const after = client.requestCounts();
    for (const node of cluster!.nodes) expect((after[node.url] ?? 0) - (before[node.url] ?? 0)).toBeGreaterThan(2);
  });

  itLocal("finishes a read when a reader process is killed in the middle of it", async () => {
    const vol = repo.volume("gray");
    const box: BoxZyx = [[0, 96], [0, 128], [0, 128]];
    const victim = cluster!.nodes.find((n) => n.role === "reader")!;
    await vol.info();
    let killed = false;
    const before = client.requestsSent;
    const res = await vol.read(box, {
      chunkBytes: 32 * 1024,
      onProgress: (p) => {
        if (!killed && p.blocksDone >= 10) {
          killed = true;
          process.kill(victim.pid, "SIGKILL");
        }
      },
    });
    expect(killed).toBe(true);
    expect(firstMismatch(res.data, box, (z, y, x) => valueAt("uint8", z, y, x, 1))).toBeUndefined();
    // 48 sub-requests of one 32^3 block each; at least one more attempt means a failover happened.
    expect(client.requestsSent - before).toBeGreaterThan(48);
  });

  itLocal("loses no voxels when two processes patch the same blocks at once (server-side extension)", async () => {
    const vol = await repo.createVolume("shared", "uint32", { blockSizeZyx: [16, 16, 16] });
    // Process A writes odd z-planes' left part, B the right part of every plane: all share blocks.
    const boxesA: BoxZyx[] = [];
    const boxesB: BoxZyx[] = [];
    for (let z = 0; z < 32; z++) {
      boxesA.push([[z, z + 1], [0, 32], [0, 9]]);
      boxesB.push([[z, z + 1], [0, 32], [9, 32]]);
    }
    const common = { writer: cluster!.writer, uuid: repo.ref, name: "shared", dtype: "uint32" };
    const [a, b] = await Promise.all([runWriter({ ...common, boxes: boxesA, seed: 2 }), runWriter({ ...common, boxes: boxesB, seed: 3 })]);
    expect(a.extension && b.extension).toBe(true);
    const box: BoxZyx = [[0, 32], [0, 32], [0, 32]];
    const back = await vol.read(box);
    expect(firstMismatch(back.data, box, (z, y, x) => valueAt("uint32", z, y, x, x < 9 ? 2 : 3))).toBeUndefined();
  }, 30_000);
});
