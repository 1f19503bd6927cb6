// Local stores kept after `down` (stopping a cluster keeps its store on purpose): listing them
// with their size, and deleting a stopped cluster's data.
//
// Where a store is comes from the store record (`<stateDir>/<name>/store.json`, cluster-state.ts),
// which outlives the state file, else from a state file left behind, else the default
// `<stateDir>/<name>/store`.
//
// A store given as `storeDir` outside the cluster's folder is deleted with the cluster's data: the
// user pointed the cluster at it, and `--delete-data` is expected to remove that data. But only
// when everything in it is what a filesystem store makes (store/fs-store.ts: object files that
// start with the object header, key folders ending in "#", lock and temp files, `#owners/`); a
// folder that holds anything else (a home directory given by mistake, a store with the user's own
// files in it) is refused with NOT_A_STORE, and nothing is deleted.
import { lstat, open, opendir, realpath, rm } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { checkClusterName, isClusterName, resolveStateDir } from "./cluster-options.js";
import {
  claimStateFile,
  clusterDirPath,
  isStateLive,
  readStateFile,
  readStoreRecord,
  removeStateFile,
  stateFilePath,
  type StateFileContent,
} from "./cluster-state.js";
import type { LocalStoreInfo } from "./cluster-types.js";
import { listLocalClusters } from "./cluster.js";
import { LocalDvidError } from "./errors.js";
import { checkOptionKeys } from "./option-checks.js";

/** Every cluster folder under the state directory that holds a store, running or not, by name. */
export async function listLocalStores(options?: { stateDir?: string }): Promise<LocalStoreInfo[]> {
  const stateDir = resolveStateDir(checkOptionKeys(options, ["stateDir"], "listLocalStores").stateDir);
  let dir: Awaited<ReturnType<typeof opendir>>;
  try {
    dir = await opendir(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const stores: LocalStoreInfo[] = [];
  for await (const entry of dir) {
    if (!entry.isDirectory() || !isClusterName(entry.name)) continue;
    const name = entry.name;
    const clusterDir = clusterDirPath(stateDir, name);
    const state = await readStateFile(stateFilePath(stateDir, name));
    const storeDir = await storeDirOf(clusterDir, state);
    const bytes = await directoryBytes(storeDir);
    if (bytes === undefined) continue; // no store (yet, or any more)
    stores.push({ name, clusterDir, storeDir, bytes, running: state !== undefined && state.status !== "deleting" && isStateLive(state) });
  }
  return stores.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Deletes a stopped cluster's data: its folder `<stateDir>/<name>` (store record, logs, default
 * store), a state file left behind, and a `storeDir` it was started with outside that folder if
 * that directory holds nothing but the store (else NOT_A_STORE, and nothing is deleted). Returns
 * false when there was nothing to delete. Throws CLUSTER_RUNNING, deleting nothing, while the
 * cluster runs, or while another running cluster uses the store.
 */
export async function deleteLocalClusterData(name: string, options?: { stateDir?: string }): Promise<boolean> {
  checkClusterName(name);
  const stateDir = resolveStateDir(checkOptionKeys(options, ["stateDir"], "deleteLocalClusterData").stateDir);
  const stateFile = stateFilePath(stateDir, name);
  const clusterDir = clusterDirPath(stateDir, name);
  if ((await lstat(stateDir).catch(() => undefined)) === undefined) return false; // (the claim below would create it)
  const before = await readStateFile(stateFile);
  // The name is claimed for the time of the deletion, as a launcher claims it: this fails while
  // the cluster runs, and an `up` of the name meanwhile is refused instead of starting on a
  // store that is being deleted.
  const claim: StateFileContent = {
    format: "dvidcloud-local-cluster",
    version: 1,
    status: "deleting",
    launcherPid: process.pid,
    name,
    storeDir: "",
    createdAt: new Date().toISOString(),
    nodes: [],
  };
  const live = await claimStateFile(stateFile, claim);
  if (live !== undefined) {
    const what = live.status === "deleting" ? `having its data deleted by process ${live.launcherPid}` : `running (pids ${live.nodes.map((n) => n.pid).join(", ") || live.launcherPid})`;
    throw new LocalDvidError("CLUSTER_RUNNING", `local cluster "${name}" is ${what}; stop it first (its data was not deleted)`);
  }
  try {
    const storeDir = await storeDirOf(clusterDir, before);
    const external = !isInside(storeDir, clusterDir);
    for (const other of await listLocalClusters({ stateDir })) {
      if (other.name !== name && (isInside(other.storeDir, clusterDir) || (external && isInside(other.storeDir, storeDir)))) {
        throw new LocalDvidError(
          "CLUSTER_RUNNING",
          `local cluster "${other.name}" is running on the store ${other.storeDir} of "${name}"; stop it first (the data of "${name}" was not deleted)`,
        );
      }
    }
    const storeTarget = external ? await realpath(storeDir).catch(() => undefined) : undefined;
    if (storeTarget !== undefined) {
      const problem = await storeLayoutProblem(storeTarget);
      if (problem !== undefined) {
        throw new LocalDvidError(
          "NOT_A_STORE",
          `the store directory ${storeDir} of local cluster "${name}" holds more than a store (${problem}); expected only what local-dvid writes there, so nothing was deleted`,
        );
      }
    }
    const hadFolder = (await lstat(clusterDir).catch(() => undefined)) !== undefined;
    if (!hadFolder && storeTarget === undefined && before === undefined) return false;
    // The store first: if that fails midway, the folder and its store record remain for a retry.
    if (storeTarget !== undefined) {
      await rm(storeTarget, { recursive: true, force: true });
      await rm(storeDir, { force: true }); // the link, when storeDir was a symbolic link to the store
    }
    await rm(clusterDir, { recursive: true, force: true });
    return true;
  } finally {
    await removeStateFile(stateFile, claim.createdAt);
  }
}

async function storeDirOf(clusterDir: string, state: StateFileContent | undefined): Promise<string> {
  return (await readStoreRecord(clusterDir)) ?? (state?.storeDir || join(clusterDir, "store"));
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || !(rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel));
}

/** Total size of the files under `dir`, or undefined when it is not a directory. */
async function directoryBytes(dir: string): Promise<number | undefined> {
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw err;
  }
  let bytes = 0;
  for await (const entry of handle) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) bytes += (await directoryBytes(path)) ?? 0;
    else if (entry.isFile()) bytes += (await lstat(path).catch(() => undefined))?.size ?? 0; // a temp file may be renamed meanwhile
  }
  return bytes;
}

// The filesystem store's layout (store/fs-store.ts, store/keys.ts, store/fs-key-lock.ts).
const SEGMENT = "[A-Za-z0-9._~:=+@-]+";
const KEY_DIR = new RegExp(`^${SEGMENT}#$`);
const OBJECT_FILE = new RegExp(`^${SEGMENT}$`);
const BESIDE_OBJECT = new RegExp(`^${SEGMENT}#(?:lock|lock-break|tmp\\.\\d+\\.\\d+)$`);
const OWNERS_DIR = "#owners";
const OWNER_FILE = /^\d+-[0-9a-f]+$/;
const OBJECT_MAGIC = "LDVO";

/** Undefined when everything under `dir` is the store's own; else what is not, for the error. */
async function storeLayoutProblem(dir: string, top = true): Promise<string | undefined> {
  for await (const entry of await opendir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (top && entry.name === OWNERS_DIR) {
        for await (const owner of await opendir(path)) {
          if (!owner.isFile() || !OWNER_FILE.test(owner.name)) return `${join(path, owner.name)} is not a lock owner file`;
        }
        continue;
      }
      if (!KEY_DIR.test(entry.name)) return `${path} is not a store key folder`;
      const problem = await storeLayoutProblem(path, false);
      if (problem !== undefined) return problem;
    } else if (entry.isFile()) {
      if (BESIDE_OBJECT.test(entry.name)) continue;
      if (!OBJECT_FILE.test(entry.name) || !(await startsWithMagic(path))) return `${path} is not a store object`;
    } else {
      return `${path} is neither a file nor a folder`;
    }
  }
  return undefined;
}

async function startsWithMagic(path: string): Promise<boolean> {
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(OBJECT_MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.toString("latin1") === OBJECT_MAGIC;
  } finally {
    await fh.close();
  }
}
