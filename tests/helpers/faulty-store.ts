// An ObjectStore wrapper that makes chosen operations fail the way a full, read-only or failing
// disk makes them fail: with Node's system errors (ENOSPC, EROFS, EIO, …: `code`, `errno`,
// `syscall`, and the message fs gives). Every method of the wrapped store passes through, those
// added to the interface later too; the staged objects `stage()` returns are wrapped as well
// (their `publish` and `discard` count as operations of those names).
import type { ObjectStore } from "../../local-dvid/index.js";

export type FaultCode = "ENOSPC" | "EROFS" | "EIO" | "EDQUOT";

const FS_ERRORS: Record<FaultCode, { errno: number; text: string }> = {
  ENOSPC: { errno: -28, text: "no space left on device" },
  EROFS: { errno: -30, text: "read-only file system" },
  EIO: { errno: -5, text: "i/o error" },
  EDQUOT: { errno: -122, text: "disk quota exceeded" },
};

export interface Fault {
  readonly code: FaultCode;
  /** Method names that fail (e.g. "put", "delete", "stage", "publish", "get", "readSlice"). */
  readonly ops: readonly string[];
  /** Only keys that start with this fail. Default: every key. */
  readonly keyPrefix?: string;
  /** Let this many matching calls through first. Default 0. */
  readonly after?: number;
  /** Fail only after this long, as a slow disk would (ms). Default 0. */
  readonly delayMs?: number;
}

/** A Node system error as fs throws it. */
export function systemError(code: FaultCode, syscall: string, path: string): NodeJS.ErrnoException {
  const { errno, text } = FS_ERRORS[code];
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, errno, syscall, path });
}

export interface FaultyStore {
  readonly store: ObjectStore;
  /** Makes the matching operations fail from now on (until `clear`). */
  inject(fault: Fault): void;
  /** "The space is freed": every operation passes again. */
  clear(): void;
  /** How many operations failed so far. */
  readonly injected: number;
  /** Calls per method name, for tests that pick a point to fail at. */
  readonly calls: ReadonlyMap<string, number>;
}

const SYSCALL: Record<string, string> = { put: "write", stage: "write", publish: "rename", delete: "unlink" };

export function faultyStore(inner: ObjectStore): FaultyStore {
  let faults: { fault: Fault; seen: number }[] = [];
  let injected = 0;
  const calls = new Map<string, number>();

  /** Resolves, or rejects with the injected error (after the fault's delay). */
  const check = async (op: string, key: unknown): Promise<void> => {
    calls.set(op, (calls.get(op) ?? 0) + 1);
    for (const f of faults) {
      if (!f.fault.ops.includes(op)) continue;
      if (f.fault.keyPrefix !== undefined && !(typeof key === "string" && key.startsWith(f.fault.keyPrefix))) continue;
      if (f.seen++ < (f.fault.after ?? 0)) continue;
      injected++;
      if (f.fault.delayMs) await new Promise((resolve) => setTimeout(resolve, f.fault.delayMs));
      throw systemError(f.fault.code, SYSCALL[op] ?? "read", typeof key === "string" ? key : "");
    }
  };

  const wrapStaged = (staged: unknown, key: unknown): unknown => {
    if (staged === null || typeof staged !== "object") return staged;
    return new Proxy(staged as object, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== "function" || typeof prop !== "string") return value;
        return async (...args: unknown[]) => {
          await check(prop, key);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  };

  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return async (...args: unknown[]) => {
        await check(prop, args[0]);
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return prop === "stage" ? wrapStaged(result, args[0]) : result;
      };
    },
  });

  return {
    store,
    inject: (fault) => faults.push({ fault, seen: 0 }),
    clear: () => {
      faults = [];
    },
    get injected() {
      return injected;
    },
    calls,
  };
}
