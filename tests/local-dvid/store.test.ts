// One conformance suite over every ObjectStore (MemoryStore, FsStore), then what only the
// filesystem store must do: hold across processes and survive writers killed midway.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { LocalDvidError, isLocalDvidError } from "../../local-dvid/errors.js";
import { FsStore } from "../../local-dvid/store/fs-store.js";
import { LockOwner } from "../../local-dvid/store/fs-key-lock.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import type { ObjectStore } from "../../local-dvid/store/object-store.js";
import { updateWithRetry } from "../../local-dvid/store/update-with-retry.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";
import { deadPid, helperScript, killChild, spawnTsx, type TsxChild } from "../helpers/child-process.js";
import { expectCode } from "../helpers/expect-local-error.js";

/** The state letter of a process (/proc/<pid>/stat field 3): "T" when stopped. */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}


const bytes = (text: string): Buffer => Buffer.from(text, "utf8");

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map(removeTempDir));
});

async function newFsStore(options?: ConstructorParameters<typeof FsStore>[1]): Promise<FsStore> {
  const dir = await createTempDir("store");
  tempDirs.push(dir);
  return new FsStore(dir, options);
}

describe.each([
  ["MemoryStore", async (): Promise<ObjectStore> => new MemoryStore()],
  ["FsStore", async (): Promise<ObjectStore> => newFsStore()],
])("%s", (_name, makeStore) => {
  let store: ObjectStore;
  beforeEach(async () => {
    store = await makeStore();
  });
  afterEach(async () => {
    await store.close();
  });

  it("returns undefined from get and readInto for a key that was never put", async () => {
    expect(await store.get("nothing/here")).toBeUndefined();
    expect(await store.readInto("nothing/here", new Uint8Array(4), 0)).toBeUndefined();
  });

  it("returns the bytes and the generation of the last put", async () => {
    const generation = await store.put("meta/repo", bytes("hello"));
    const obj = await store.get("meta/repo");
    expect(obj?.data.toString("utf8")).toBe("hello");
    expect(obj?.generation).toBe(generation);
  });

  it("stores and returns an empty object", async () => {
    await store.put("empty", new Uint8Array(0));
    const obj = await store.get("empty");
    expect(obj?.data.length).toBe(0);
    expect(await store.readInto("empty", new Uint8Array(0), 0)).toBe(0);
  });

  it("stores a copy: changing the source after put or the result of get does not change the object", async () => {
    const source = bytes("abc");
    await store.put("k", source);
    source[0] = 0x7a;
    const first = await store.get("k");
    first!.data[1] = 0x7a;
    expect((await store.get("k"))?.data.toString("utf8")).toBe("abc");
  });

  it("replaces the whole object on overwrite, also with a shorter one", async () => {
    await store.put("k", Buffer.alloc(1000, 1));
    await store.put("k", bytes("xy"));
    expect((await store.get("k"))?.data).toEqual(bytes("xy"));
  });

  it("round-trips a 5 MiB object byte for byte", async () => {
    const data = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >> 11)) & 0xff;
    await store.put("blocks/big", data);
    expect((await store.get("blocks/big"))?.data.equals(data)).toBe(true);
  });

  it("gives every put a new, increasing, non-zero generation", async () => {
    const generations: number[] = [];
    for (let i = 0; i < 5; i++) generations.push(await store.put("k", bytes(String(i))));
    expect(generations.every((g) => Number.isSafeInteger(g) && g > 0)).toBe(true);
    for (let i = 1; i < generations.length; i++) expect(generations[i]).toBeGreaterThan(generations[i - 1]!);
  });

  it("puts with a matching ifGenerationMatch and returns the new generation", async () => {
    const g1 = await store.put("k", bytes("one"));
    const g2 = await store.put("k", bytes("two"), { ifGenerationMatch: g1 });
    expect(g2).not.toBe(g1);
    expect(await store.get("k")).toEqual({ data: bytes("two"), generation: g2 });
  });

  it("refuses a put with a stale ifGenerationMatch and leaves the object unchanged", async () => {
    const g1 = await store.put("k", bytes("one"));
    const g2 = await store.put("k", bytes("two"));
    await expectCode(store.put("k", bytes("three"), { ifGenerationMatch: g1 }), "PRECONDITION_FAILED");
    expect(await store.get("k")).toEqual({ data: bytes("two"), generation: g2 });
  });

  it("refuses an ifGenerationMatch that is not a non-negative integer with INVALID_OPTION, before anything changes", async () => {
    await expectCode(store.put("k", bytes("x"), { ifGenerationMatch: 1.5 }), "INVALID_OPTION");
    await expectCode(store.delete("k", { ifGenerationMatch: -1 }), "INVALID_OPTION");
    expect(await store.get("k")).toBeUndefined();
  });

  it("treats ifGenerationMatch 0 as 'must not exist'", async () => {
    const g = await store.put("k", bytes("first"), { ifGenerationMatch: 0 });
    await expectCode(store.put("k", bytes("second"), { ifGenerationMatch: 0 }), "PRECONDITION_FAILED");
    expect(await store.get("k")).toEqual({ data: bytes("first"), generation: g });
    await expectCode(store.put("missing", bytes("x"), { ifGenerationMatch: g }), "PRECONDITION_FAILED");
    expect(await store.get("missing")).toBeUndefined();
  });

  it("never reuses a generation of a deleted object, so a stale compare-and-swap fails", async () => {
    const old = await store.put("k", bytes("old"));
    await store.delete("k");
    const recreated = await store.put("k", bytes("new"));
    expect(recreated).toBeGreaterThan(old);
    await expectCode(store.put("k", bytes("stale"), { ifGenerationMatch: old }), "PRECONDITION_FAILED");
    expect((await store.get("k"))?.data.toString()).toBe("new");
  });

  it("deletes a key once: true, then false, and get returns undefined", async () => {
    await store.put("k", bytes("x"));
    expect(await store.delete("k")).toBe(true);
    expect(await store.get("k")).toBeUndefined();
    expect(await store.delete("k")).toBe(false);
  });

  it("deletes conditionally: a stale generation fails and keeps the object, the current one deletes it", async () => {
    const g1 = await store.put("k", bytes("a"));
    const g2 = await store.put("k", bytes("b"));
    await expectCode(store.delete("k", { ifGenerationMatch: g1 }), "PRECONDITION_FAILED");
    expect(await store.get("k")).toEqual({ data: bytes("b"), generation: g2 });
    expect(await store.delete("k", { ifGenerationMatch: g2 })).toBe(true);
    expect(await store.get("k")).toBeUndefined();
  });

  it("lists keys with a prefix in lexicographic order, a key and keys below it side by side", async () => {
    const keys = ["a/b", "a-b", "a", "a/b/c", "a/a", "b", "ab/x", "a/b0"];
    for (const key of keys) await store.put(key, bytes(key));
    expect(await store.list("")).toEqual([...keys].sort());
    expect(await store.list("a/")).toEqual(["a/a", "a/b", "a/b/c", "a/b0"]);
    expect(await store.list("a/b")).toEqual(["a/b", "a/b/c", "a/b0"]);
    expect(await store.list("a")).toEqual(["a", "a-b", "a/a", "a/b", "a/b/c", "a/b0", "ab/x"]);
    expect(await store.list("zzz")).toEqual([]);
    expect(await store.list("nope/deeper/")).toEqual([]);
    expect((await store.get("a"))?.data.toString()).toBe("a");
    expect((await store.get("a/b/c"))?.data.toString()).toBe("a/b/c");
    await store.delete("a/b");
    expect(await store.list("a/b")).toEqual(["a/b/c", "a/b0"]);
  });

  it("reads into a target at an offset and returns the object's length", async () => {
    await store.put("k", bytes("wxyz"));
    const target = new Uint8Array(10).fill(0xee);
    expect(await store.readInto("k", target, 3)).toBe(4);
    expect(Buffer.from(target).toString("hex")).toBe("eeeeee7778797aeeeeee");
    // A view into a larger buffer: the offset is relative to the view.
    const backing = new Uint8Array(16);
    expect(await store.readInto("k", backing.subarray(8), 2)).toBe(4);
    expect(Buffer.from(backing.subarray(10, 14)).toString()).toBe("wxyz");
  });

  it("refuses readInto with OBJECT_TOO_LARGE when the object does not fit, and leaves the target alone", async () => {
    await store.put("k", bytes("12345"));
    const target = new Uint8Array(8).fill(9);
    await expectCode(store.readInto("k", target, 4), "OBJECT_TOO_LARGE");
    expect([...target]).toEqual([9, 9, 9, 9, 9, 9, 9, 9]);
    expect(await store.readInto("k", target, 3)).toBe(5);
  });

  it("tells whether any key starts with a prefix, through nested segments and after deletes", async () => {
    expect(await store.hasPrefix("blocks/")).toBe(false);
    await store.put("blocks/a/v1/0_0_0", bytes("x"));
    expect(await store.hasPrefix("blocks/")).toBe(true);
    expect(await store.hasPrefix("blocks/a/v1/")).toBe(true);
    expect(await store.hasPrefix("blocks/a/v1/0_")).toBe(true);
    expect(await store.hasPrefix("blocks/a/v2/")).toBe(false);
    expect(await store.hasPrefix("blocks/a/v1/1_")).toBe(false);
    expect(await store.hasPrefix("")).toBe(true);
    await store.delete("blocks/a/v1/0_0_0");
    expect(await store.hasPrefix("blocks/")).toBe(false); // empty directories left behind hold no key
  });

  it("reads a slice of an object with the object's size and the generation of the same version", async () => {
    const g = await store.put("k", bytes("0123456789"));
    const target = new Uint8Array(8).fill(0xee);
    expect(await store.readSlice("k", target, 2, { start: 3, length: 4 })).toEqual({ size: 10, generation: g });
    expect(Buffer.from(target).toString("latin1")).toBe("\xee\xee3456\xee\xee");
    const whole = new Uint8Array(10);
    expect(await store.readSlice("k", whole, 0)).toEqual({ size: 10, generation: g });
    expect(Buffer.from(whole).toString()).toBe("0123456789");
    // The pair feeds a compare-and-swap.
    const g2 = await store.put("k", bytes("abcdefghij"), { ifGenerationMatch: g });
    expect((await store.readSlice("k", new Uint8Array(0), 0, { start: 10, length: 0 }))?.generation).toBe(g2);
    expect(await store.readSlice("missing", whole, 0)).toBeUndefined();
  });

  it("refuses a slice past the end with INVALID_OPTION and one without room with OBJECT_TOO_LARGE, leaving the target alone", async () => {
    await store.put("k", bytes("0123456789"));
    const target = new Uint8Array(6).fill(7);
    await expectCode(store.readSlice("k", target, 0, { start: 8, length: 3 }), "INVALID_OPTION");
    await expectCode(store.readSlice("k", target, 0, { start: -1, length: 2 }), "INVALID_OPTION");
    await expectCode(store.readSlice("k", target, 3, { start: 0, length: 4 }), "OBJECT_TOO_LARGE");
    await expectCode(store.readSlice("k", target, 0), "OBJECT_TOO_LARGE");
    expect([...target]).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it.each([
    ["an empty key", ""],
    ["an empty segment", "a//b"],
    ["a parent segment", "../x"],
    ["a leading slash", "/a"],
    ["a trailing slash", "a/"],
    ["a lone dot", "."],
    ["a dot segment", "a/./b"],
    ["a parent segment inside", "a/../b"],
    ["a space", "a b"],
    ["a non-ASCII letter", "é"],
    ["a backslash", "a\\b"],
    ["1025 characters", "x".repeat(1025)],
  ])("rejects a key with %s with INVALID_KEY in get, readInto, put and delete", async (_what, key) => {
      await expectCode(store.get(key), "INVALID_KEY");
      await expectCode(store.readInto(key, new Uint8Array(4), 0), "INVALID_KEY");
      await expectCode(store.put(key, bytes("x")), "INVALID_KEY");
      await expectCode(store.delete(key), "INVALID_KEY");
  });

  it("refuses every operation after close with STORE_CLOSED", async () => {
    await store.put("k", bytes("x"));
    await store.close();
    await expectCode(store.get("k"), "STORE_CLOSED");
    await expectCode(store.readInto("k", new Uint8Array(4), 0), "STORE_CLOSED");
    await expectCode(store.put("k", bytes("y")), "STORE_CLOSED");
    await expectCode(store.delete("k"), "STORE_CLOSED");
    await expectCode(store.list(""), "STORE_CLOSED");
  });

  it("counts every increment of 20 async tasks doing compare-and-swap on one counter (no lost update)", async () => {
    const tasks = 20;
    const perTask = 10;
    let conflicts = 0;
    const increment = async (): Promise<void> => {
      for (;;) {
        const current = await store.get("counter");
        const value = current === undefined ? 0 : Number(current.data.toString());
        try {
          await store.put("counter", bytes(String(value + 1)), { ifGenerationMatch: current?.generation ?? 0 });
          return;
        } catch (err) {
          if (!isLocalDvidError(err, "PRECONDITION_FAILED")) throw err;
          conflicts++;
        }
      }
    };
    await Promise.all(
      Array.from({ length: tasks }, async () => {
        for (let i = 0; i < perTask; i++) await increment();
      }),
    );
    expect((await store.get("counter"))?.data.toString()).toBe(String(tasks * perTask));
    expect(conflicts).toBeGreaterThan(0); // the tasks did race
  });

  it("keeps a staged object invisible to get, list and hasPrefix until it is published, then it is a put", async () => {
    const g0 = await store.put("stage/a", bytes("old"));
    const staged = await store.stage!("stage/a", bytes("new"));
    const fresh = await store.stage!("stage/b/c", bytes("b"));
    expect((await store.get("stage/a"))?.data.toString()).toBe("old");
    expect(await store.list("stage/")).toEqual(["stage/a"]);
    expect(await store.hasPrefix("stage/b")).toBe(false);
    const g1 = await staged.publish({ ifGenerationMatch: g0 });
    expect(g1).toBeGreaterThan(g0);
    expect(await store.get("stage/a")).toEqual({ data: bytes("new"), generation: g1 });
    await fresh.publish();
    expect(await store.list("stage/")).toEqual(["stage/a", "stage/b/c"]);
    await expectCode(staged.publish(), "INVALID_OPTION");
  });

  it("leaves a staged object unpublished when its ifGenerationMatch is stale, and discard drops it", async () => {
    const g0 = await store.put("stage/a", bytes("old"));
    const staged = await store.stage!("stage/a", bytes("new"));
    await store.put("stage/a", bytes("other"));
    await expectCode(staged.publish({ ifGenerationMatch: g0 }), "PRECONDITION_FAILED");
    expect((await store.get("stage/a"))?.data.toString()).toBe("other");
    await staged.discard();
    await expectCode(staged.publish(), "INVALID_OPTION");
    expect((await store.get("stage/a"))?.data.toString()).toBe("other");
  });

  describe("updateWithRetry", () => {
    const addOne = (rounds: { n: number }) => async () => {
      rounds.n++;
      const current = await store.get("counter");
      const value = current === undefined ? 0 : Number(current.data.toString());
      return { generation: current?.generation ?? 0, data: bytes(String(value + 1)), result: value + 1 };
    };

    it("keeps every change of 20 concurrent updaters of one object, retrying the ones that lost a race", async () => {
      const rounds = { n: 0 };
      const results = await Promise.all(
        Array.from({ length: 20 }, () => updateWithRetry(store, "counter", addOne(rounds), { what: "the counter" })),
      );
      expect((await store.get("counter"))?.data.toString()).toBe("20");
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(rounds.n).toBeGreaterThan(20); // some rounds lost and ran again
    });

    it("writes nothing when a round finds the object already as wanted", async () => {
      const generation = await store.put("k", bytes("same"));
      const result = await updateWithRetry(store, "k", async () => ({ generation, data: undefined, result: "kept" }), { what: "k" });
      expect(result).toBe("kept");
      expect((await store.get("k"))?.generation).toBe(generation);
    });

    it("gives up with RETRIES_EXHAUSTED naming what kept changing after maxAttempts lost races", async () => {
      let rounds = 0;
      const interfered = updateWithRetry(
        store,
        "k",
        async () => {
          rounds++;
          const generation = (await store.get("k"))?.generation ?? 0;
          await store.put("k", bytes(`other writer ${rounds}`)); // another writer gets in first, every time
          return { generation, data: bytes("mine"), result: undefined };
        },
        { what: "the test object", maxAttempts: 3, maxDelayMs: 1 },
      );
      await expect(interfered).rejects.toThrow("the test object kept changing during 3 attempts; retry");
      await expectCode(interfered, "RETRIES_EXHAUSTED");
      expect(rounds).toBe(3);
      expect((await store.get("k"))?.data.toString()).toBe("other writer 3");
    });

    it("ends with the error a round throws, writing nothing", async () => {
      const refused = updateWithRetry(
        store,
        "k",
        async () => {
          throw new LocalDvidError("NOT_FOUND", "nothing to update");
        },
        { what: "k" },
      );
      await expectCode(refused, "NOT_FOUND");
      expect(await store.get("k")).toBeUndefined();
    });
  });
});

describe("FsStore key locks", () => {
  it("never lets two owners hold one lock at once while they take and release it thousands of times", async () => {
    // A regression test: a waiter that read a lock just as its owner released it, and then saw
    // the same owner take it again (a lock's inode is its owner's), used to break the fresh lock
    // (9 overlaps in 8000 takings before the fix).
    const dir = await createTempDir("locks");
    tempDirs.push(dir);
    const owners = [0, 1, 2, 3].map(() => new LockOwner(join(dir, "#owners")));
    let inside = 0;
    let overlaps = 0;
    let takings = 0;
    await Promise.all(
      owners.map(async (owner) => {
        for (let i = 0; i < 2000; i++) {
          const lock = await owner.acquire(join(dir, "k#lock"), { timeoutMs: 30000, what: "key k" });
          if (inside++ > 0) overlaps++;
          takings++;
          await new Promise((resolve) => setImmediate(resolve));
          inside--;
          await lock.release();
        }
      }),
    );
    await Promise.all(owners.map((o) => o.dispose()));
    expect({ overlaps, takings }).toEqual({ overlaps: 0, takings: 8000 });
  });
});

describe("FsStore across processes", () => {
  let children: TsxChild[] = [];
  afterEach(async () => {
    await Promise.all(children.map(killChild));
    children = [];
  });

  it("sees objects written by another store instance on the same directory, with their generations", async () => {
    const a = await newFsStore();
    const b = new FsStore(a.rootDir);
    const g = await a.put("meta/x", bytes("from a"));
    expect(await b.get("meta/x")).toEqual({ data: bytes("from a"), generation: g });
    await expectCode(b.put("meta/x", bytes("stale"), { ifGenerationMatch: g - 1 }), "PRECONDITION_FAILED");
    await a.close();
    await b.close();
  });

  it("counts every compare-and-swap increment of 3 processes on one counter exactly once", async () => {
    const store = await newFsStore();
    const perChild = 60;
    const go = join(store.rootDir, "#go"); // "#": never taken for an object
    children = [0, 1, 2].map(() => spawnTsx(helperScript("store-cas-child.ts"), [store.rootDir, "meta/counter", String(perChild), go]));
    await Promise.all(children.map((c) => c.waitForLine((line) => line === "ready")));
    await writeFile(go, "");
    const results = await Promise.all(children.map((c) => c.exited));
    for (const [i, result] of results.entries()) {
      expect({ code: result.code, stderr: children[i]!.stderr() }).toEqual({ code: 0, stderr: "" });
    }
    const retries = children.map((c) => Number(/done (\d+)/.exec(c.stdout())![1]));
    expect((await store.get("meta/counter"))?.data.toString()).toBe(String(3 * perChild));
    // Not an assertion on timing: it shows the processes did contend, so the test tested something.
    expect(retries.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await store.close();
  });

  it("leaves every object old or new and whole when a writer is SIGKILLed mid-write, and others can write at once", async () => {
    const store = await newFsStore();
    const keys = 4;
    const size = 8 * 1024 * 1024;
    const writer = spawnTsx(helperScript("store-write-loop-child.ts"), [store.rootDir, String(keys), String(size)]);
    children = [writer];
    await writer.waitForLine((line) => line === "round 2");
    // Kill it while a temp file exists, i.e. between the open of a new version and its rename.
    const dir = join(store.rootDir, "loop#");
    while (!(await readdir(dir)).some((name) => name.includes("#tmp."))) await sleep(1);
    writer.child.kill("SIGKILL");
    await writer.exited;

    expect(await store.list("loop/")).toEqual(Array.from({ length: keys }, (_, k) => `loop/${k}`));
    const rounds: number[] = [];
    for (let k = 0; k < keys; k++) {
      const obj = await store.get(`loop/${k}`);
      expect(obj?.data.length).toBe(size);
      const round = obj!.data.readUInt32LE(0);
      const fill = round & 0xff;
      expect(obj!.data.subarray(4).every((b) => b === fill)).toBe(true);
      rounds.push(round);
    }
    // Keys are rewritten in order 0…K-1 each round: a kill leaves a prefix of them one round ahead.
    for (let k = 1; k < keys; k++) expect(rounds[k - 1]! - rounds[k]!).toBeGreaterThanOrEqual(0);
    expect(rounds[0]! - rounds[keys - 1]!).toBeLessThanOrEqual(1);
    expect(Math.min(...rounds)).toBeGreaterThanOrEqual(2);

    // The writer may have died holding a key's lock: its pid is dead, so the lock gives way at once.
    const started = Date.now();
    for (let k = 0; k < keys; k++) await store.put(`loop/${k}`, bytes("after"));
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await store.get("loop/0"))?.data.toString()).toBe("after");
    await store.close();
  });

  it("breaks a lock left by a dead process at once", async () => {
    const store = await newFsStore();
    await store.put("meta/repo", bytes("v1"));
    // A lock is a file naming its owner "<pid>:<nonce>" (a hard link of the owner's file).
    await writeFile(join(store.rootDir, "meta#", "repo#lock"), `${await deadPid()}:stale`);
    const started = Date.now();
    await store.put("meta/repo", bytes("v2"));
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await store.get("meta/repo"))?.data.toString()).toBe("v2");
    await store.close();
  });

  it("breaks a lock whose pid now belongs to another process (its recorded start time differs)", async () => {
    const store = await newFsStore();
    await mkdir(join(store.rootDir, "meta#"), { recursive: true });
    // Our own pid is alive, but the lock records another start time: the pid was reused.
    await writeFile(join(store.rootDir, "meta#", "repo#lock"), `${process.pid}:reused:not-our-start-time`);
    await store.put("meta/repo", bytes("v1"));
    expect((await store.get("meta/repo"))?.data.toString()).toBe("v1");
    await store.close();
  });

  it("never breaks the lock of a live owner however long ago it was taken: waiters time out instead", async () => {
    const store = await newFsStore({ lockTimeoutMs: 300 });
    await store.put("meta/repo", bytes("v1"));
    const lock = join(store.rootDir, "meta#", "repo#lock");
    await writeFile(lock, `${process.pid}:held`);
    const old = new Date(Date.now() - 3_600_000);
    await utimes(lock, old, old); // an owner that looks idle for an hour is still alive
    await expectCode(store.put("meta/repo", bytes("v2")), "STORE_LOCK_TIMEOUT");
    expect((await store.get("meta/repo"))?.data.toString()).toBe("v1");
    await store.close();
  });

  it("waits for a live lock and gives up with STORE_LOCK_TIMEOUT after lockTimeoutMs", async () => {
    const store = await newFsStore({ lockTimeoutMs: 200 });
    await store.put("meta/repo", bytes("v1"));
    await writeFile(join(store.rootDir, "meta#", "repo#lock"), `${process.pid}:held`);
    const started = Date.now();
    await expectCode(store.put("meta/repo", bytes("v2")), "STORE_LOCK_TIMEOUT");
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect((await store.get("meta/repo"))?.data.toString()).toBe("v1");
    await store.close();
  });

  it("ends an updateWithRetry with RETRIES_EXHAUSTED after one lock timeout when a live process holds the key's lock", async () => {
    const store = await newFsStore({ lockTimeoutMs: 200 });
    await store.put("meta/repo", bytes("v1"));
    await writeFile(join(store.rootDir, "meta#", "repo#lock"), `${process.pid}:held`);
    let rounds = 0;
    await expectCode(
      updateWithRetry(store, "meta/repo", async () => ({ generation: (await store.get("meta/repo"))!.generation, data: bytes("v2"), result: ++rounds }), {
        what: "metadata of repo r",
      }),
      "RETRIES_EXHAUSTED",
    );
    expect(rounds).toBe(1);
    expect((await store.get("meta/repo"))?.data.toString()).toBe("v1");
    await store.close();
  });

  it("keeps a compare-and-swap atomic when its owner is paused (SIGSTOP) holding the lock: a later writer cannot overwrite it", async () => {
    const store = await newFsStore({ lockTimeoutMs: 120_000 });
    const g0 = await store.put("meta/repo", bytes("v0"));
    const child = spawnTsx(helperScript("store-pause-child.ts"), [store.rootDir, "meta/repo", "child", String(g0)], {
      env: { ...process.env, LOCAL_DVID_TEST_PAUSE_AT: "locked:meta/repo" },
    });
    children = [child];
    // The child stops itself inside its compare-and-swap, after the check and before the write.
    while (processState(child.child.pid!) !== "T") await sleep(5);
    let settled = false;
    const mine = store.put("meta/repo", bytes("parent"), { ifGenerationMatch: g0 }).finally(() => (settled = true));
    mine.catch(() => undefined);
    // The lock used to be broken after 5 s without a heartbeat; the paused owner then renamed its
    // object over ours and both puts "succeeded". Give that long enough to happen.
    await Promise.race([mine, sleep(6000)]).catch(() => undefined);
    expect(settled).toBe(false);
    child.child.kill("SIGCONT");
    await child.waitForLine((line) => line.startsWith("done") || line.startsWith("failed"));
    expect(child.stdout()).toMatch(/^done \d+/);
    // The child won from g0, so ours (also from g0) must fail, and the child's bytes stay.
    await expectCode(mine, "PRECONDITION_FAILED");
    expect((await store.get("meta/repo"))?.data.toString()).toBe("child");
    await store.close();
  }, 30_000);

  it("keeps a staged object as a temp file beside its key until publish, and removes it on discard", async () => {
    const store = await newFsStore();
    const staged = await store.stage("blocks/v/0_0_0", bytes("block"));
    const dir = join(store.rootDir, "blocks#", "v#");
    expect((await readdir(dir)).filter((n) => n.includes("#tmp."))).toHaveLength(1);
    await staged.discard();
    expect(await readdir(dir)).toEqual([]);
    const again = await store.stage("blocks/v/0_0_0", bytes("block"));
    await again.publish();
    expect(await readdir(dir)).toEqual(["0_0_0"]);
    expect((await store.get("blocks/v/0_0_0"))?.data.toString()).toBe("block");
    await store.close();
  });

  it("never lists or reads temp files, and removes those of dead processes when listing", async () => {
    const store = await newFsStore();
    await store.put("blocks/1", bytes("one"));
    const dir = join(store.rootDir, "blocks#");
    const deadTemp = `2#tmp.${await deadPid()}.0`;
    const liveTemp = `3#tmp.${process.pid}.99`;
    await writeFile(join(dir, deadTemp), "partial");
    await writeFile(join(dir, liveTemp), "in progress");
    expect(await store.list("blocks/")).toEqual(["blocks/1"]);
    expect(await store.get("blocks/2")).toBeUndefined();
    const names = await readdir(dir);
    expect(names).not.toContain(deadTemp);
    expect(names).toContain(liveTemp);
    await store.close();
  });

  it("reports a file that is not a store object with CORRUPT_OBJECT", async () => {
    const store = await newFsStore();
    await mkdir(join(store.rootDir, "meta#"), { recursive: true });
    await writeFile(join(store.rootDir, "meta#", "junk"), "not an object header at all");
    await expectCode(store.get("meta/junk"), "CORRUPT_OBJECT");
    await expectCode(store.readInto("meta/junk", new Uint8Array(100), 0), "CORRUPT_OBJECT");
    await expectCode(store.put("meta/junk", bytes("x")), "CORRUPT_OBJECT");
    await store.close();
  });

  it("round-trips objects with fsync on", async () => {
    const store = await newFsStore({ fsync: true });
    const g = await store.put("a/b", bytes("synced"));
    expect(await store.get("a/b")).toEqual({ data: bytes("synced"), generation: g });
    expect(await store.delete("a/b")).toBe(true);
    await store.close();
  });

  it("rejects unknown and out-of-range options with INVALID_OPTION naming the option", async () => {
    const dir = await createTempDir("store-opts");
    tempDirs.push(dir);
    expect(() => new FsStore(dir, { fsyncc: true } as never)).toThrow(/unknown FsStore option "fsyncc"/);
    expect(() => new FsStore(dir, { lockTimeoutMs: -1 })).toThrow(/lockTimeoutMs must be a positive number of ms; got -1/);
    expect(() => new FsStore(dir, { fsync: "yes" } as never)).toThrow(/fsync must be a boolean; got "yes"/);
    expect(() => new FsStore("")).toThrow(/FsStore rootDir must be a non-empty path; got ""/);
  });
});
