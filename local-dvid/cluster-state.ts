// The state file of a local cluster: `<stateDir>/<name>.json`, so that another process (the
// `dvidcloud down NAME` CLI, a test, a later `up`) can find the cluster's nodes and stop them.
//
// It is written atomically (temp file + rename: a reader sees a whole file or none), and it is
// also the lock that makes a name unique: a launcher claims the name by linking a complete
// "starting" state file into place, which fails if the file exists (link(2) is atomic and
// never shows a half-written file). A state file whose processes are all dead is stale and
// may be replaced.
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isClusterNodeAlive } from "./cluster-process.js";
import { isProcessAlive } from "./store/process-alive.js";

export interface LocalClusterNode {
  index: number;
  role: "writer" | "reader";
  url: string;
  port: number;
  pid: number;
  readonly: boolean;
}

export interface LocalClusterState {
  name: string;
  storeDir: string;
  stateFile: string;
  /** ISO 8601 time the cluster was started; identifies this run of the name. */
  createdAt: string;
  nodes: LocalClusterNode[];
}

/** What the file holds: the state, plus what a launcher needs to tell live from stale. */
export interface StateFileContent {
  format: "dvidcloud-local-cluster";
  version: 1;
  /** "starting" while the launcher waits for the nodes (ports may still be 0), then "running". */
  status: "starting" | "running";
  /** The process that started the cluster (it may have exited since, in detached mode). */
  launcherPid: number;
  name: string;
  storeDir: string;
  createdAt: string;
  nodes: LocalClusterNode[];
}

export function stateFilePath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.json`);
}

export function toState(content: StateFileContent, stateFile: string): LocalClusterState {
  return { name: content.name, storeDir: content.storeDir, stateFile, createdAt: content.createdAt, nodes: content.nodes };
}

/** The file's content, or undefined when it does not exist or is not a state file. */
export async function readStateFile(path: string): Promise<StateFileContent | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const content = JSON.parse(text) as StateFileContent;
    if (content.format !== "dvidcloud-local-cluster" || !Array.isArray(content.nodes)) return undefined;
    return content;
  } catch {
    return undefined;
  }
}

/** True while any process of the cluster runs: a node, or the launcher of a starting cluster. */
export function isStateLive(content: StateFileContent): boolean {
  if (content.status === "starting" && isProcessAlive(content.launcherPid)) return true;
  return content.nodes.some((node) => isClusterNodeAlive(node.pid, content.storeDir));
}

/** Replaces the state file atomically. */
export async function writeStateFile(path: string, content: StateFileContent): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, `${JSON.stringify(content, null, 2)}\n`);
  await rename(temp, path);
}

/**
 * Creates the state file only if none exists. Returns undefined on success, or the content of
 * the state file that is in the way.
 */
export async function claimStateFile(path: string, content: StateFileContent): Promise<StateFileContent | undefined> {
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
