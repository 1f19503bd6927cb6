// What a volume or key-value handle needs of the version it belongs to. An interface apart from
// `Version`, so that volume.ts and key-value.ts need not import version.ts, which imports them.
import type { CallOptions } from "./options.js";

export interface VersionHandle {
  /** The reference as given: a full UUID, a prefix, or `prefix:branch[~N]`. */
  readonly ref: string;
  /** The full UUID the reference names now (resolved once per read or write). */
  uuid(options?: CallOptions): Promise<string>;
}
