// The limits of this machine: a plain node:http GET and POST of the same bytes on loopback into a
// preallocated buffer (client in this process, server in another), and a buffer copy.
import http from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

export interface LoopbackServer {
  url: string;
  stop(): Promise<void>;
}

export async function startLoopbackServer(): Promise<LoopbackServer> {
  const script = fileURLToPath(new URL("./loopback-server.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (l) => {
      rl.close();
      resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`loopback server exited with code ${code} before listening`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin!.end();
      }),
  };
}

/** GET `target.length` bytes into `target` (preallocated). */
export function loopbackGet(url: string, target: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/bytes/${target.length}`, { agent }, (res) => {
      let at = 0;
      res.on("data", (chunk: Buffer) => {
        target.set(chunk, at);
        at += chunk.length;
      });
      res.on("end", () => (at === target.length ? resolve() : reject(new Error(`short read: ${at} of ${target.length}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** POST `body` and wait for the server to have received all of it. */
export function loopbackPost(url: string, body: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/sink`,
      { method: "POST", agent, headers: { "Content-Length": body.length, "Content-Type": "application/octet-stream" } },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Copies `source` into `target` (both already touched), the in-memory ceiling. */
export function bufferCopy(source: Uint8Array, target: Uint8Array): void {
  target.set(source);
}
