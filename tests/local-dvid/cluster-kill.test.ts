// The writer of a local cluster SIGKILLed in the middle of a large POST: the other nodes keep
// answering, every block reads back either entirely old or entirely new, and the repo metadata
// in the store still parses and serves (here and from a node started afresh on the store).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { request } from "node:http";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startLocalCluster, type LocalCluster } from "../../local-dvid/cluster.js";
import { httpGet, httpPost } from "../helpers/http.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

const BLOCK = 64;
const [NX, NY, NZ] = [256, 256, 256]; // 64 blocks of 64^3 uint8, 16 MiB
const BLOCKS_X = NX / BLOCK;
const BLOCKS_Y = NY / BLOCK;
const BLOCKS_Z = NZ / BLOCK;

/** Every voxel of block (bx, by, bz) holds one value: 1…64 for the old volume, that + 128 for the new. */
function blockValue(bx: number, by: number, bz: number, generation: "old" | "new"): number {
  const value = 1 + bx + BLOCKS_X * (by + BLOCKS_Y * bz);
  return generation === "old" ? value : value + 128;
}

function volume(generation: "old" | "new"): Buffer {
  const data = Buffer.alloc(NX * NY * NZ);
  for (let z = 0; z < NZ; z++) {
    for (let y = 0; y < NY; y++) {
      for (let bx = 0; bx < BLOCKS_X; bx++) {
        const start = (z * NY + y) * NX + bx * BLOCK;
        data.fill(blockValue(bx, y >> 6, z >> 6, generation), start, start + BLOCK);
      }
    }
  }
  return data;
}

/** For each block, "old", "new" or "torn" (a mix, or a value of neither). */
function classifyBlocks(data: Buffer): string[] {
  const result: string[] = [];
  for (let bz = 0; bz < BLOCKS_Z; bz++) {
    for (let by = 0; by < BLOCKS_Y; by++) {
      for (let bx = 0; bx < BLOCKS_X; bx++) {
        const old = blockValue(bx, by, bz, "old");
        const fresh = blockValue(bx, by, bz, "new");
        const first = data[((bz * BLOCK) * NY + by * BLOCK) * NX + bx * BLOCK];
        let whole = first === old || first === fresh;
        for (let z = bz * BLOCK; whole && z < (bz + 1) * BLOCK; z++) {
          for (let y = by * BLOCK; whole && y < (by + 1) * BLOCK; y++) {
            const start = (z * NY + y) * NX + bx * BLOCK;
            for (let i = start; i < start + BLOCK; i++) {
              if (data[i] !== first) {
                whole = false;
                break;
              }
            }
          }
        }
        result.push(!whole ? "torn" : first === old ? "old" : "new");
      }
    }
  }
  return result;
}

/** How many block objects under `dir` were modified at or after `sinceMs` (temp files excluded). */
async function blocksWrittenSince(dir: string, sinceMs: number): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let count = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) count += await blocksWrittenSince(path, sinceMs);
    else if (/^\d+_\d+_\d+$/.test(entry.name)) {
      const mtime = await stat(path).then((s) => s.mtimeMs, () => 0);
      if (mtime >= sinceMs) count++;
    }
  }
  return count;
}

let stateDir: string;
let cluster: LocalCluster;
let fresh: LocalCluster | undefined;

beforeAll(async () => {
  stateDir = await createTempDir("cluster-kill");
  cluster = await startLocalCluster({ name: "kill", stateDir, adminToken: "secret" });
});

afterAll(async () => {
  await cluster.stop();
  await fresh?.stop();
  await removeTempDir(stateDir);
});

describe("a writer killed in the middle of a large POST", () => {
  it("leaves the readers answering, every block old or new, and the metadata readable", async () => {
    const created = await httpPost(`${cluster.writer}/api/repos?admintoken=secret`, JSON.stringify({ alias: "kill" }));
    expect(created.status).toBe(200);
    const uuid = (JSON.parse(created.text) as { root: string }).root;
    const instance = await httpPost(
      `${cluster.writer}/api/repo/${uuid}/instance`,
      JSON.stringify({ typename: "uint8blk", dataname: "grayscale", BlockSize: `${BLOCK},${BLOCK},${BLOCK}` }),
    );
    expect(instance.status).toBe(200);
    const rawPath = `/api/node/${uuid}/grayscale/raw/0_1_2/${NX}_${NY}_${NZ}/0_0_0`;
    expect((await httpPost(`${cluster.writer}${rawPath}`, volume("old"))).status).toBe(200);

    // POST the new volume and SIGKILL the writer while it is writing blocks: once a quarter of
    // them have been replaced (the server writes several at a time, so others are in flight).
    const writerPid = cluster.nodes[0]!.pid;
    const body = volume("new");
    await sleep(20); // file times are coarse: keep the old blocks' mtimes clearly before postStart
    const postStart = Date.now();
    const posted = new Promise<string>((resolve) => {
      const req = request(`${cluster.writer}${rawPath}`, { method: "POST", agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(`answered ${res.statusCode}`));
        res.on("error", () => resolve("cut"));
      });
      req.on("error", () => resolve("cut"));
      req.end(body);
    });
    const deadline = Date.now() + 5000;
    while ((await blocksWrittenSince(cluster.storeDir, postStart)) < 16 && Date.now() < deadline) await sleep(1);
    process.kill(writerPid, "SIGKILL");
    const outcome = await posted;

    for (const reader of cluster.readers) {
      expect((await httpGet(`${reader}/api/heartbeat`)).text).toBe("OK");
      const read = await httpGet(`${reader}${rawPath}`);
      expect(read.status).toBe(200);
      expect(read.body.length).toBe(NX * NY * NZ);
      const kinds = classifyBlocks(read.body);
      expect(kinds.filter((k) => k === "torn")).toEqual([]);
      // Reported, not asserted: how far the POST got before the kill.
      if (reader === cluster.readers[0]) {
        process.stdout.write(`kill during POST (${outcome}): ${kinds.filter((k) => k === "new").length} of ${kinds.length} blocks new\n`);
      }
      const repos = JSON.parse((await httpGet(`${reader}/api/repos/info`)).text) as Record<string, unknown>;
      expect(Object.keys(repos)).toContain(uuid);
      const info = await httpGet(`${reader}/api/node/${uuid}/grayscale/info`);
      expect(info.status).toBe(200);
      expect((JSON.parse(info.text) as { Base: { Name: string } }).Base.Name).toBe("grayscale");
    }

    // A node that loads everything from the store afresh sees the same repo and whole blocks.
    fresh = await startLocalCluster({ name: "kill-fresh", stateDir, nodes: 1, storeDir: cluster.storeDir });
    const info = await httpGet(`${fresh.writer}/api/repo/${uuid}/info`);
    expect(info.status).toBe(200);
    expect((JSON.parse(info.text) as { Alias: string }).Alias).toBe("kill");
    const again = await httpGet(`${fresh.writer}${rawPath}`);
    expect(classifyBlocks(again.body).filter((k) => k === "torn")).toEqual([]);
  });
});
