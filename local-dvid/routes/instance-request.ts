// One request to a data instance (`/api/node/{uuid}/{dataname}/{keyword}/…`), as the
// instance handlers of every data type see it.
import type { InstanceMeta, NodeMeta, RepoMeta } from "../meta/repo-meta.js";
import type { RequestContext } from "./app-state.js";

export interface InstanceRequest {
  readonly ctx: RequestContext;
  readonly repo: RepoMeta;
  /** The node named in the URL (what lock checks and error texts refer to). */
  readonly node: NodeMeta;
  readonly inst: InstanceMeta;
  readonly keyword: string;
  /** Path segments after the keyword, a trailing empty one dropped. */
  readonly parts: readonly string[];
}
