// The loopback limit's server side: GET /bytes/N answers N bytes from one preallocated buffer;
// POST /sink reads the body into one preallocated buffer. Nothing else: the fastest a node:http
// server on this machine moves bytes. Runs as its own process, as a DVID node would.
import http from "node:http";

let payload = Buffer.alloc(0);
let sink = Buffer.alloc(0);

const server = http.createServer((req, res) => {
  const url = req.url ?? "";
  if (req.method === "GET" && url.startsWith("/bytes/")) {
    const n = Number(url.slice("/bytes/".length));
    if (payload.length < n) payload = Buffer.alloc(n, 7);
    res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": n });
    res.end(payload.subarray(0, n));
    return;
  }
  if (req.method === "POST" && url === "/sink") {
    const n = Number(req.headers["content-length"] ?? 0);
    if (sink.length < n) sink = Buffer.alloc(n);
    let at = 0;
    req.on("data", (chunk: Buffer) => {
      chunk.copy(sink, at);
      at += chunk.length;
    });
    req.on("end", () => {
      res.writeHead(at === n ? 200 : 400);
      res.end();
    });
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  if (addr && typeof addr === "object") process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${addr.port}` }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => server.close(() => process.exit(0)));
