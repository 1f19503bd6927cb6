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

  it("gives a published object a generation above every one its key had: over a newer put, and after a delete", async () => {
    const dir = mkdtempSync(join(tmpdir(), "local-dvid-publish-"));
    tempDirs.push(dir);
    const store = new FsStore(dir);
    await store.put("k/warm", Buffer.from("w"));
    // Staged first, then the key is written twice: the publish must still come out above both.
    const staged = await store.stage("k/a", Buffer.from("staged"));
    await store.put("k/a", Buffer.from("one"));
    const newer = await store.put("k/a", Buffer.from("two"));
    const g = await staged.publish();
    expect(g).toBeGreaterThan(newer);
    expect(await store.get("k/a")).toEqual({ data: Buffer.from("staged"), generation: g });
    // Staged, then the key written and deleted: the new object is above what the deleted one had.
    const again = await store.stage("k/b", Buffer.from("staged"));
    const gone = await store.put("k/b", Buffer.from("soon deleted"));
    expect(await store.delete("k/b")).toBe(true);
    const g2 = await again.publish();
    expect(g2).toBeGreaterThan(gone);
    expect(await store.get("k/b")).toEqual({ data: Buffer.from("staged"), generation: g2 });
    // Staged over an existing older object: the publish is above it too.
    const old = await store.put("k/c", Buffer.from("old"));
    const third = await store.stage("k/c", Buffer.from("new"));
    const g3 = await third.publish();
    expect(g3).toBeGreaterThan(old);
    expect((await store.get("k/c"))?.generation).toBe(g3);
    await store.close();
  });
});
