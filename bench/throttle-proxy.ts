// A throttling TCP proxy for the bench: a link of `bytesPerSecond` in each direction, SHARED by
// every connection through it (one token bucket per direction, served round-robin), as a VM's
// network share is. It runs in its own process (startThrottleProcess): in the client's process a
// client busy decoding would delay the proxy's timers and waste link time no real network loses.
//
// As a script: `node --import tsx bench/throttle-proxy.ts <target-url> <bytesPerSecond>` prints
// `{"url": …}` once listening, answers "counts" messages on its IPC channel with
// `{ down, up }` (bytes passed so far) and exits when its parent disconnects.
import { fork } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";

/** Bytes a direction may send in one burst after idling: 20 ms of link time. */
const BURST_SECONDS = 0.02;
/** Most bytes one connection sends per round-robin turn. */
const QUANTUM = 64 * 1024;
/** A connection's queue above this pauses its source socket. */
const HIGH_WATER = 1 << 20;

interface Flow {
  queue: Buffer[];
  queued: number;
  from: net.Socket;
  to: net.Socket;
  ended: boolean;
}

/** One direction of the link: a token bucket shared by every flow that has bytes queued. */
class Link {
  readonly flows = new Set<Flow>();
  passed = 0;
  #budget = 0;
  #last = process.hrtime.bigint();
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly bytesPerSecond: number) {}

  push(flow: Flow, chunk: Buffer): void {
    flow.queue.push(chunk);
    flow.queued += chunk.length;
    if (flow.queued > HIGH_WATER) flow.from.pause();
    this.flows.add(flow);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#pump(), 0);
    }
  }

  #pump(): void {
    this.#timer = undefined;
    const now = process.hrtime.bigint();
    this.#budget = Math.min(this.#budget + (Number(now - this.#last) / 1e9) * this.bytesPerSecond, this.bytesPerSecond * BURST_SECONDS);
    this.#last = now;
    let progress = true;
    while (this.#budget > 0 && this.flows.size > 0 && progress) {
      progress = false;
      for (const flow of this.flows) {
        if (this.#budget <= 0) break;
        let allowance = Math.min(QUANTUM, Math.floor(this.#budget));
        while (allowance > 0 && flow.queue.length > 0) {
          const head = flow.queue[0];
          const n = Math.min(head.length, allowance);
          flow.to.write(n === head.length ? head : head.subarray(0, n));
          if (n === head.length) flow.queue.shift();
          else flow.queue[0] = head.subarray(n);
          flow.queued -= n;
          allowance -= n;
          this.#budget -= n;
          this.passed += n;
          progress = true;
        }
        if (flow.queued <= HIGH_WATER / 2 && flow.from.isPaused()) flow.from.resume();
        if (flow.queue.length === 0) {
          this.flows.delete(flow);
          if (flow.ended) flow.to.end();
        }
      }
    }
    if (this.flows.size > 0) this.#timer = setTimeout(() => this.#pump(), 1);
  }
}

export interface ThrottleProxy {
  url: string;
  readonly bytesDown: number;
  readonly bytesUp: number;
  close(): Promise<void>;
}

/** Starts the proxy in this process (the child side of startThrottleProcess). */
export async function startThrottleProxy(target: string, bytesPerSecond: number): Promise<ThrottleProxy> {
  const upstreamUrl = new URL(target);
  const down = new Link(bytesPerSecond);
  const up = new Link(bytesPerSecond);
  const sockets = new Set<net.Socket>();
  const pipe = (from: net.Socket, to: net.Socket, link: Link) => {
    const flow: Flow = { queue: [], queued: 0, from, to, ended: false };
    from.on("data", (chunk: Buffer) => link.push(flow, chunk));
    from.on("end", () => {
      flow.ended = true;
      if (flow.queue.length === 0) to.end();
    });
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(upstreamUrl.port), upstreamUrl.hostname);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    pipe(client, upstream, up);
    pipe(upstream, client, down);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get bytesDown() {
      return down.passed;
    },
    get bytesUp() {
      return up.passed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface ThrottleProcess {
  url: string;
  /** Bytes passed server → client (down) and client → server (up) so far. */
  counts(): Promise<{ down: number; up: number }>;
  close(): Promise<void>;
}

/** Starts the proxy in a child process of its own. */
export async function startThrottleProcess(target: string, bytesPerSecond: number): Promise<ThrottleProcess> {
  const child = fork(fileURLToPath(import.meta.url), [target, String(bytesPerSecond)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "pipe", "inherit", "ipc"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { url?: string }) => (m.url ? resolve(m.url) : reject(new Error("throttle proxy: no url"))));
    child.once("exit", (code) => reject(new Error(`throttle proxy exited with code ${code} before listening`)));
  });
  return {
    url,
    counts: () =>
      new Promise((resolve) => {
        child.once("message", (m: { down: number; up: number }) => resolve(m));
        child.send("counts");
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.disconnect();
        setTimeout(() => child.kill("SIGTERM"), 3000).unref();
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.send) {
  const proxy = await startThrottleProxy(process.argv[2], Number(process.argv[3]));
  process.on("message", (m) => {
    if (m === "counts") process.send!({ down: proxy.bytesDown, up: proxy.bytesUp });
  });
  process.on("disconnect", () => void proxy.close().then(() => process.exit(0)));
  process.send({ url: proxy.url });
}
