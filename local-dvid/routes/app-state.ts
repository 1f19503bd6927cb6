// What every handler of one app (one server process) shares.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ObjectStore } from "../store/object-store.js";
import type { Limits } from "../limits.js";
import { MetadataStore } from "../meta/metadata-store.js";
import { LockedBlockIndex } from "../voxels/block-lookup.js";
import { BufferPool } from "../voxels/buffer-pool.js";

export interface AppOptions {
  readonly readonly: boolean;
  readonly adminToken: string | undefined;
  readonly note: string;
  /** What one request may send or ask for (limits.ts). */
  readonly limits: Limits;
}

/** Requests per second, for /api/load (DVID reports rates, not totals). */
class RequestRates {
  #second = 0;
  #gets = 0;
  #puts = 0;
  #lastGets = 0;
  #lastPuts = 0;
  active = 0;

  count(method: string): void {
    const now = Math.floor(Date.now() / 1000);
    if (now !== this.#second) {
      const fresh = now === this.#second + 1;
      this.#lastGets = fresh ? this.#gets : 0;
      this.#lastPuts = fresh ? this.#puts : 0;
      this.#gets = 0;
      this.#puts = 0;
      this.#second = now;
    }
    if (method === "GET" || method === "HEAD") this.#gets++;
    else this.#puts++;
  }

  snapshot(): { gets: number; puts: number } {
    return { gets: this.#lastGets, puts: this.#lastPuts };
  }
}

export class AppState {
  readonly store: ObjectStore;
  readonly meta: MetadataStore;
  readonly pool = new BufferPool();
  readonly blockIndex = new LockedBlockIndex();
  readonly options: AppOptions;
  readonly startedAt = Date.now();
  readonly rates = new RequestRates();
  /** The store's class name, shown as "Storage backend" (e.g. FsStore, MemoryStore). */
  readonly storeName: string;

  constructor(store: ObjectStore, options: AppOptions) {
    this.store = store;
    this.meta = new MetadataStore(store);
    this.options = options;
    this.storeName = store.constructor?.name || "ObjectStore";
  }
}

/** One request as the handlers see it. */
export interface RequestContext {
  readonly app: AppState;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The decoded URL path (DVID's error suffix prints it). */
  readonly path: string;
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  /** True when `?admintoken=` matches the server's admin token (DVID HEAD, dvid-api.md §1.6). */
  readonly admin: boolean;
  /** The Host header, for DVID's help URLs. */
  readonly host: string;
}
