// Request bodies: read into one preallocated buffer with a hard limit, and drain (or cut) what a
// handler rejected early so keep-alive clients do not hang on an unread body.
import type { IncomingMessage } from "node:http";
import { badRequest, bodyAborted, isDvidRequestError } from "./errors.js";

/** Bodies up to this size are read and discarded after an early rejection; larger ones cut the connection. */
const DRAIN_LIMIT = 1 << 30;

/** The request's Content-Length, or undefined when it is absent or not a plain integer. */
export function contentLength(req: IncomingMessage): number | undefined {
  const header = req.headers["content-length"];
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  const n = Number(header);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Reads the whole body (at most `maxBytes`, else a 400 naming `what`). With a Content-Length the
 * buffer is allocated once; chunked bodies grow by doubling.
 */
export async function readBody(req: IncomingMessage, maxBytes: number, what = "request body"): Promise<Buffer> {
  const declared = contentLength(req);
  if (declared !== undefined && declared > maxBytes) {
    throw badRequest(`${what} of ${declared} bytes exceeds this server's limit of ${maxBytes} bytes`);
  }
  let buf = Buffer.allocUnsafe(declared ?? Math.min(maxBytes, 64 * 1024));
  let at = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (at + chunk.length > buf.length) {
        if (at + chunk.length > maxBytes) {
          throw badRequest(`${what} exceeds this server's limit of ${maxBytes} bytes`);
        }
        const grown = Buffer.allocUnsafe(Math.min(maxBytes, Math.max(buf.length * 2, at + chunk.length)));
        buf.copy(grown, 0, 0, at);
        buf = grown;
      }
      chunk.copy(buf, at);
      at += chunk.length;
    }
  } catch (err) {
    throw isDvidRequestError(err) ? err : bodyAborted(err);
  }
  return buf.subarray(0, at);
}

/**
 * Reads a body that should be exactly `expected` bytes into one buffer of that size, counting
 * (and discarding) whatever arrives beyond it, so that a wrong length can be reported with the
 * size actually sent, as DVID does after reading the whole body.
 */
export async function readExactBody(
  req: IncomingMessage,
  expected: number,
  acquire: (size: number) => Buffer = (size) => Buffer.allocUnsafe(size),
): Promise<{ body: Buffer; received: number }> {
  const body = acquire(expected);
  let received = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (received < expected) chunk.copy(body, received, 0, Math.min(chunk.length, expected - received));
      received += chunk.length;
    }
  } catch (err) {
    throw bodyAborted(err);
  }
  return { body, received };
}

/**
 * Makes sure an unread body does not block the connection after an early answer: small bodies
 * are discarded as they arrive, huge ones get the connection closed once the response is out.
 */
export function discardBody(req: IncomingMessage, res: import("node:http").ServerResponse): void {
  if (req.readableEnded || req.complete) return;
  const declared = contentLength(req);
  if (declared !== undefined && declared > DRAIN_LIMIT) {
    res.shouldKeepAlive = false;
    res.once("finish", () => req.socket.destroySoon?.());
  }
  req.resume();
}
