// The limits of this machine: a plain node:http GET and POST of the same bytes on loopback into a
// preallocated buffer (client in this process, server in another), and a buffer copy.
import http from "node:http";
import { fileURLToPath } from "node:url";
import { startChildServer, type ChildServer } from "./child-server.js";

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** Closes the idle keep-alive sockets of plainGet / loopbackGet / loopbackPost (the agent stays usable). */
export function closeIdleSockets(): void {
  agent.destroy();
}

export type LoopbackServer = ChildServer;

export function startLoopbackServer(): Promise<LoopbackServer> {
  return startChildServer([fileURLToPath(new URL("./loopback-server.ts", import.meta.url))], "loopback server");
}

/**
 * The reference GET: a plain node:http GET of `url` into `target` (preallocated, reused), on a
 * keep-alive agent. Resolves to the bytes received; rejects on a status other than 200.
 */
export function plainGet(url: string, target: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      let at = 0;
      res.on("data", (chunk: Buffer) => {
        target.set(chunk, at);
        at += chunk.length;
      });
      res.on("end", () => (res.statusCode === 200 ? resolve(at) : reject(new Error(`GET ${url}: status ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** GET `target.length` bytes into `target` (preallocated) from the loopback server. */
export async function loopbackGet(url: string, target: Uint8Array): Promise<void> {
  const at = await plainGet(`${url}/bytes/${target.length}`, target);
  if (at !== target.length) throw new Error(`short read: ${at} of ${target.length}`);
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
