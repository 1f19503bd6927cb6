// Repeated timing with a warm-up: the median and the spread (min..max) of the timed runs.
// Timings on these 2-core machines are noisy, so every figure is reported with its spread and
// compared only with figures measured in the same run.

export interface Timing {
  /** Median wall time of the timed repetitions, in ms. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Every timed repetition, in ms, in run order. */
  samplesMs: number[];
}

export interface RepeatOptions {
  /** Untimed runs before the timed ones. Default 1. */
  warmup?: number;
  /** Timed runs. Default 5. */
  reps?: number;
  /** Runs before each repetition, untimed (e.g. to reset state). */
  before?: () => Promise<void> | void;
  /** Runs after each repetition, untimed (e.g. to verify the result). */
  after?: () => Promise<void> | void;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export async function repeat(fn: () => Promise<unknown> | unknown, options: RepeatOptions = {}): Promise<Timing> {
  const { warmup = 1, reps = 5, before, after } = options;
  const samplesMs: number[] = [];
  for (let i = 0; i < warmup + reps; i++) {
    await before?.();
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    await after?.();
    if (i >= warmup) samplesMs.push(dt);
  }
  return { medianMs: median(samplesMs), minMs: Math.min(...samplesMs), maxMs: Math.max(...samplesMs), samplesMs };
}

/** Payload throughput in MB/s (10^6 bytes per second) for `bytes` moved in `ms`. */
export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}
