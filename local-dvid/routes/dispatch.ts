// The router: DVID's URL families (dvid-api.md §1.1) matched on the decoded path segments, in
// the order DVID's middleware runs: read-only mode, then UUID resolution, then the route. No
// route → 404 `404 page not found` (goji has no 405); a GET route also answers HEAD.
import { badRequest, notFound } from "../http/errors.js";
import type { RequestContext } from "./app-state.js";
import { handleInstance } from "./instance-routes.js";
import { handleNode } from "./node-routes.js";
import { handleRepo } from "./repo-routes.js";
import {
  handleHeartbeat,
  handleHelp,
  handleLoad,
  handleNewRepo,
  handleReposInfo,
  handleServer,
} from "./server-routes.js";

export async function dispatch(ctx: RequestContext): Promise<void> {
  const s = ctx.segments;
  if (s[0] !== "api") throw notFound();
  const method = ctx.method;
  if (ctx.app.options.readonly && method !== "GET" && method !== "HEAD") {
    throw badRequest("Server in read-only mode and will only accept GET and HEAD requests");
  }
  const family = s[1];
  switch (family) {
    case "heartbeat":
      if (s.length !== 2) throw notFound();
      return handleHeartbeat(ctx);
    case "load":
      if (s.length !== 2) throw notFound();
      return handleLoad(ctx);
    case "help":
      if (s.length === 2 || (s.length === 3 && s[2] === "")) return handleHelp(ctx, undefined);
      if (s.length === 3) return handleHelp(ctx, s[2]);
      throw notFound();
    case "server":
      // Each /api/server GET is routed with and without a trailing slash.
      if (s.length === 3 || (s.length === 4 && s[3] === "")) return handleServer(ctx, s[2], s.length === 4);
      throw notFound();
    case "repos":
      if (s.length === 2 && method === "POST") return handleNewRepo(ctx);
      if (s.length === 3 && s[2] === "info") return handleReposInfo(ctx);
      throw notFound();
    case "repo": {
      if (s.length < 3 || s[2] === "") throw notFound();
      const resolved = await ctx.app.meta.resolve(s[2]);
      return handleRepo(ctx, resolved, s.slice(3));
    }
    case "node": {
      if (s.length < 3 || s[2] === "") throw notFound();
      const resolved = await ctx.app.meta.resolve(s[2]);
      if (s.length <= 4) return handleNode(ctx, resolved, s[3]);
      if (s[3] === "" || s[4] === "") throw notFound();
      return handleInstance(ctx, resolved, s[3], s[4], s.slice(5));
    }
    default:
      throw notFound();
  }
}
