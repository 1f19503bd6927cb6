// Request bodies: read into one preallocated buffer with a hard limit, and drain (or cut) what a
// handler rejected early so keep-alive clients do not hang on an unread body.
import type { IncomingMessage } from "node:http";
import { createGunzip } from "node:zlib";
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

/** The 400 for a body over `maxBytes`; `hint` names the limit and how to raise it. */
function tooLarge(what: string, maxBytes: number, declared: number | undefined, hint: string | undefined): Error {
  const size = declared === undefined ? "" : ` of ${declared} bytes`;
  return badRequest(`${what}${size} exceeds this server's limit of ${maxBytes} bytes${hint ? ` (${hint})` : ""}`);
}

/** Refuses, before anything is read, a body whose Content-Length is over `maxBytes`. */
export function checkDeclaredLength(req: IncomingMessage, maxBytes: number, what: string, hint?: string): void {
  const declared = contentLength(req);
  if (declared !== undefined && declared > maxBytes) throw tooLarge(what, maxBytes, declared, hint);
}

/**
 * Reads the whole body (at most `maxBytes`, else a 400 naming `what` and `hint`, before reading
 * when the Content-Length says so). With a Content-Length the buffer is allocated once; chunked
 * bodies grow by doubling.
 */
export async function readBody(req: IncomingMessage, maxBytes: number, what = "request body", hint?: string): Promise<Buffer> {
  const declared = contentLength(req);
  checkDeclaredLength(req, maxBytes, what, hint);
  let buf = Buffer.allocUnsafe(declared ?? Math.min(maxBytes, 64 * 1024));
  let at = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (at + chunk.length > buf.length) {
        if (at + chunk.length > maxBytes) throw tooLarge(what, maxBytes, undefined, hint);
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

/** What `inflateBodyInto` found: the bytes the body inflated to, `target.length + 1` meaning "more". */
export interface Inflated {
  readonly inflated: number;
}

/**
 * Inflates a gzip body as it arrives straight into `target`, in libuv's thread pool (zlib), so
 * the event loop only copies output chunks. Inflating stops one byte past `target.length`: a
 * small body that would inflate to gigabytes costs at most `target` (returns target.length + 1).
 * The compressed body may be at most `maxCompressed` bytes (checked before reading when the
 * Content-Length says so). Malformed gzip → 400 naming `what`. The request is never destroyed
 * here, so the caller can still answer; what is left of the body is the server's to discard.
 */
export async function inflateBodyInto(
  req: IncomingMessage,
  target: Buffer,
  maxCompressed: number,
  what: string,
  hint?: string,
): Promise<Inflated> {
  checkDeclaredLength(req, maxCompressed, what, hint);
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  let compressed = 0;
  let inflated = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        req.off("data", onData);
        gunzip.destroy();
        if (err === undefined) resolve();
        else reject(err);
      };
      const onData = (chunk: Buffer): void => {
        compressed += chunk.length;
        if (compressed > maxCompressed) return finish(tooLarge(what, maxCompressed, undefined, hint));
        if (!gunzip.write(chunk)) {
          req.pause();
          gunzip.once("drain", () => req.resume());
        }
      };
      gunzip.on("data", (chunk: Buffer) => {
        if (settled) return;
        const room = target.length - inflated;
        if (chunk.length > room) {
          chunk.copy(target, inflated, 0, room);
          inflated = target.length + 1;
          return finish();
        }
        chunk.copy(target, inflated);
        inflated += chunk.length;
      });
      gunzip.once("end", () => finish());
      gunzip.once("error", (err: NodeJS.ErrnoException) => finish(badRequest(`could not decode ${what}: ${err.message}`, err)));
      req.on("data", onData);
      req.once("end", () => gunzip.end());
      req.once("error", (err) => finish(bodyAborted(err)));
      req.once("close", () => {
        if (!req.complete) finish(bodyAborted());
      });
    });
  } finally {
    req.resume();
  }
  return { inflated };
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
