// /api/node/{uuid}/{dataname}/{keyword}[/…]: DVID's instanceSelector (dvid-api.md §3.7). The
// instance is looked up by name in the node's repo; for versioned instances a mutation (POST,
// PUT, DELETE) on a locked node is refused unless the request carries the admin token;
// unversioned instances map every node to the root and skip the lock check.
import { badRequest } from "../http/errors.js";
import { goQuote } from "../../volume-client/wire/go-format.js";
import type { ResolvedNode } from "../meta/metadata-store.js";
import { findInstance } from "../meta/repo-meta.js";
import { DATA_TYPES, isVoxelType } from "../types/data-types.js";
import type { RequestContext } from "./app-state.js";
import type { InstanceRequest } from "./instance-request.js";
import { handleKeyvalue } from "./keyvalue-routes.js";
import { handleVoxels } from "./voxel-routes.js";

const MUTATIONS = new Set(["POST", "PUT", "DELETE"]);

/** Read-only POSTs: they carry a query in the body and change nothing. */
function isMutation(method: string, keyword: string): boolean {
  return MUTATIONS.has(method) && !(method === "POST" && keyword === "labels");
}

export async function handleInstance(
  ctx: RequestContext,
  resolved: ResolvedNode,
  dataName: string,
  keyword: string,
  rest: readonly string[],
): Promise<void> {
  const { repo, node } = resolved;
  const inst = findInstance(repo, dataName);
  if (!inst) throw badRequest("invalid data instance name");
  if (inst.versioned && node.locked && !ctx.admin && isMutation(ctx.method, keyword)) {
    throw badRequest(`Cannot do ${ctx.method} on endpoint ${goQuote(keyword)} of locked node ${node.uuid}`);
  }
  // DVID drops one empty last segment (a trailing slash).
  const parts = rest.length > 0 && rest[rest.length - 1] === "" ? rest.slice(0, -1) : rest;
  const request: InstanceRequest = { ctx, repo, node, inst, keyword, parts };
  const type = DATA_TYPES[inst.typeName];
  if (isVoxelType(type)) return handleVoxels(request, type);
  return handleKeyvalue(request);
}
