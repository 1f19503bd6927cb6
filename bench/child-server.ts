// A server in a child process for the bench (tsx): it prints one JSON line `{"url": …}` when it
// listens, and stops when its stdin closes (or on SIGTERM 3 s later). Client and server in
// separate processes, as a real cluster would be, so neither's CPU hides in the other's figures.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ChildServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts `node --import tsx <args…>` and resolves once it prints the URL it listens on. */
export async function startChildServer(args: readonly string[], what: string): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", ...args], { stdio: ["pipe", "pipe", "inherit"] });
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
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill("SIGTERM"), 3000).unref();
      }),
  };
}
