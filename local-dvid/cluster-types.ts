// What the local cluster launcher reports, shared by the launcher (cluster.ts), the state file
// (cluster-state.ts) and the kept stores (cluster-data.ts).

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

/** A cluster's store on disk, kept after `down` until deleted (`deleteLocalClusterData`). */
export interface LocalStoreInfo {
  name: string;
  /** `<stateDir>/<name>`: the cluster's state, logs and (by default) store. */
  clusterDir: string;
  /** The store directory: `<clusterDir>/store`, or the `storeDir` the cluster was started with. */
  storeDir: string;
  /** Total size of the files in the store directory, in bytes. */
  bytes: number;
  /** Whether the cluster of that name is running now. */
  running: boolean;
}
