// Two writable nodes on one filesystem store, one of them paused (SIGSTOP) in the middle of a
// compare-and-swap: a block patch, or a node-log append. The other node's writes wait for the
// paused one instead of breaking its lock, so when it resumes nobody's acknowledged change is
// lost. The pause is the store's test hook (LOCAL_DVID_TEST_PAUSE_AT), not timing.
import { afterAll, afterEach, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { startLocalDvid, type RunningLocalDvid } from "../../local-dvid/server.js";
import { FsStore } from "../../local-dvid/store/fs-store.js";
import { killChild, spawnTsx, type TsxChild } from "../helpers/child-process.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";
import { agent, newInstance, newRepo, rawPath, request, type Reply } from "./server-helpers.js";

const CLI = fileURLToPath(new URL("../../local-dvid/cli.ts", import.meta.url));
const dirs: string[] = [];
let child: TsxChild | undefined;
let nodeB: RunningLocalDvid | undefined;
let storeB: FsStore | undefined;

afterEach(async () => {
  if (child) child.child.kill("SIGCONT");
  await killChild(child);
  child = undefined;
  await nodeB?.close();
  await storeB?.close();
  nodeB = undefined;
  storeB = undefined;
});
afterAll(async () => {
  agent.destroy();
  await Promise.all(dirs.map(removeTempDir));
});

function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

/** Node B in this process, and a repo with a uint8blk instance made through it. */
async function setUp(): Promise<{ dir: string; root: string; dataUUID: string }> {
  const dir = await createTempDir("paused-writer");
  dirs.push(dir);
  storeB = new FsStore(dir);
  nodeB = await startLocalDvid({ store: storeB, port: 0 });
  const root = await newRepo(nodeB.url);
  await newInstance(nodeB.url, root, "uint8blk", "grayscale", { BlockSize: "32,32,32" });
  const info = await request(`${nodeB.url}/api/node/${root}/grayscale/info`);
  return { dir, root, dataUUID: info.json().Base.DataUUID as string };
}

/** Node A as its own process, set to stop itself inside its first compare-and-swap of `key`. */
async function startPausingNode(dir: string, key: string): Promise<string> {
  child = spawnTsx(CLI, ["--store", dir, "--port", "0"], { env: { ...process.env, LOCAL_DVID_TEST_PAUSE_AT: `locked:${key}` } });
  const line = await child.waitForLine((l) => l.includes('"listening"'));
  return JSON.parse(line).url as string;
}

/** Waits until node A has stopped itself. */
async function untilPaused(): Promise<void> {
  while (processState(child!.child.pid!) !== "T") await sleep(5);
}

/** Whether node B's `work` settles within 6 s: long enough to break a lock the old way (after 5 s). */
async function settlesWhilePaused(work: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void work.finally(() => (settled = true)).catch(() => undefined);
  await Promise.race([work, sleep(6000)]).catch(() => undefined);
  return settled;
}

describe("a node paused in the middle of a compare-and-swap", () => {
  it("loses no acknowledged voxel: two writable nodes patch disjoint voxels of one block, one paused mid-swap", async () => {
    const { dir, root, dataUUID } = await setUp();
    const urlA = await startPausingNode(dir, `blocks/${dataUUID}/${root}/0_0_0`);
    const patch = (url: string, offset: number, value: number): Promise<Reply> =>
      request(`${url}${rawPath(root, "grayscale", [8, 8, 8], [offset, offset, offset])}?nonaligned=true`, {
        method: "POST",
        body: Buffer.alloc(512, value),
      });
    const fromA = patch(urlA, 0, 1);
    await untilPaused();
    const fromB = patch(nodeB!.url, 16, 2);
    expect(await settlesWhilePaused(fromB)).toBe(false); // B waits for A's lock
    child!.child.kill("SIGCONT");
    expect([(await fromA).status, (await fromB).status]).toEqual([200, 200]);
    for (const url of [urlA, nodeB!.url]) {
      const block = (await request(`${url}${rawPath(root, "grayscale", [32, 32, 32], [0, 0, 0])}`)).body;
      expect([block[0], block[16 + 16 * 32 + 16 * 32 * 32], block[31 + 31 * 32 + 31 * 32 * 32]]).toEqual([1, 2, 0]);
    }
  }, 60_000);

  it("loses no acknowledged node-log entry: appends through the other node wait for the paused one", async () => {
    const { dir, root } = await setUp();
    const urlA = await startPausingNode(dir, `repos/${root}.json`);
    const append = (url: string, entry: string): Promise<Reply> =>
      request(`${url}/api/node/${root}/log`, { method: "POST", body: { log: [entry] } });
    const fromA = append(urlA, "from A");
    await untilPaused();
    const fromB = Promise.all(Array.from({ length: 10 }, (_, i) => append(nodeB!.url, `from B ${i}`)));
    expect(await settlesWhilePaused(fromB)).toBe(false);
    child!.child.kill("SIGCONT");
    expect((await fromA).status).toBe(200);
    expect((await fromB).map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const url of [urlA, nodeB!.url]) {
      const log = (await request(`${url}/api/node/${root}/log`)).json().log as string[];
      expect(log).toHaveLength(11);
    }
  }, 60_000);
});
