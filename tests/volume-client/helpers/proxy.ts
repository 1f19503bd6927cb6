// A tiny HTTP proxy in front of one node: it records every request and can answer in its
// place (a 503 a few times, a 400 as a stale reader would) or mangle the response length.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: http.IncomingHttpHeaders;
}

/** What to do with the n-th request (0-based): forward it, or answer instead. */
export type ProxyRule = (req: SeenRequest, n: number) => "forward" | "truncate" | "extend" | { status: number; body: string };

export interface TestProxy {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Requests whose path contains `part`. */
  count(part: string): number;
  close(): Promise<void>;
}

export async function startProxy(target: string, rule: ProxyRule = () => "forward"): Promise<TestProxy> {
  const requests: SeenRequest[] = [];
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const seen = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers };
    const action = rule(seen, requests.length);
    requests.push(seen);
    if (typeof action === "object") {
      req.resume();
      res.writeHead(action.status, { "content-type": "text/plain; charset=utf-8" });
      res.end(action.body);
      return;
    }
    const headers = { ...req.headers, host: upstream.host };
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
      (up) => {
        if (action === "forward" || (up.statusCode ?? 0) !== 200) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on("data", (c: Buffer) => chunks.push(c));
        up.on("end", () => {
          let body = Buffer.concat(chunks);
          body = action === "truncate" ? body.subarray(0, Math.max(0, body.length - 1)) : Buffer.concat([body, Buffer.from([7])]);
          const h = { ...up.headers, "content-length": String(body.length) };
          res.writeHead(200, h);
          res.end(body);
        });
      },
    );
    out.on("error", () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (part) => requests.filter((r) => r.url.includes(part)).length,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
