import { expect } from "@jest/globals";
import { isVolumeClientError, type VolumeClientError, type VolumeClientErrorCode } from "../../../volume-client/errors.js";

/** Awaits `work`, expects it to reject with a VolumeClientError of `code`, and returns the error. */
export async function expectRejectCode(work: Promise<unknown> | (() => Promise<unknown>), code: VolumeClientErrorCode): Promise<VolumeClientError> {
  let caught: unknown;
  try {
    await (typeof work === "function" ? work() : work);
  } catch (err) {
    caught = err;
  }
  if (!isVolumeClientError(caught)) throw new Error(`expected a VolumeClientError ${code}; got ${caught === undefined ? "no error" : String(caught)}`);
  expect(caught.code).toBe(code);
  return caught;
}
