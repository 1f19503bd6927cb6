// FsStore publishes a staged object on the calling thread when its key's lock is free at once
// (store/fs-store.ts, #publishNow); when another owner holds the lock it must wait for it as a
// put does, or a compare-and-swap of that other process could be overwritten.
import { afterAll, describe, expect, it } from "@jest/globals";
import { linkSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FsStore } from "../../local-dvid/store/fs-store.js";

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe("FsStore publish of a staged object", () => {
  it("waits while another owner holds the key's lock, then publishes over what that owner wrote", async () => {
    const dir = mkdtempSync(join(tmpdir(), "local-dvid-publish-"));
    tempDirs.push(dir);
    const a = new FsStore(dir);
    await a.put("k/first", Buffer.from("a")); // a's lock owner file exists: its publishes may go the synchronous way
    const ownersBefore = new Set(readdirSync(join(dir, "#owners")));
    const b = new FsStore(dir); // another owner (another node on the same store)
    const g1 = await b.put("k/x", Buffer.from("old"));
    const bOwner = readdirSync(join(dir, "#owners")).find((name) => !ownersBefore.has(name))!;
    // b holds k/x's lock, as in the middle of a compare-and-swap.
    const lock = join(dir, "k#", "x#lock");
    linkSync(join(dir, "#owners", bOwner), lock);
    const staged = await a.stage("k/x", Buffer.from("new"));
    let published: number | undefined;
    const publishing = staged.publish().then((g) => (published = g));
    await sleep(50);
    expect(published).toBeUndefined();
    expect((await a.get("k/x"))!.data.toString()).toBe("old");
    unlinkSync(lock);
    await publishing;
    const now = await a.get("k/x");
    expect(now!.data.toString()).toBe("new");
    expect(now!.generation).toBe(published);
    expect(published).toBeGreaterThan(g1);
    await a.close();
    await b.close();
  });
});
