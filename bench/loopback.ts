// The limits of this machine: a plain node:http GET and POST of the same bytes on loopback into a
// preallocated buffer (client in this process, server in another), and a buffer copy.
import http from "node:http";
import { fileURLToPath } from "node:url";
import { startChildServer, type ChildServer } from "./child-server.js";

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

export type LoopbackServer = ChildServer;

export function startLoopbackServer(): Promise<LoopbackServer> {
  return startChildServer([fileURLToPath(new URL("./loopback-server.ts", import.meta.url))], "loopback server");
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
