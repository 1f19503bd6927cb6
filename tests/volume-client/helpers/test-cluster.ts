// The server side of the client tests: three in-process local-dvid nodes on one MemoryStore (a
// writer and two read-only readers, as a cluster shares one bucket), or, when DVID_URL is set,
// a real DVID at that address (then local-only tests are skipped with a printed reason).
import { afterAll, beforeAll, it } from "@jest/globals";
import { MemoryStore } from "../../../local-dvid/store/memory-store.js";
import { startLocalDvid } from "../../../local-dvid/server.js";
import { connect, type ConnectOptions, type DvidClient, type Endpoints, type Version } from "../../../volume-client/index.js";

export const REAL_DVID_URL = process.env.DVID_URL;

export interface TestCluster {
  readonly endpoints: { writer: string; readers: string[] };
  /** True for in-process local-dvid nodes (false against DVID_URL). */
  readonly local: boolean;
  /** Admin token for repo creation (DVID_ADMIN_TOKEN against a real DVID). */
  readonly adminToken?: string;
  /** Stops reader `i` (its URL then refuses connections). Local only. */
  stopReader(i: number): Promise<void>;
  close(): Promise<void>;
}

interface Running {
  url: string;
  close(): Promise<void>;
}

/** Starts the writer and `readers` read-only readers on one shared store. */
export async function startTestCluster(options: { readers?: number; store?: MemoryStore } = {}): Promise<TestCluster> {
  if (REAL_DVID_URL) {
    return {
      endpoints: { writer: REAL_DVID_URL, readers: [] },
      local: false,
      adminToken: process.env.DVID_ADMIN_TOKEN,
      stopReader: async () => {
        throw new Error("stopReader is local-only");
      },
      close: async () => {},
    };
  }
  const store = options.store ?? new MemoryStore();
  const started: Running[] = [];
  try {
    started.push(await startLocalDvid({ store, port: 0, host: "127.0.0.1" }));
    for (let i = 0; i < (options.readers ?? 2); i++) started.push(await startLocalDvid({ store, port: 0, host: "127.0.0.1", readonly: true }));
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
  const stopped = new Set<number>();
  return {
    endpoints: { writer: started[0].url, readers: started.slice(1).map((s) => s.url) },
    local: true,
    stopReader: async (i) => {
      if (stopped.has(i + 1)) return;
      stopped.add(i + 1);
      await started[i + 1].close();
    },
    close: async () => {
      await Promise.all(started.filter((_, i) => !stopped.has(i)).map((s) => s.close()));
      if (!options.store) await store.close();
    },
  };
}

export interface TestRepo {
  readonly cluster: TestCluster;
  readonly client: DvidClient;
  readonly repo: Version;
}

/**
 * A suite's cluster, client and repo: beforeAll starts the cluster, connects a client with
 * `options` (and the cluster's admin token) and creates a repo aliased `<alias>-<time>`; afterAll
 * closes both. Read the fields inside tests (they are set once beforeAll has run).
 */
export function useTestRepo(alias: string, options: ConnectOptions = {}): TestRepo {
  const suite = {} as { cluster: TestCluster; client: DvidClient; repo: Version };
  beforeAll(async () => {
    suite.cluster = await startTestCluster();
    suite.client = connect(suite.cluster.endpoints, { ...options, adminToken: suite.cluster.adminToken });
    suite.repo = await suite.client.createRepo({ alias: `${alias}-${Date.now()}` });
  });
  afterAll(async () => {
    suite.client?.close();
    await suite.cluster?.close();
  });
  return suite;
}

/** `it` for tests that need local-dvid (its extension, several nodes, fault injection). */
export const itLocal: typeof it = REAL_DVID_URL ? (it.skip as typeof it) : it;

/** Prints once per suite why local-only tests are skipped against a real DVID. */
export function announceSkips(suite: string, reason: string): void {
  if (REAL_DVID_URL) console.log(`[${suite}] DVID_URL=${REAL_DVID_URL}: skipping local-only tests (${reason})`);
}

export type { Endpoints };
