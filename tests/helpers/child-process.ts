// Child processes for tests: TypeScript scripts run with `node --import tsx` (or any command), their
// output, their exit, and whether a pid is gone. Every test that spawns kills what it spawned.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tsxNodeArgs } from "../../local-dvid/cluster-tsx.js";

/** The absolute path of a script in tests/helpers/. */
export function helperScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

export interface TsxChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything written to stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line that satisfies `match`. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnTsx(script: string, args: readonly string[] = [], options: { env?: NodeJS.ProcessEnv } = {}): TsxChild {
  return spawnProcess(process.execPath, tsxNodeArgs(script, args), { env: options.env, name: script });
}

/**
 * Any command, watched as spawnTsx watches a script. `detached` puts it in a process group of its
 * own (the group's id is its pid), so that a test can find or kill everything it started.
 */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; detached?: boolean; name?: string } = {},
): TsxChild {
  const script = options.name ?? command;
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: options.detached ?? false,
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      for (const listener of listeners) listener();
    }),
  );
  if (child.pid === undefined) throw new Error(`could not spawn ${script}`);
  return {
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(match, timeoutMs = 15000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = out.split("\n").find((l, i, all) => i < all.length - 1 && match(l));
          if (line !== undefined) {
            finish();
            resolve(line);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before the expected line; stderr: ${err.slice(-2000)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${script} printed no expected line within ${timeoutMs} ms; stdout: ${out.slice(-500)} stderr: ${err.slice(-2000)}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Kills the child (SIGKILL) unless it has exited, and waits for the exit. */
export async function killChild(child: TsxChild | undefined): Promise<void> {
  if (child === undefined) return;
  if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill("SIGKILL");
  await child.exited;
}

/** True when no process has this pid (what `process.kill(pid, 0)` reports). */
export function isPidGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** True when no process is left in the process group `pgid` (a detached child's pid). */
export function isGroupGone(pgid: number): boolean {
  return isPidGone(-pgid);
}

/** The pid of a process that ran and exited: a pid that is dead (until the kernel reuses it). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}
