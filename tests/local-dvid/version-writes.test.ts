// The write gate of a version (meta/version-writes.ts), over both stores: a commit waits for the
// writes that entered before it and refuses the ones after, forgets writers whose process died,
// and a gate left closing by a dead committer is reopened.
import { afterAll, describe, expect, it } from "@jest/globals";
import { rmSync } from "node:fs";
import { VersionWrites, writesKey } from "../../local-dvid/meta/version-writes.js";
import { deadPid } from "../helpers/child-process.js";
import { storeKinds } from "./store-kinds.js";

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

const locked = (): Error => new Error("locked");
const notLockedInRepo = async (): Promise<boolean> => false;

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "accepted";
  } catch (err) {
    return (err as Error).message;
  }
}

describe.each(storeKinds("local-dvid-gate-", tempDirs))("%s", (_name, makeStore) => {
  it("lets a write that entered before a commit finish first, and refuses writes once the commit began", async () => {
    const store = makeStore();
    const a = new VersionWrites(store);
    const b = new VersionWrites(store); // another node on the same store
    let finishWrite!: () => void;
    const writing = new Promise<void>((resolve) => (finishWrite = resolve));
    const events: string[] = [];
    let entered!: () => void;
    const inGate = new Promise<void>((resolve) => (entered = resolve));
    const write = a.write("v1", locked, notLockedInRepo, async () => {
      entered();
      await writing;
      events.push("write published");
    });
    await inGate;
    const commit = b.commit("v1", locked, async () => {
      events.push("node locked");
    });
    // The commit has closed the gate (or is about to): a new write cannot get in while it waits.
    let refused = "accepted";
    for (let i = 0; i < 1000 && refused === "accepted"; i++) {
      refused = await refusal(a.write("v1", locked, notLockedInRepo, async () => void events.push("late write published")));
      if (refused === "accepted") events.pop(); // entered before the commit closed the gate: fine, try again
    }
    expect(refused).toBe("locked");
    expect(events).toEqual([]);
    finishWrite();
    await write;
    await commit;
    expect(events).toEqual(["write published", "node locked"]);
    expect(await refusal(b.write("v1", locked, notLockedInRepo, async () => undefined))).toBe("locked");
    expect(await refusal(a.commit("v1", locked, async () => undefined))).toBe("locked");
    // Another version is not affected.
    expect(await refusal(a.write("v2", locked, notLockedInRepo, async () => undefined))).toBe("accepted");
    await store.close();
  });

  it("lets concurrent writes of one process share one entry in the gate, removed when the last of them ends", async () => {
    const store = makeStore();
    const gate = new VersionWrites(store);
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    let inside = 0;
    let allInside!: () => void;
    const entered = new Promise<void>((resolve) => (allInside = resolve));
    const writes = Array.from({ length: 3 }, () =>
      gate.write("v1", locked, notLockedInRepo, async () => {
        if (++inside === 3) allInside();
        await finishing;
      }),
    );
    await entered;
    const during = JSON.parse((await store.get(writesKey("v1")))!.data.toString()) as { writers: Record<string, string> };
    expect(Object.keys(during.writers)).toHaveLength(1);
    finish();
    await Promise.all(writes);
    expect(JSON.parse((await store.get(writesKey("v1")))!.data.toString())).toEqual({ state: "open", writers: {} });
    // A commit now finds no writer, and the next write gets the locked refusal.
    await gate.commit("v1", locked, async () => undefined);
    expect(await refusal(gate.write("v1", locked, notLockedInRepo, async () => undefined))).toBe("locked");
    await store.close();
  });

  it("does not wait for a writer whose process is dead, and reopens a gate whose committer died before locking the node", async () => {
    const store = makeStore();
    const gate = new VersionWrites(store);
    const dead = String(await deadPid());
    await store.put(writesKey("v1"), Buffer.from(JSON.stringify({ state: "open", writers: { x: dead } })));
    await gate.commit("v1", locked, async () => undefined);
    expect(JSON.parse((await store.get(writesKey("v1")))!.data.toString())).toEqual({ state: "locked", writers: {} });

    await store.put(writesKey("v2"), Buffer.from(JSON.stringify({ state: "closing", closer: `${dead}/x`, writers: {} })));
    // The repo shows the node locked: still refused. Not locked: the gate reopens.
    expect(await refusal(gate.write("v2", locked, async () => true, async () => undefined))).toBe("locked");
    expect(await refusal(gate.write("v2", locked, notLockedInRepo, async () => undefined))).toBe("accepted");
    await store.close();
  });

  it("reopens the gate when locking the node in the repo fails, so writes go on", async () => {
    const store = makeStore();
    const gate = new VersionWrites(store);
    expect(await refusal(gate.commit("v1", locked, async () => Promise.reject(new Error("repo refused"))))).toBe("repo refused");
    expect(await refusal(gate.write("v1", locked, notLockedInRepo, async () => undefined))).toBe("accepted");
    await store.close();
  });
});
