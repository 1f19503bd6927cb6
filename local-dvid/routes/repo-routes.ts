// Repo-level endpoints: /api/repo/{uuid}[/{action}[/…]] (dvid-api.md §3.3-3.5, §3.8). The UUID
// is resolved before the route is matched (DVID's repoSelector middleware), so an unknown UUID is
// a 400 even on an unknown action.
import { badRequest, notFound } from "../http/errors.js";
import { goQuote } from "../../volume-client/wire/go-format.js";
import { sendBody, sendEmpty, sendJson } from "../http/respond.js";
import { branchAncestry } from "../meta/dag.js";
import { buildInstance, describeConfig, parseInstanceConfig } from "../meta/instance-config.js";
import type { ResolvedNode } from "../meta/metadata-store.js";
import { newUuid } from "../meta/new-uuid.js";
import { findInstance, findNode, type NodeMeta } from "../meta/repo-meta.js";
import { logEntries, rfc3339Nano } from "../meta/time-format.js";
import { isDataTypeName } from "../types/data-types.js";
import type { RequestContext } from "./app-state.js";
import { decodeMap, decodeStruct, parseJson, readText } from "./json-body.js";
import { repoJson } from "./repo-json.js";

export async function handleRepo(ctx: RequestContext, resolved: ResolvedNode, rest: readonly string[]): Promise<void> {
  const { method } = ctx;
  const get = method === "GET" || method === "HEAD";
  const [action, ...more] = rest;
  if (action === undefined) {
    if (method !== "HEAD") throw notFound();
    return sendBody(ctx.res, 200, "text/plain", `Repo available with root UUID ${resolved.repo.root}\n`);
  }
  if (action === "branch-versions" && more.length === 1 && get) {
    return sendJson(ctx.res, branchAncestry(resolved.repo, more[0]).map((n) => n.uuid));
  }
  if (more.length > 0) throw notFound();
  switch (`${get ? "GET" : method} ${action}`) {
    case "GET info":
      return sendJson(ctx.res, await repoJson(ctx.app, resolved.repo));
    case "POST info":
      return postRepoInfo(ctx, resolved);
    case "POST instance":
      return newInstance(ctx, resolved);
    case "GET log":
      return sendJson(ctx.res, { log: resolved.repo.log });
    case "POST log":
      return postRepoLog(ctx, resolved);
    case "POST merge":
      return merge(ctx);
    case "POST resolve":
      throw badRequest("the conflict-resolving merge (resolve) is not supported by local-dvid; use merge");
    default:
      throw notFound();
  }
}

async function postRepoInfo(ctx: RequestContext, resolved: ResolvedNode): Promise<void> {
  const body = decodeStruct(parseJson(await readText(ctx), true), { alias: "string", description: "string" });
  await ctx.app.meta.updateRepo(resolved.repo.root, (repo) => {
    if (body.alias !== undefined) repo.alias = body.alias as string;
    if (body.description !== undefined) repo.description = body.description as string;
    repo.updated = rfc3339Nano();
  });
  sendEmpty(ctx.res);
}

async function postRepoLog(ctx: RequestContext, resolved: ResolvedNode): Promise<void> {
  const log = decodeMap(parseJson(await readText(ctx), true), "string[]").get("log");
  if (log === undefined) throw badRequest("Could not find 'log' value in POSTed JSON.");
  await ctx.app.meta.updateRepo(resolved.repo.root, (repo) => {
    // One by one: spreading 100,000s of entries into push overflows the stack.
    for (const entry of logEntries(log as string[])) repo.log.push(entry);
    repo.updated = rfc3339Nano();
  });
  sendEmpty(ctx.res);
}

/** POST /api/repo/{uuid}/instance (dvid-api.md §3.5). */
async function newInstance(ctx: RequestContext, resolved: ResolvedNode): Promise<void> {
  const { node } = resolved;
  if (node.locked && !ctx.admin) throw badRequest(`New data instance cannot be created on locked node ${node.uuid}`);
  const config = parseInstanceConfig(Buffer.from(await readText(ctx)), "Error decoding POSTed JSON config for 'new'");
  const typeName = config.get("typename");
  if (typeof typeName !== "string") throw badRequest("POST on repo endpoint requires specification of valid 'typename'");
  const dataName = config.get("dataname");
  if (typeof dataName !== "string" || dataName === "") {
    throw badRequest("POST on repo endpoint requires specification of valid 'dataname'");
  }
  if (!isDataTypeName(typeName)) throw badRequest(`Data type ${goQuote(typeName)} is not supported by current DVID server`);
  // Validate the settings before touching the repo, so a bad config never costs a CAS round.
  buildInstance(config, typeName, dataName, newUuid(), node.uuid, rfc3339Nano());
  await ctx.app.meta.updateRepo(resolved.repo.root, (repo) => {
    const current = findNode(repo, node.uuid);
    if (current?.locked && !ctx.admin) throw badRequest(`New data instance cannot be created on locked node ${node.uuid}`);
    if (findInstance(repo, dataName)) {
      throw badRequest(`Data named ${goQuote(dataName)} already exists in repo (root ${repo.root})`);
    }
    const now = rfc3339Nano();
    repo.instances.push(buildInstance(config, typeName, dataName, newUuid(), node.uuid, now));
    repo.log.push(
      ...logEntries([`New data instance ${goQuote(dataName)} of type ${goQuote(typeName)} with config ${describeConfig(config)}`]),
    );
    repo.updated = now;
  });
  sendBody(ctx.res, 200, "application/json", JSON.stringify({ result: `Added ${dataName} [${typeName}] to node ${node.uuid}` }));
}

/** POST /api/repo/{uuid}/merge: a conflict-free merge of committed parents (dvid-api.md §3.8). */
async function merge(ctx: RequestContext): Promise<void> {
  const body = decodeStruct(parseJson(await readText(ctx), false), {
    mergeType: "string",
    note: "string",
    parents: "string[]",
  });
  const parentSpecs = (body.parents as string[] | undefined) ?? [];
  if (parentSpecs.length < 2) throw badRequest("Must specify at least two parent UUIDs using 'parents' field");
  const parents: ResolvedNode[] = [];
  for (const spec of parentSpecs) {
    try {
      parents.push(await ctx.app.meta.resolve(spec));
    } catch (err) {
      throw badRequest(`can't match parent ${goQuote(spec)}: ${(err as Error).message}`, err);
    }
  }
  if (body.mergeType !== "conflict-free") throw badRequest("'mergeType' must be 'conflict-free' at this time");
  const root = parents[0].repo.root;
  if (parents.some((p) => p.repo.root !== root)) {
    throw badRequest(`merge parents must belong to one repo; ${parents.map((p) => p.node.uuid).join(", ")} do not`);
  }
  const parentUuids = parents.map((p) => p.node.uuid);
  const check = (node: NodeMeta | undefined): NodeMeta => {
    // DVID adds the half-built child before checking the locks; here a refused merge leaves no trace.
    if (!node?.locked) throw badRequest("can't branch an unlocked node");
    return node;
  };
  parentUuids.forEach((u) => check(findNode(parents[0].repo, u)));
  const child = newUuid();
  await ctx.app.meta.addNode(root, child, (repo, node) => {
    const ps = parentUuids.map((u) => check(findNode(repo, u)));
    node.parents = ps.map((p) => p.versionId);
    node.note = (body.note as string | undefined) ?? "";
    for (const p of ps) {
      p.children.push(node.versionId);
      p.updated = node.created;
    }
  });
  sendBody(ctx.res, 200, "application/json", `{"child": ${JSON.stringify(child)}}`);
}
