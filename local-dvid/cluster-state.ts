// The files a local cluster keeps in the state directory:
//
//   <stateDir>/<name>.json         the state file, while the cluster runs (or starts, or its data
//                                  is being deleted)
//   <stateDir>/<name>/store.json   the store record: where the cluster's store is; kept after
//                                  `down`, so that the kept store can be listed and deleted
//   <stateDir>/<name>/logs/        each node's stderr
//   <stateDir>/<name>/store/       the store, unless the cluster was started with another storeDir
//
// The state file lets another process (the `dvidcloud down NAME` CLI, a test, a later `up`) find
// the cluster's nodes and stop them. It is written atomically (temp file + rename: a reader sees a
// whole file or none), and it is also the lock that makes a name unique: a process claims the
// name by linking a complete "starting" (or "deleting") state file into place, which fails if the
// file exists (link(2) is atomic and never shows a half-written file). A state file whose
// processes are all gone is stale and may be replaced. Each node is recorded with its pid and the
// start token of that process (cluster-process.ts), so a pid the kernel gave to another process
// since is not taken for a node.
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isClusterNodeAlive } from "./cluster-process.js";
import type { LocalClusterNode, LocalClusterState } from "./cluster-types.js";
import { isProcessAlive } from "./store/process-alive.js";

/** A node as the state file records it. */
export interface StateFileNode extends LocalClusterNode {
  /** processStartToken(pid) right after the spawn; absent when the process was gone by then. */
  startToken?: string;
}

/** What the file holds: the state, plus what a launcher needs to tell live from stale. */
export interface StateFileContent {
  format: "dvidcloud-local-cluster";
  version: 1;
  /**
   * "starting" while the launcher waits for the nodes (ports may still be 0), then "running".
   * "deleting" while `deleteLocalClusterData` removes the cluster's data (no nodes).
   */
  status: "starting" | "running" | "deleting";
  /** The process that started the cluster (it may have exited since, in detached mode), or that deletes its data. */
  launcherPid: number;
  name: string;
  storeDir: string;
  createdAt: string;
  nodes: StateFileNode[];
}

/** The store record: kept after the state file is gone. */
interface StoreRecord {
  format: "dvidcloud-local-store";
  version: 1;
  name: string;
  storeDir: string;
}

export function stateFilePath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.json`);
}

/** `<stateDir>/<name>`: the folder of the cluster's logs, store record and default store. */
export function clusterDirPath(stateDir: string, name: string): string {
  return join(stateDir, name);
}

export function toState(content: StateFileContent, stateFile: string): LocalClusterState {
  const nodes = content.nodes.map(({ index, role, url, port, pid, readonly }) => ({ index, role, url, port, pid, readonly }));
  return { name: content.name, storeDir: content.storeDir, stateFile, createdAt: content.createdAt, nodes };
}

/** The file's content, or undefined when it does not exist or is not a state file. */
export async function readStateFile(path: string): Promise<StateFileContent | undefined> {
  const content = await readJson<StateFileContent>(path);
  if (content?.format !== "dvidcloud-local-cluster" || !Array.isArray(content.nodes)) return undefined;
  return content as StateFileContent;
}

/** True while any process of the cluster runs: a node, or the launcher of a starting cluster, or the process deleting its data. */
export function isStateLive(content: StateFileContent): boolean {
  if (content.status !== "running" && isProcessAlive(content.launcherPid)) return true;
  return content.nodes.some((node) => isClusterNodeAlive(node.pid, node.startToken));
}

/** Replaces the state file atomically. */
export async function writeStateFile(path: string, content: StateFileContent): Promise<void> {
  await writeJsonAtomically(path, content);
}

/**
 * Claims the name: creates the state file only if no live one is in the way (a stale one is
 * removed, and the claim retried). Returns undefined on success, or the live state in the way.
 */
export async function claimStateFile(path: string, content: StateFileContent): Promise<StateFileContent | undefined> {
  // A few rounds: another process may win the name between the removal of a stale file and
  // the next attempt, and is then the live state in the way.
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await linkStateFile(path, content);
    if (existing === undefined) return undefined;
    if (isStateLive(existing)) return existing;
    await removeStateFile(path, existing.createdAt);
  }
  throw new Error(`could not claim the state file ${path}: other processes keep replacing it`);
}

async function linkStateFile(path: string, content: StateFileContent): Promise<StateFileContent | undefined> {
  await mkdir(join(path, ".."), { recursive: true });
  const temp = `${path}.${process.pid}.${Date.now()}.claim`;
  await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`);
  try {
    await link(temp, path);
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    // A file in the way that is not a state file (or vanished meanwhile) reads as a stale one.
    return (await readStateFile(path)) ?? { ...content, status: "running", launcherPid: 0, nodes: [] };
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Removes the state file if it still describes the run started at `createdAt`. */
export async function removeStateFile(path: string, createdAt: string): Promise<void> {
  const current = await readStateFile(path);
  if (current !== undefined && current.createdAt !== createdAt) return; // a newer run owns the name
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}

function storeRecordPath(clusterDir: string): string {
  return join(clusterDir, "store.json");
}

/** Records where the cluster's store is, in its folder. */
export async function writeStoreRecord(clusterDir: string, name: string, storeDir: string): Promise<void> {
  await mkdir(clusterDir, { recursive: true });
  const record: StoreRecord = { format: "dvidcloud-local-store", version: 1, name, storeDir };
  await writeJsonAtomically(storeRecordPath(clusterDir), record);
}

/** The recorded store directory, or undefined when the folder has no (valid) record. */
export async function readStoreRecord(clusterDir: string): Promise<string | undefined> {
  const record = await readJson<StoreRecord>(storeRecordPath(clusterDir));
  if (record?.format !== "dvidcloud-local-store" || typeof record.storeDir !== "string" || record.storeDir === "") return undefined;
  return record.storeDir;
}

async function readJson<T>(path: string): Promise<Partial<T> | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Partial<T>) : undefined;
  } catch {
    return undefined;
  }
}

let tempCounter = 0;

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.${tempCounter++}.tmp`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temp, path);
}
