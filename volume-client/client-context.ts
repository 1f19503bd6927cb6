// What versions, volumes and key-value instances share with the client that made them.
import type { ResolvedClientOptions } from "./options.js";
import type { Transport } from "./transport.js";

export interface ClientContext {
  readonly transport: Transport;
  readonly options: ResolvedClientOptions;
  /** The writer's advertised extensions (`GET /api/server/info` `"Extensions"`), cached. */
  extensions(signal?: AbortSignal): Promise<ReadonlySet<string>>;
}
