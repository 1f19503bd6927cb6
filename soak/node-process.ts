// One local-dvid node of the soak cluster as a child process that can be SIGKILLed and restarted
// on the same port (clients keep their URLs), and paused with SIGSTOP / SIGCONT.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../local-dvid/cli.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

export class SoakNode {
  port = 0;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #log: WriteStream;
  paused = false;

  constructor(
    readonly index: number,
    readonly storeDir: string,
    readonly readonly: boolean,
    logFile: string,
  ) {
    this.#log = createWriteStream(logFile, { flags: "a" });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts the node (on its old port after a restart) and resolves once it listens. */
  async start(timeoutMs = 60_000): Promise<void> {
    const args = ["--import", "tsx", CLI, "--store", this.storeDir, "--port", String(this.port), "--parent-watch"];
    if (this.readonly) args.push("--readonly");
    // stdin is a pipe: with --parent-watch the node exits when this process dies.
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
    this.#child = child;
    child.stderr!.pipe(this.#log, { end: false });
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const listening = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`node ${this.index} did not listen within ${timeoutMs} ms`)), timeoutMs);
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        out += chunk;
        const line = out.split("\n").find((l) => l.includes('"listening"'));
        if (line) {
          clearTimeout(timer);
          resolve(line);
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`node ${this.index} exited before listening (${code ?? signal}); see its log`));
      });
    });
    this.port = (JSON.parse(listening) as { url: string }).url.split(":").map(Number).at(-1)!;
    this.paused = false;
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill("SIGKILL");
    await this.#exited;
    this.#child = undefined;
    this.paused = false;
  }

  pause(): void {
    this.#child?.kill("SIGSTOP");
    this.paused = true;
  }

  resume(): void {
    this.#child?.kill("SIGCONT");
    this.paused = false;
  }

  /** SIGTERM (after SIGCONT if paused), and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    if (this.paused) this.resume();
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await this.#exited;
    clearTimeout(timer);
    this.#child = undefined;
  }

  close(): void {
    this.#log.end();
  }
}
