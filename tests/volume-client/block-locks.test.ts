import { describe, expect, it } from "@jest/globals";
import { KeyedLocks } from "../../volume-client/block-locks.js";
import { expectRejectCode } from "./helpers/expect-error.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("KeyedLocks", () => {
  it("makes a second holder of a shared key wait until the first releases", async () => {
    const locks = new KeyedLocks();
    const order: string[] = [];
    const r1 = await locks.acquire(["a", "b"]);
    const second = locks.acquire(["b", "c"]).then((r) => {
      order.push("second");
      return r;
    });
    await tick();
    expect(order).toEqual([]);
    order.push("first released");
    r1();
    (await second)();
    expect(order).toEqual(["first released", "second"]);
    expect(locks.size).toBe(0);
  });

  it("lets holders of disjoint keys run at once", async () => {
    const locks = new KeyedLocks();
    const r1 = await locks.acquire(["a"]);
    const r2 = await locks.acquire(["b"]);
    r1();
    r2();
    expect(locks.size).toBe(0);
  });

  it("does not deadlock when two callers list overlapping keys in opposite orders", async () => {
    const locks = new KeyedLocks();
    let running = 0;
    let maxRunning = 0;
    const job = async (keys: string[]) => {
      const release = await locks.acquire(keys);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick();
      running--;
      release();
    };
    await Promise.all([job(["x", "y"]), job(["y", "x"]), job(["x"]), job(["y", "x", "z"])]);
    expect(maxRunning).toBe(1);
    expect(locks.size).toBe(0);
  });

  it("rejects with ABORTED when the signal fires while waiting, and frees the queue", async () => {
    const locks = new KeyedLocks();
    const r1 = await locks.acquire(["k"]);
    const ac = new AbortController();
    const waiting = locks.acquire(["j", "k"], ac.signal);
    ac.abort(new Error("stop"));
    await expectRejectCode(waiting, "ABORTED");
    r1();
    const r3 = await locks.acquire(["j", "k"]);
    r3();
    await tick();
    expect(locks.size).toBe(0);
  });
});
