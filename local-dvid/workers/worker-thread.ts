// One worker thread that answers jobs by id (lz4-pool.ts, stage-pool.ts): ref'd while it has a
// job, so a process waiting for one stays up; unref'd while idle, and ended after `idleMs`
// without a job, so an idle process has no thread keeping it alive or holding memory.
import { Worker } from "node:worker_threads";

interface Pending<R> {
  resolve(reply: R): void;
  reject(err: Error): void;
}

export class WorkerThread<R extends { id: number }> {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending<R>>();
  readonly #idleMs: number;
  #idle: NodeJS.Timeout | undefined;
  #nextId = 1;

  /**
   * Starts the thread of `script`. When it fails or ends (also by `terminate` or the idle timer),
   * its jobs are rejected ("<what> exited with code N") and `onExit` runs.
   */
  constructor(script: URL, what: string, idleMs: number, onExit: (thread: WorkerThread<R>) => void) {
    this.#idleMs = idleMs;
    this.#worker = new Worker(script);
    this.#worker.unref();
    this.#worker.on("message", (reply: R) => {
      const p = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      this.#settle();
      p?.resolve(reply);
    });
    const fail = (err: Error): void => {
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      onExit(this);
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(new Error(`${what} exited with code ${code}`)));
  }

  /** Jobs sent and not answered yet. */
  get jobs(): number {
    return this.#pending.size;
  }

  /** Sends `job` (given an `id` here; the memory of `transfer` moved) and waits for its reply. */
  run(job: Record<string, unknown>, transfer: readonly ArrayBuffer[] = []): Promise<R> {
    const id = this.#nextId++;
    job.id = id;
    clearTimeout(this.#idle);
    return new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage(job, transfer);
    });
  }

  async terminate(): Promise<void> {
    clearTimeout(this.#idle);
    await this.#worker.terminate();
  }

  #settle(): void {
    if (this.#pending.size > 0) return;
    this.#worker.unref();
    this.#idle = setTimeout(() => void this.#worker.terminate(), this.#idleMs);
    this.#idle.unref();
  }
}
