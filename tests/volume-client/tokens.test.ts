// connect(..., { token }) sends `Authorization: Bearer <token>` on every request (metadata and
// writes through got, voxel reads through the receive path), against local-dvid nodes that
// require tokens with roles; real servers on port 0.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import ndarray from "ndarray";
import { connect, isVolumeClientError } from "../../volume-client/index.js";
import { startLocalDvid, type RunningLocalDvid } from "../../local-dvid/server.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";

const READ = "vc-read-token-0123456789";
const ADMIN = "vc-admin-token-0123456789";
const tokens = [
  { role: "read" as const, token: READ },
  { role: "admin" as const, token: ADMIN },
];

let writer: RunningLocalDvid;
let reader: RunningLocalDvid;
const store = new MemoryStore();

beforeAll(async () => {
  writer = await startLocalDvid({ store, port: 0, tokens });
  reader = await startLocalDvid({ store, port: 0, tokens, readonly: true });
});
afterAll(async () => {
  await Promise.all([writer?.close(), reader?.close()]);
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("tokens", () => {
  it("writes and reads a volume across a writer and a reader when the client has a token", async () => {
    const client = connect({ writer: writer.url, readers: [reader.url] }, { token: ADMIN, chunkBytes: 4096 });
    try {
      const repo = await client.createRepo({ alias: "tokens" });
      const vol = await repo.createVolume("gray", "uint8", { blockSizeZyx: [16, 16, 16] });
      const data = new Uint8Array(32 * 32 * 32).map((_, i) => i % 251);
      await vol.write([0, 0, 0], ndarray(data, [32, 32, 32]));
      const back = await vol.read([[0, 32], [0, 32], [0, 32]]);
      expect(Buffer.from(back.data as Uint8Array).equals(Buffer.from(data))).toBe(true);

      // A read-only client reads through the same receive path, but may not write.
      const readOnly = connect({ writer: writer.url, readers: [reader.url] }, { token: READ, chunkBytes: 4096 });
      try {
        const same = await readOnly.version(await repo.uuid()).openVolume("gray");
        expect(Buffer.from((await same.read([[0, 32], [0, 32], [0, 32]])).data as Uint8Array).equals(Buffer.from(data))).toBe(true);
        const refused = await failure(same.write([0, 0, 0], ndarray(new Uint8Array(16 ** 3), [16, 16, 16])));
        expect(isVolumeClientError(refused) && refused.status).toBe(403);
        expect((refused as Error).message).toContain("it needs the write role");
        expect((refused as Error).message).not.toContain(READ);
      } finally {
        readOnly.close();
      }
    } finally {
      client.close();
    }
  });

  it("without a token gets the server's 401, and a wrong one too, the token never in the message", async () => {
    const none = connect(writer.url);
    const wrong = connect(writer.url, { token: "not-a-token-of-this-server" });
    try {
      const e1 = await failure(none.listRepos());
      expect(isVolumeClientError(e1) && e1.status).toBe(401);
      expect((e1 as Error).message).toContain("This server requires a token");
      const e2 = await failure(wrong.listRepos());
      expect(isVolumeClientError(e2) && e2.status).toBe(401);
      expect((e2 as Error).message).not.toContain("not-a-token-of-this-server");
    } finally {
      none.close();
      wrong.close();
    }
  });

  it("refuses a token with spaces or line breaks (it would break the header) without showing it", () => {
    expect(() => connect(writer.url, { token: "abc\r\nX-Evil: 1" })).toThrow(
      "connect(): token must be a non-empty string of printable ASCII without spaces; got a string of 14 characters that is not",
    );
    expect(() => connect(writer.url, { token: "" })).toThrow("token must be a non-empty string");
  });
});
