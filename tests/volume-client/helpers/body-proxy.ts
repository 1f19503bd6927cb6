// A proxy in front of one node that answers voxel GETs (`/raw/`) itself, with the upstream's
// real body delivered in a chosen way: cut off, reset, dribbled, chunked, close-delimited or
// stalled. Everything else is forwarded as it is. For the receive path's tests.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type BodyMode =
  | "forward"
  /** Content-Length of the whole body, half of it, then the socket is closed. */
  | "cut"
  /** Half of the body, then a TCP reset. */
  | "reset"
  /** The body in 1000-byte pieces, an event-loop turn apart. */
  | "slow"
  /** Transfer-Encoding: chunked, in pieces of 777 bytes. */
  | "chunked"
  /** No Content-Length: the body ends when the server closes the connection. */
  | "close-delimited"
  /** Content-Length of the whole body, half of it, then nothing (the socket stays open). */
  | "stall";

export interface BodyProxy {
  readonly url: string;
  /** Voxel GETs seen, with the mode each got. */
  readonly rawGets: BodyMode[];
  /** Sockets that connected to the proxy. */
  readonly connections: number;
  /** Closes every idle keep-alive connection to the clients (as a server's keep-alive timeout does). */
  closeIdle(): void;
  close(): Promise<void>;
}

export async function startBodyProxy(target: string, modeOf: (n: number, url: string) => BodyMode): Promise<BodyProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const rawGets: BodyMode[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const fetchUpstream = (req: http.IncomingMessage) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent }, (up) => {
        const parts: Buffer[] = [];
        up.on("data", (c: Buffer) => parts.push(c));
        up.on("end", () => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(parts) }));
        up.on("error", reject);
      });
      out.on("error", reject);
      req.pipe(out);
    });
  const server = http.createServer(async (req, res) => {
    const isRaw = req.method === "GET" && (req.url ?? "").includes("/raw/");
    const mode: BodyMode = isRaw ? modeOf(rawGets.length, req.url ?? "") : "forward";
    if (isRaw) rawGets.push(mode);
    let up;
    try {
      up = await fetchUpstream(req);
    } catch {
      res.destroy();
      return;
    }
    const body = up.body;
    if (mode === "forward" || up.status !== 200) {
      res.writeHead(up.status, { "content-type": String(up.headers["content-type"] ?? "application/octet-stream"), "content-length": body.length });
      res.end(body);
      return;
    }
    const half = body.subarray(0, body.length >> 1);
    const socket = res.socket!;
    switch (mode) {
      case "cut":
        res.writeHead(200, { "content-length": body.length });
        res.write(half, () => socket.destroy());
        return;
      case "reset":
        res.writeHead(200, { "content-length": body.length });
        res.write(half, () => socket.resetAndDestroy());
        return;
      case "stall":
        res.writeHead(200, { "content-length": body.length });
        res.write(half);
        return;
      case "slow": {
        res.writeHead(200, { "content-length": body.length });
        let at = 0;
        const next = () => {
          if (res.destroyed) return;
          if (at >= body.length) return void res.end();
          res.write(body.subarray(at, at + 1000));
          at += 1000;
          setImmediate(next);
        };
        next();
        return;
      }
      case "chunked": {
        res.writeHead(200, { "content-type": "application/octet-stream" }); // no length: chunked
        for (let at = 0; at < body.length; at += 777) res.write(body.subarray(at, at + 777));
        res.end();
        return;
      }
      case "close-delimited":
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
        socket.end(body);
        return;
    }
  });
  server.on("connection", (s) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rawGets,
    get connections() {
      return connections;
    },
    closeIdle: () => server.closeIdleConnections(),
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
