// A server in a child process for the bench (tsx): it prints one JSON line `{"url": …}` when it
// listens, and stops when its stdin closes (or on SIGTERM 3 s later). Client and server in
// separate processes, as a real cluster would be, so neither's CPU hides in the other's figures.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface ChildServer {
  url: string;
  /** The child's pid (of the wrapper, with `wrap`). */
  pid: number;
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  /** A command the node process runs under, e.g. `["strace", "-f", "-c", "-o", file]`. */
  readonly wrap?: readonly string[];
}

/** Starts `node --import tsx <args…>` and resolves once it prints the URL it listens on. */
export async function startChildServer(args: readonly string[], what: string, options: ChildServerOptions = {}): Promise<ChildServer> {
  const nodeArgs = ["--import", "tsx", ...args];
  const [cmd, ...cmdArgs] = options.wrap?.length ? [...options.wrap, process.execPath, ...nodeArgs] : [process.execPath, ...nodeArgs];
  const child: ChildProcess = spawn(cmd, cmdArgs, { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (l) => {
      rl.close();
      resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`${what} exited with code ${code} before listening`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill("SIGTERM"), 3000).unref();
      }),
  };
}

/**
 * User + system CPU time of process `pid` so far (all its threads), in ms (/proc/<pid>/stat, 100 Hz
 * clock ticks); user time alone with `userOnly`.
 */
export function processCpuMs(pid: number, userOnly = false): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + (userOnly ? 0 : Number(fields[12]))) * 10;
}
