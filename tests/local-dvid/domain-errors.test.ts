// meta/ and voxels/ refuse with LocalDvidError codes, in DVID's words; only the HTTP layer
// (http/errors.ts) decides DVID's status for each: 400 for what the client got wrong, 503 for a
// compare-and-swap that kept losing, 500 for a fault of the store.
import { describe, expect, it } from "@jest/globals";
import { LocalDvidError, isLocalDvidError, type LocalDvidErrorCode } from "../../local-dvid/errors.js";
import { dvidAnswerFor } from "../../local-dvid/http/errors.js";
import { buildInstance, parseInstanceConfig } from "../../local-dvid/meta/instance-config.js";
import { MetadataStore } from "../../local-dvid/meta/metadata-store.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";

async function codeOf(promise: Promise<unknown> | (() => unknown)): Promise<{ code: LocalDvidErrorCode; message: string } | string> {
  try {
    await (typeof promise === "function" ? promise() : promise);
    return "no error";
  } catch (err) {
    return isLocalDvidError(err) ? { code: err.code, message: err.message } : `not a LocalDvidError: ${String(err)}`;
  }
}

describe("what the metadata layer refuses", () => {
  const meta = new MetadataStore(new MemoryStore());

  it("an unknown UUID prefix is NOT_FOUND, in DVID's words", async () => {
    await meta.createRepo({ alias: "", description: "", passcode: "", root: "a".repeat(32) });
    expect(await codeOf(meta.resolve("bbbb"))).toEqual({ code: "NOT_FOUND", message: "could not find UUID with partial match to bbbb" });
  });

  it("an unknown branch is NOT_FOUND and a malformed reference INVALID_ARGUMENT", async () => {
    expect(await codeOf(meta.resolve("aaaa:nosuch"))).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining('branch "nosuch" not found') });
    expect(await codeOf(meta.resolve("a:b:c"))).toEqual({ code: "INVALID_ARGUMENT", message: 'bad UUID specification "a:b:c"' });
  });

  it("a root UUID that is taken is ALREADY_EXISTS", async () => {
    expect(await codeOf(meta.createRepo({ alias: "", description: "", passcode: "", root: "a".repeat(32) }))).toEqual({
      code: "ALREADY_EXISTS",
      message: "UUID already exists in datastore",
    });
  });

  it("a bad instance setting is INVALID_ARGUMENT", async () => {
    const config = parseInstanceConfig(Buffer.from(JSON.stringify({ BlockSize: "0,8,8" })), "prefix");
    expect(await codeOf(() => buildInstance(config, "uint8blk", "g", "d".repeat(32), "a".repeat(32), "now"))).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("BlockSize must be 1 to 1024 voxels per axis"),
    });
  });
});

describe("how the HTTP layer answers them", () => {
  it.each([
    ["INVALID_ARGUMENT", 400],
    ["NOT_FOUND", 400],
    ["ALREADY_EXISTS", 400],
    ["CONFLICT", 400],
    ["RETRIES_EXHAUSTED", 503],
  ] as const)("answers %s with %i and the message in DVID's `<message> (<path>).` form", (code, status) => {
    const answer = dvidAnswerFor(new LocalDvidError(code, "words"));
    expect(answer).toMatchObject({ status, message: "words", verbatim: false });
  });

  it.each(["CORRUPT_OBJECT", "STORE_LOCK_TIMEOUT", "PRECONDITION_FAILED"] as const)("leaves %s to the server's 500", (code) => {
    expect(dvidAnswerFor(new LocalDvidError(code, "fault"))).toBeUndefined();
  });
});
