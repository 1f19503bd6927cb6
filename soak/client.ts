// One soak client process: writes and reads its own voxels (a y range of the shared volume whose
// edge blocks it shares with its neighbours) at the open versions the orchestrator names, appends
// to the version's log and puts keys, and records every outcome in its ledger. At the end it reads
// every entry back through each node on its own and reports what it found.
import ndarray from "ndarray";
import { connect, type DvidClient, type Volume } from "../volume-client/index.js";
import { EntryLedger, VoxelLedger, type BoxZyx } from "./ledger.js";
import { zeroCounts, zeroVerifyCounts, type ClientSetup, type FromClient, type ToClient, type VerifyCounts } from "./protocol.js";
import { Random } from "./random.js";

const CLIENT_OPTIONS = { retries: 8, retryDelayMs: 100, nodeCooldownMs: 1000, connectTimeoutMs: 3000, idleTimeoutMs: 60_000 };

let setup: ClientSetup;
let random: Random;
let client: DvidClient;
let voxels: VoxelLedger;
const logs = new Map<string, EntryLedger<true>>();
const keys = new EntryLedger<string>();
let open: string[] = [];
let stopRequested = false;
let loop: Promise<void> | undefined;
let seq = 0;
const counts = zeroCounts();
const problems: string[] = [];

function send(message: FromClient): void {
  process.send!(message);
}

function note(problem: string): void {
  if (problems.length < 10) problems.push(`client ${setup.index}: ${problem}`);
}

const volumes = new Map<string, Volume<"uint8">>();
function volumeAt(c: DvidClient, uuid: string): Volume<"uint8"> {
  if (c !== client) return c.version(uuid).volume<"uint8">(setup.volume, { dtype: "uint8" });
  let v = volumes.get(uuid);
  if (!v) volumes.set(uuid, (v = c.version(uuid).volume<"uint8">(setup.volume, { dtype: "uint8" })));
  return v;
}

/** A random box inside this client's voxels, at most `max` voxels a side. */
function randomBox(max: number): BoxZyx {
  const [nz, , nx] = setup.shapeZyx;
  const span = (lo: number, hi: number): [number, number] => {
    const size = random.int(1, Math.min(max, hi - lo));
    const start = random.int(lo, hi - size);
    return [start, start + size];
  };
  return [span(0, nz), span(setup.y0, setup.y1), span(0, nx)];
}

/** A block-aligned box made of whole blocks that lie inside this client's voxels. */
function alignedBox(): BoxZyx | undefined {
  const b = setup.block;
  const [nz, , nx] = setup.shapeZyx;
  const yb0 = Math.ceil(setup.y0 / b);
  const yb1 = Math.floor(setup.y1 / b);
  if (yb1 <= yb0) return undefined;
  const blocks = (n: number): [number, number] => {
    const count = n / b;
    const size = random.int(1, Math.min(2, count));
    const start = random.int(0, count - size);
    return [start * b, (start + size) * b];
  };
  const y = random.int(yb0, yb1 - 1);
  return [blocks(nz), [y * b, (y + 1) * b], blocks(nx)];
}

function valuesFor(box: BoxZyx, writeSeq: number): Uint8Array {
  const values = new Uint8Array((box[0][1] - box[0][0]) * (box[1][1] - box[1][0]) * (box[2][1] - box[2][0]));
  let k = 0;
  for (let z = box[0][0]; z < box[0][1]; z++) {
    for (let y = box[1][0]; y < box[1][1]; y++) {
      for (let x = box[2][0]; x < box[2][1]; x++) values[k++] = 1 + ((writeSeq * 31 + z * 7 + y * 13 + x) % 255);
    }
  }
  return values;
}

const shapeOf = (box: BoxZyx): number[] => box.map(([a, b]) => b - a);

async function writeBox(uuid: string, aligned: boolean): Promise<void> {
  const box = aligned ? alignedBox() : randomBox(40);
  if (!box) return;
  const values = valuesFor(box, ++seq);
  try {
    await volumeAt(client, uuid).write([box[0][0], box[1][0], box[2][0]], ndarray(values, shapeOf(box)), { nonAlignedWrites: !aligned });
    voxels.record(uuid, box, values, true);
  } catch (err) {
    voxels.record(uuid, box, values, false);
    throw err;
  }
}

async function readBox(): Promise<void> {
  const uuid = random.pick(voxels.versions);
  const box = randomBox(48);
  const read = await volumeAt(client, uuid).read(box);
  const m = voxels.compare(uuid, box, read.data as Uint8Array);
  if (m.lost + m.wrong > 0) {
    counts.wrongDuringRun += m.lost + m.wrong;
    note(`read during the run: ${m.first}`);
  }
}

async function appendLog(uuid: string): Promise<void> {
  const entry = `${setup.tag}-log-${++seq}`;
  let ledger = logs.get(uuid);
  if (!ledger) logs.set(uuid, (ledger = new EntryLedger<true>()));
  try {
    await client.version(uuid).appendLog([entry]);
    ledger.record(entry, true, true);
  } catch (err) {
    ledger.record(entry, true, false);
    throw err;
  }
}

async function putKey(): Promise<void> {
  const key = `${setup.tag}-key-${++seq}`;
  const value = `${key}=${random.int(0, 1e9)}`;
  try {
    await client.version(setup.root).keyValue(setup.keyValue).put(key, value);
    keys.record(key, value, true);
  } catch (err) {
    keys.record(key, value, false);
    throw err;
  }
}

async function runLoop(): Promise<void> {
  while (!stopRequested) {
    const uuid = random.pick(open);
    const r = random.next();
    counts.operations++;
    try {
      if (r < 0.35) {
        counts.alignedWrites++;
        await writeBox(uuid, true);
      } else if (r < 0.7) {
        counts.nonAlignedWrites++;
        await writeBox(uuid, false);
      } else if (r < 0.9) {
        counts.reads++;
        await readBox();
      } else if (r < 0.95) {
        counts.keyValuePuts++;
        await putKey();
      } else {
        counts.logAppends++;
        await appendLog(uuid);
      }
    } catch (err) {
      counts.errors++;
      if (counts.errors <= 3) process.stderr.write(`soak client ${setup.index}: ${(err as Error).message}\n`);
    }
  }
}

async function verify(nodes: string[]): Promise<VerifyCounts> {
  const v = zeroVerifyCounts(problems);
  const [nz, , nx] = setup.shapeZyx;
  const slab: BoxZyx = [[0, nz], [setup.y0, setup.y1], [0, nx]];
  for (const node of nodes) {
    const one = connect(node, CLIENT_OPTIONS);
    try {
      for (const uuid of voxels.versions) {
        try {
          const read = await volumeAt(one, uuid).read(slab);
          const m = voxels.compare(uuid, slab, read.data as Uint8Array);
          v.voxelsChecked += read.data.length;
          v.lostVoxels += m.lost;
          v.wrongVoxels += m.wrong;
          if (m.first) note(`through ${node}: ${m.first} (${m.lost} lost, ${m.wrong} wrong in this version)`);
        } catch (err) {
          v.verifyErrors++;
          note(`reading version ${uuid} through ${node} failed: ${(err as Error).message}`);
        }
      }
      for (const [uuid, ledger] of logs) {
        try {
          const found = new Map<string, number>();
          for (const line of await one.version(uuid).log()) {
            const message = line.slice(line.indexOf("  ") + 2);
            if (message.startsWith(`${setup.tag}-`)) found.set(message, (found.get(message) ?? 0) + 1);
          }
          for (const entry of ledger.acknowledged.keys()) {
            v.logEntriesChecked++;
            if (!found.has(entry)) {
              v.lostLogEntries++;
              note(`log entry ${entry} of version ${uuid} missing through ${node}`);
            }
          }
          for (const [entry, n] of found) {
            if ((!ledger.acknowledged.has(entry) && !ledger.unknown.has(entry)) || n > 1) {
              v.wrongLogEntries++;
              note(`log entry ${entry} of version ${uuid} through ${node} was never sent, or is there ${n} times`);
            }
          }
        } catch (err) {
          v.verifyErrors++;
          note(`reading the log of ${uuid} through ${node} failed: ${(err as Error).message}`);
        }
      }
      const kv = one.version(setup.root).keyValue(setup.keyValue);
      for (const [key, value] of [...keys.acknowledged, ...keys.unknown]) {
        const acknowledged = keys.acknowledged.has(key);
        try {
          const got = await kv.getText(key);
          v.logEntriesChecked++;
          if (got === undefined && acknowledged) {
            v.lostLogEntries++;
            note(`key ${key} missing through ${node}`);
          } else if (got !== undefined && got !== value) {
            v.wrongLogEntries++;
            note(`key ${key} through ${node}: ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
          }
        } catch (err) {
          v.verifyErrors++;
          note(`reading key ${key} through ${node} failed: ${(err as Error).message}`);
        }
      }
    } finally {
      one.close();
    }
  }
  return v;
}

async function handle(message: ToClient): Promise<void> {
  switch (message.type) {
    case "setup":
      setup = message.setup;
      random = new Random(setup.seed);
      client = connect({ writer: setup.writer, readers: setup.nodes.filter((n) => n !== setup.writer) }, CLIENT_OPTIONS);
      voxels = new VoxelLedger(setup.shapeZyx, setup.y0, setup.y1);
      send({ type: "ready" });
      return;
    case "epoch":
      for (const uuid of message.open) voxels.addVersion(uuid, message.parents[uuid]);
      open = message.open;
      stopRequested = false;
      loop = runLoop();
      return;
    case "pause":
      stopRequested = true;
      await loop;
      send({ type: "paused" });
      return;
    case "verify":
      send({ type: "verified", counts, verify: await verify(message.nodes) });
      return;
    case "exit":
      client.close();
      process.disconnect();
      return;
  }
}

process.on("message", (message: ToClient) => {
  handle(message).catch((err: unknown) => send({ type: "failed", message: (err as Error)?.stack ?? String(err) }));
});
