// The stores local clusters keep after `down` (as a bucket outlives its VMs): listed with their
// size, and deleted on request (`down(name, { deleteData: true })`, `purge(name)`). Local
// target only; the launcher (local-dvid) owns the layout on disk.
import { deleteLocalClusterData, isLocalDvidError, listLocalStores } from "../local-dvid/index.js";
import { DvidcloudError } from "./errors.js";
import { invalid } from "./option-checks.js";
import { checkLocalName, resolveTargetOptions, type ResolvedTargetOptions, type TargetOptions } from "./options.js";

/** A local cluster's store on disk. */
export interface LocalStore {
  readonly name: string;
  /** The store directory (the cluster's "bucket"). */
  readonly storeDir: string;
  /** `<stateDir>/<name>`: the cluster's logs and, by default, its store. */
  readonly clusterDir: string;
  /** Size of the files in the store, in bytes. */
  readonly bytes: number;
  /** Whether the cluster of that name is running now (its store is then in use, not just kept). */
  readonly running: boolean;
}

function localOnly(options: TargetOptions, where: string): ResolvedTargetOptions {
  const opts = resolveTargetOptions(options, where);
  if (opts.target !== "local") throw invalid(`${where}: applies only to target "local" (a gcp cluster keeps its data in its bucket; see infra/README.md); got target "${opts.target}"`);
  return opts;
}

/** The local stores in the state directory, running clusters' included (`running: true`). */
export async function listStores(options: TargetOptions = {}): Promise<LocalStore[]> {
  const opts = localOnly(options, "listStores()");
  const stores = await listLocalStores({ stateDir: opts.local.stateDir });
  return stores.map((s) => ({ name: s.name, storeDir: s.storeDir, clusterDir: s.clusterDir, bytes: s.bytes, running: s.running }));
}

/**
 * Deletes a stopped local cluster's store and logs. Throws `CLUSTER_RUNNING` while it runs (stop
 * it first, or `down(name, { deleteData: true })`), `CLUSTER_NOT_FOUND` when nothing is kept.
 */
export async function purge(name: string, options: TargetOptions = {}): Promise<void> {
  const where = "purge()";
  const opts = localOnly(options, where);
  checkLocalName(name, where);
  if (!(await deleteLocalData(name, opts.local.stateDir, where))) {
    throw new DvidcloudError("CLUSTER_NOT_FOUND", `${where}: no local cluster named "${name}" has a kept store`);
  }
}

/** Deletes what the local cluster `name` keeps on disk; false when there was nothing. */
export async function deleteLocalData(name: string, stateDir: string | undefined, where: string): Promise<boolean> {
  try {
    return await deleteLocalClusterData(name, { stateDir });
  } catch (err) {
    if (isLocalDvidError(err, "CLUSTER_RUNNING")) {
      throw new DvidcloudError("CLUSTER_RUNNING", `${where}: local cluster "${name}" is running; stop it first (dvidcloud down ${name}, or down ${name} --delete-data)`, { cause: err });
    }
    if (isLocalDvidError(err, "INVALID_OPTION")) throw invalid(`${where}: ${err.message}`, err);
    throw err;
  }
}
