// Writing responses the way DVID's Go handlers do: explicit Content-Type, a Content-Length so
// keep-alive clients never wait for a close, and http.Error's headers for errors.
import type { ServerResponse } from "node:http";

export function sendBody(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": buf.length });
  res.end(buf);
}

export function sendJson(res: ServerResponse, value: unknown): void {
  sendBody(res, 200, "application/json", typeof value === "string" ? value : JSON.stringify(value));
}

/**
 * Writes one piece of a streamed answer (header already sent): resolves once Node has taken the
 * bytes, which paces the writer to the client; rejects when the connection is gone.
 */
export function writePiece(res: ServerResponse, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}

/** A 200 with no body, as DVID's POST handlers answer when they write nothing. */
export function sendEmpty(res: ServerResponse): void {
  res.writeHead(200, { "Content-Length": 0 });
  res.end();
}

/** Go's http.Error: text/plain, nosniff, the message plus a newline. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    // A streaming response already started: the only honest signal left is a cut connection
    // (DVID's help says streamed bodies may then be truncated).
    res.destroy();
    return;
  }
  const body = Buffer.from(message + "\n", "utf8");
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Content-Length": body.length,
  });
  res.end(body);
}
