// `npm run soak [-- --seconds N] [-- --seed S] [-- --keep]`: several client processes write and
// read a 3-node local-dvid cluster while nodes are SIGKILLed and restarted at random moments and
// paused (SIGSTOP for a few seconds, then SIGCONT). Phase 1 (two thirds of the time): one writer
// and two read-only nodes. Phase 2: two writable nodes and one read-only node on one store (the
// multi-writer claim). Every write a client saw succeed is in its ledger (a failed one may have
// landed: its values are allowed too). At the end every entry is read back through every node,
// voxel by voxel, and every node's repos metadata is compared. Exits 1 when any voxel, log entry
// or key is lost or wrong, when the nodes' metadata differ, or when verification could not read.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, type DvidClient } from "../volume-client/index.js";
import { SoakNode } from "./node-process.js";
import { zeroCounts, zeroVerifyCounts, type ClientCounts, type ClientSetup, type FromClient, type ToClient, type VerifyCounts } from "./protocol.js";
import { Random } from "./random.js";

const CLIENT_SCRIPT = fileURLToPath(new URL("./client.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLIENTS = 3;
const BLOCK = 32;
const SLAB = 48; // y voxels per client: its ranges share the blocks at y 32..64 and 128..160
const SHAPE_ZYX: [number, number, number] = [64, SLAB * CLIENTS, 96];

interface Args {
  seconds: number;
  seed: number;
  keep: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 60, seed: Math.floor(Math.random() * 2 ** 31), keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) usage(`${a} expects a non-negative integer; got ${JSON.stringify(argv[i])}`);
      return n;
    };
    if (a === "--seconds") {
      args.seconds = value();
      if (args.seconds < 5 || args.seconds > 86_400) usage(`--seconds must be from 5 to 86400; got ${args.seconds}`);
    } else if (a === "--seed") args.seed = value();
    else if (a === "--keep") args.keep = true;
    else if (a === "--help" || a === "-h") {
      console.log("usage: npm run soak [-- --seconds N (default 60)] [--seed S] [--keep (keep the store and node logs)]");
      process.exit(0);
    } else usage(`unknown argument ${JSON.stringify(a)}; expected --seconds N, --seed S, --keep`);
  }
  return args;
}

function usage(message: string): never {
  console.error(`soak: ${message}`);
  process.exit(2);
}

/** A client process and its messages. */
class SoakClient {
  readonly child: ChildProcess;
  readonly #waiting = new Map<string, (m: FromClient) => void>();
  failure: string | undefined;
  constructor() {
    this.child = spawn(process.execPath, ["--import", "tsx", CLIENT_SCRIPT], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    this.child.on("message", (m: FromClient) => {
      if (m.type === "failed") this.failure = m.message;
      // A failure answers whichever question is waiting.
      const key = m.type === "failed" ? (this.#waiting.keys().next().value ?? "") : m.type;
      const waiter = this.#waiting.get(key);
      this.#waiting.delete(key);
      waiter?.(m);
    });
    this.child.on("exit", (code) => {
      for (const waiter of this.#waiting.values()) waiter({ type: "failed", message: `client exited (${code})` });
      this.#waiting.clear();
    });
  }
  send(message: ToClient): void {
    this.child.send(message);
  }
  /** Sends `message` and resolves with the answer of type `answer`. */
  async ask<T extends FromClient["type"]>(message: ToClient, answer: T): Promise<Extract<FromClient, { type: T }>> {
    const reply = new Promise<FromClient>((resolve) => this.#waiting.set(answer, resolve));
    this.send(message);
    const m = await reply;
    if (m.type === "failed") throw new Error(`soak client failed: ${m.message}`);
    return m as Extract<FromClient, { type: T }>;
  }
}

interface PhaseResult {
  name: string;
  counts: ClientCounts;
  verify: VerifyCounts;
  kills: number;
  pauses: number;
  commits: number;
  branches: number;
  versions: number;
  metadataMismatches: number;
  heartbeatsMs: number[];
  problems: string[];
}

async function retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 5) throw new Error(`${what} failed ${attempt} times: ${(err as Error).message}`, { cause: err });
      await sleep(500 * attempt);
    }
  }
}

async function heartbeat(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/heartbeat`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** The repos metadata each node serves, as canonical JSON (keys sorted). */
async function reposInfo(url: string): Promise<string> {
  const res = await fetch(`${url}/api/repos/info`);
  if (!res.ok) return `HTTP ${res.status}`;
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)])) : v;
  return JSON.stringify(sortKeys(await res.json()));
}

async function runPhase(options: { name: string; index: number; writers: number[]; ms: number; storeDir: string; logDir: string; seed: number }): Promise<PhaseResult> {
  const random = new Random(options.seed);
  const nodes = [0, 1, 2].map((i) => new SoakNode(i, options.storeDir, !options.writers.includes(i), join(options.logDir, `phase${options.index}-node${i}.log`)));
  const result: PhaseResult = {
    name: options.name,
    counts: zeroCounts(),
    verify: zeroVerifyCounts(),
    kills: 0,
    pauses: 0,
    commits: 0,
    branches: 0,
    versions: 1,
    metadataMismatches: 0,
    heartbeatsMs: [],
    problems: [],
  };
  const clients: SoakClient[] = [];
  let admin: DvidClient | undefined;
  try {
    await Promise.all(nodes.map((n) => n.start()));
    const urls = nodes.map((n) => n.url);
    admin = connect({ writer: urls[0]!, readers: urls.slice(1) }, { retries: 8 });
    const root = await admin.createRepo({ alias: `soak-${options.index}` });
    await root.createVolume("soak", "uint8", { blockSizeZyx: [BLOCK, BLOCK, BLOCK] });
    await root.createKeyValue("soakkv", { versioned: false });
    const rootUuid = await root.uuid();

    for (let c = 0; c < CLIENTS; c++) clients.push(new SoakClient());
    await Promise.all(
      clients.map((client, c) => {
        const setup: ClientSetup = {
          index: c,
          seed: options.seed + 1000 * (c + 1),
          writer: urls[options.writers[c % options.writers.length]!]!,
          nodes: urls,
          root: rootUuid,
          volume: "soak",
          keyValue: "soakkv",
          shapeZyx: SHAPE_ZYX,
          block: BLOCK,
          y0: c * SLAB,
          y1: (c + 1) * SLAB,
          tag: `p${options.index}c${c}`,
        };
        return client.ask({ type: "setup", setup }, "ready");
      }),
    );

    const start = Date.now();
    const deadline = start + options.ms;
    let open = [rootUuid];
    for (const client of clients) client.send({ type: "epoch", open, parents: {} });

    // Faults: one at a time, at random moments; none while the versions change.
    let faultsOn = true;
    let faultInProgress: Promise<void> = Promise.resolve();
    const faulted = new Set<number>();
    let stopFaults = false;
    const faultLoop = (async () => {
      // The first two faults of a phase are a kill and a pause, soon after the start, so that
      // even a short run injects both; the rest are random.
      for (let n = 0; !stopFaults; n++) {
        await sleep(n === 0 ? 300 : random.int(300, 1500));
        if (stopFaults || !faultsOn) continue;
        const node = random.pick(nodes);
        faulted.add(node.index);
        faultInProgress = (async () => {
          if (n === 0 || (n > 1 && random.next() < 0.5)) {
            result.kills++;
            await node.kill();
            await sleep(random.int(100, 1000));
            await node.start();
          } else {
            result.pauses++;
            node.pause();
            // Up to 6 s: longer than a store lock's old 5 s staleness, so a paused lock holder
            // is tested too.
            await sleep(random.int(1000, 6000));
            node.resume();
          }
        })().finally(() => faulted.delete(node.index));
        await faultInProgress;
      }
    })();

    // Heartbeats of the nodes that are not being faulted, for the latency figure.
    const heartbeatLoop = (async () => {
      while (!stopFaults) {
        await sleep(250);
        const node = random.pick(nodes);
        if (faulted.has(node.index) || !node.running) continue;
        const t0 = performance.now();
        if (await heartbeat(node.url)) {
          if (!faulted.has(node.index)) result.heartbeatsMs.push(performance.now() - t0);
        }
      }
    })();

    // Versions: commit every open version, then a child on master and a new branch, midway.
    const epochs = Math.max(2, Math.round(options.ms / 8000));
    for (let e = 1; e < epochs; e++) {
      await sleep(Math.max(0, start + (options.ms * e) / epochs - Date.now()));
      faultsOn = false;
      await faultInProgress;
      await Promise.all(clients.map((c) => c.ask({ type: "pause" }, "paused")));
      for (const uuid of open) {
        await retry(`commit ${uuid}`, async () => {
          if (!(await admin!.version(uuid).isLocked())) await admin!.version(uuid).commit(`soak epoch ${e}`);
        });
        result.commits++;
      }
      const parent = open[0]!;
      const child = await retry("newversion", () => admin!.version(parent).newVersion({ note: `epoch ${e}` }).then((v) => v.uuid()));
      const branch = await retry("branch", () => admin!.version(parent).branch(`soak-b${e}`).then((v) => v.uuid()));
      result.branches++;
      result.versions += 2;
      open = [child, branch];
      for (const client of clients) client.send({ type: "epoch", open, parents: { [child]: parent, [branch]: parent } });
      faultsOn = true;
    }
    await sleep(Math.max(0, deadline - Date.now()));

    stopFaults = true;
    await faultLoop;
    await heartbeatLoop;
    await Promise.all(clients.map((c) => c.ask({ type: "pause" }, "paused")));
    for (const node of nodes) {
      if (node.paused) node.resume();
      if (!node.running) await node.start();
      if (!(await heartbeat(node.url))) result.problems.push(`node ${node.index} does not answer its heartbeat before verification`);
    }

    const verified = await Promise.all(clients.map((c) => c.ask({ type: "verify", nodes: nodes.map((n) => n.url) }, "verified")));
    for (const { counts, verify } of verified) {
      for (const k of Object.keys(counts) as (keyof ClientCounts)[]) result.counts[k] += counts[k];
      for (const k of Object.keys(verify) as (keyof VerifyCounts)[]) {
        if (k === "firstProblems") result.problems.push(...verify.firstProblems);
        else result.verify[k] += verify[k];
      }
    }
    const infos = await Promise.all(nodes.map((n) => reposInfo(n.url)));
    for (let i = 1; i < infos.length; i++) {
      if (infos[i] !== infos[0]) {
        result.metadataMismatches++;
        result.problems.push(`node ${i}'s /api/repos/info differs from node 0's`);
      }
    }
  } catch (err) {
    result.problems.push(`phase failed: ${(err as Error).stack ?? String(err)}`);
  } finally {
    for (const client of clients) {
      if (client.failure) result.problems.push(`client failed: ${client.failure}`);
      if (client.child.connected) client.send({ type: "exit" });
      const exited = new Promise((resolve) => client.child.once("exit", resolve));
      const timer = setTimeout(() => client.child.kill("SIGKILL"), 10_000);
      if (client.child.exitCode === null && client.child.signalCode === null) await exited;
      clearTimeout(timer);
    }
    admin?.close();
    for (const node of nodes) {
      await node.stop();
      node.close();
    }
  }
  return result;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function failuresOf(r: PhaseResult): number {
  return (
    r.verify.lostVoxels +
    r.verify.wrongVoxels +
    r.counts.wrongDuringRun +
    r.verify.lostLogEntries +
    r.verify.wrongLogEntries +
    r.verify.verifyErrors +
    r.metadataMismatches +
    r.problems.filter((p) => p.startsWith("phase failed") || p.startsWith("client failed") || p.includes("does not answer")).length
  );
}

function report(r: PhaseResult): void {
  const c = r.counts;
  const v = r.verify;
  console.log(`${r.name}:`);
  console.log(
    `  operations: ${c.operations} (aligned writes ${c.alignedWrites}, non-aligned writes ${c.nonAlignedWrites}, reads ${c.reads}, key puts ${c.keyValuePuts}, log appends ${c.logAppends})`,
  );
  console.log(`  versions: ${r.versions} (commits ${r.commits}, branches ${r.branches})`);
  console.log(`  faults injected: ${r.kills + r.pauses} (SIGKILL + restart ${r.kills}, SIGSTOP/SIGCONT ${r.pauses})`);
  console.log(`  client errors: ${c.errors} (operations that failed while a node was killed or paused)`);
  console.log(`  checked: ${v.voxelsChecked} voxels and ${v.logEntriesChecked} log entries and keys, through every node`);
  console.log(`  lost voxels: ${v.lostVoxels}, wrong voxels: ${v.wrongVoxels + c.wrongDuringRun}, lost log entries: ${v.lostLogEntries}, wrong log entries: ${v.wrongLogEntries}`);
  console.log(`  unreadable at verification: ${v.verifyErrors}, metadata mismatches: ${r.metadataMismatches}`);
  if (r.heartbeatsMs.length > 0) {
    console.log(
      `  heartbeats of unfaulted nodes: ${r.heartbeatsMs.length}, p50 ${percentile(r.heartbeatsMs, 50).toFixed(1)} ms, p99 ${percentile(r.heartbeatsMs, 99).toFixed(1)} ms, max ${Math.max(...r.heartbeatsMs).toFixed(1)} ms`,
    );
  }
  for (const p of r.problems.slice(0, 20)) console.log(`  problem: ${p}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), "dvidcloud-soak-"));
  console.log(`soak: seed ${args.seed}, ${args.seconds} s, ${CLIENTS} client processes, 3 nodes; replay with --seed ${args.seed}`);
  const storeDir = join(dir, "store");
  const phase1Ms = Math.round((args.seconds * 1000 * 2) / 3);
  const results: PhaseResult[] = [];
  let exitCode = 0;
  try {
    results.push(await runPhase({ name: "phase 1, one writer and two read-only nodes", index: 1, writers: [0], ms: phase1Ms, storeDir, logDir: dir, seed: args.seed }));
    report(results[0]!);
    results.push(
      await runPhase({ name: "phase 2, two writable nodes and one read-only node on one store", index: 2, writers: [0, 1], ms: args.seconds * 1000 - phase1Ms, storeDir, logDir: dir, seed: args.seed + 1 }),
    );
    report(results[1]!);
    const sum = (f: (r: PhaseResult) => number): number => results.reduce((s, r) => s + f(r), 0);
    const failures = sum(failuresOf);
    console.log("total:");
    console.log(`operations: ${sum((r) => r.counts.operations)}`);
    console.log(`faults injected: ${sum((r) => r.kills + r.pauses)}`);
    console.log(`client errors: ${sum((r) => r.counts.errors)}`);
    console.log(`lost voxels: ${sum((r) => r.verify.lostVoxels)}`);
    console.log(`wrong voxels: ${sum((r) => r.verify.wrongVoxels + r.counts.wrongDuringRun)}`);
    console.log(`lost log entries: ${sum((r) => r.verify.lostLogEntries)}`);
    console.log(`wrong log entries: ${sum((r) => r.verify.wrongLogEntries)}`);
    console.log(`metadata mismatches: ${sum((r) => r.metadataMismatches)}`);
    console.log(`unreadable at verification: ${sum((r) => r.verify.verifyErrors)}`);
    console.log(failures === 0 ? "soak: OK" : `soak: FAILED (${failures} problems; replay with --seed ${args.seed})`);
    if (failures > 0) exitCode = 1;
  } finally {
    if (args.keep || exitCode !== 0) console.log(`soak: store and node logs kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
  process.exitCode = exitCode;
}

await main();
