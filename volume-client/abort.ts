// Cancellation: one AbortController per operation, linked to the caller's signal, so that a
// caller's abort or the first fatal sub-request error cancels every request still in flight.
import { VolumeClientError, isVolumeClientError } from "./errors.js";

export function abortedError(signal: AbortSignal | undefined, what = "the operation"): VolumeClientError {
  return new VolumeClientError("ABORTED", `${what} was aborted`, { cause: signal?.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw abortedError(signal, what);
}

/** A controller that aborts when `parent` does; `dispose()` unhooks it from the parent. */
export function linkedController(parent: AbortSignal | undefined): { controller: AbortController; dispose(): void } {
  const controller = new AbortController();
  if (!parent) return { controller, dispose: () => {} };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: () => {} };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener("abort", onAbort) };
}

/** Waits `ms` milliseconds; rejects with ABORTED as soon as `signal` fires. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `worker` over `items` with at most `concurrency` in flight. On the first failure it aborts
 * `controller` (cancelling the others), waits until every started worker has settled, and
 * rejects with that first failure, so nothing is left running when the caller sees the error.
 * If the caller's signal fired, the error is ABORTED whatever the workers threw.
 */
export async function runBounded<T>(
  items: readonly T[],
  concurrency: number,
  controller: AbortController,
  callerSignal: AbortSignal | undefined,
  worker: (item: T, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++];
      try {
        await worker(item, controller.signal);
      } catch (error) {
        if (failure === undefined) {
          failure = { error };
          controller.abort(error);
        }
      }
    }
  };
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, lane);
  await Promise.all(lanes);
  if (callerSignal?.aborted) {
    const err = failure?.error;
    throw isVolumeClientError(err, "ABORTED") ? err : abortedError(callerSignal);
  }
  if (failure !== undefined) throw failure.error;
}
