// The CLI's way to force what a first Ctrl-C asked to stop cleanly. Neutral (no target's code):
// a target registers how to force each running operation (the gcp target: a second SIGINT to
// its pulumi process, which Pulumi reads as "terminate now"), the CLI calls `forceStopAll()` on
// the third Ctrl-C.

const handlers = new Set<() => void>();

/** Registers how to force one running operation; returns the function that unregisters it. */
export function onForceStop(handler: () => void): () => void {
  handlers.add(handler);
  return () => handlers.delete(handler);
}

/** Forces every registered operation; returns how many there were. */
export function forceStopAll(): number {
  const running = [...handlers];
  for (const handler of running) {
    try {
      handler();
    } catch {
      // A process that is already gone needs no forcing.
    }
  }
  return running.length;
}
