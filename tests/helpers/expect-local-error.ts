// Awaits `promise` and returns the LocalDvidError with `code` it must fail with; anything else
// (another error, or no error) fails the test with what happened instead.
import { isLocalDvidError, type LocalDvidErrorCode } from "../../local-dvid/index.js";

export async function expectCode(promise: Promise<unknown>, code: LocalDvidErrorCode): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  if (!isLocalDvidError(caught, code)) {
    throw new Error(`expected a LocalDvidError ${code}; got ${caught === undefined ? "no error" : String(caught)}`);
  }
  return caught;
}
