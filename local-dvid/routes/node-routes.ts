// Node-level endpoints: /api/node/{uuid}/{action} (dvid-api.md §3.6, §3.7). DVID's nodeSelector
// refuses every non-GET request on a locked node before routing (`Cannot do post on locked node
// <uuid>`), except the actions that need a lock: branch, newversion (and tag).
import { badRequest, notFound } from "../http/errors.js";
import { goQuote } from "../../volume-client/wire/go-format.js";
import { sendBody, sendEmpty, sendJson } from "../http/respond.js";
import type { ResolvedNode } from "../meta/metadata-store.js";
import { isDvidUuid, newUuid } from "../meta/new-uuid.js";
import { findNode, setBranchLeaf, type NodeMeta, type RepoMeta } from "../meta/repo-meta.js";
import { uuidProblem } from "../meta/store-layout.js";
import { logEntries, rfc3339Nano } from "../meta/time-format.js";
import type { RequestContext } from "./app-state.js";
import { decodeMap, decodeStruct, parseJson, readText } from "./json-body.js";

const NEEDS_LOCK = new Set(["branch", "newversion", "tag"]);

export async function handleNode(ctx: RequestContext, resolved: ResolvedNode, action: string | undefined): Promise<void> {
  const { method } = ctx;
  const get = method === "GET" || method === "HEAD";
  const { node } = resolved;
  if (node.locked && !get && !ctx.admin && !(action !== undefined && NEEDS_LOCK.has(action))) {
    throw badRequest(`Cannot do ${method.toLowerCase()} on locked node ${node.uuid}`);
  }
  switch (`${get ? "GET" : method} ${action}`) {
    case "GET note":
      return sendJson(ctx.res, { note: node.note });
    case "GET log":
      return sendJson(ctx.res, { log: node.log });
    case "GET status":
    case "GET commit":
      return sendBody(ctx.res, 200, "application/json", `{"Locked":${node.locked}}`);
    case "POST note":
      return postNote(ctx, resolved);
    case "POST log":
      return postLog(ctx, resolved);
    case "POST commit":
      return commit(ctx, resolved);
    case "POST newversion":
      return newVersion(ctx, resolved, "newversion");
    case "POST branch":
      return newVersion(ctx, resolved, "branch");
    case "POST tag":
      return tag(ctx, resolved);
    default:
      throw notFound();
  }
}

/** Applies `change` to the node inside a compare-and-swap of its repo, re-checking the lock. */
async function updateNode(ctx: RequestContext, resolved: ResolvedNode, change: (node: NodeMeta) => void): Promise<void> {
  await ctx.app.meta.updateRepo(resolved.repo.root, (repo) => {
    const node = findNode(repo, resolved.node.uuid);
    if (!node) throw badRequest(`UUID ${resolved.node.uuid} is not present in datastore`);
    if (node.locked && !ctx.admin) throw badRequest(`Cannot do post on locked node ${node.uuid}`);
    change(node);
    node.updated = repo.updated = rfc3339Nano();
  });
}

async function postNote(ctx: RequestContext, resolved: ResolvedNode): Promise<void> {
  const note = decodeMap(parseJson(await readText(ctx), true), "string").get("note");
  if (note === undefined) throw badRequest("Could not find 'note' value in POSTed JSON.");
  await updateNode(ctx, resolved, (node) => {
    node.note = note as string;
  });
  sendEmpty(ctx.res);
}

async function postLog(ctx: RequestContext, resolved: ResolvedNode): Promise<void> {
  const log = decodeMap(parseJson(await readText(ctx), true), "string[]").get("log");
  if (log === undefined) throw badRequest("Could not find 'log' value in POSTed JSON.");
  await updateNode(ctx, resolved, (node) => {
    for (const entry of logEntries(log as string[])) node.log.push(entry);
  });
  sendEmpty(ctx.res);
}

/** POST commit: the body must be JSON (an empty body is DVID's `unexpected end of JSON input`). */
async function commit(ctx: RequestContext, resolved: ResolvedNode): Promise<void> {
  const body = decodeStruct(parseJson(await readText(ctx), false), { note: "string", log: "string[]" });
  // Through the version's write gate: writes in progress land first, later ones are refused
  // (meta/version-writes.ts), so the locked version never changes afterwards.
  const lockedMessage = `Cannot do post on locked node ${resolved.node.uuid}`;
  const lockInRepo = (): Promise<void> =>
    updateNode(ctx, resolved, (node) => {
      node.locked = true;
      if (body.note) node.note = body.note as string;
      if (body.log) for (const entry of logEntries(body.log as string[])) node.log.push(entry);
    });
  // An admin-token commit of a locked node (allowed) changes only its note and log.
  if (ctx.admin && resolved.node.locked) await lockInRepo();
  else await ctx.app.meta.commitVersion(resolved.node.uuid, lockedMessage, lockInRepo);
  sendBody(ctx.res, 200, "application/json", `{"committed": ${JSON.stringify(resolved.node.uuid)}}`);
}

/**
 * DVID's NewVersion rules: the parent must be locked; on the parent's own branch only one child
 * may exist; a new branch name must be unused in the whole DAG; "" and "master" cannot be made.
 */
function checkNewChild(repo: RepoMeta, parentUuid: string, branch: string): NodeMeta {
  const parent = findNode(repo, parentUuid);
  if (!parent) throw badRequest("UUID is not present in datastore");
  if (!parent.locked) throw badRequest("can't branch an unlocked node");
  if (branch === parent.branch) {
    for (const v of parent.children) {
      if (repo.nodes.find((n) => n.versionId === v)?.branch === branch) {
        throw badRequest("branch already exists with given name");
      }
    }
  } else if (repo.nodes.some((n) => n.branch === branch)) {
    throw badRequest("branch already exists with given name");
  }
  return parent;
}

async function newVersion(ctx: RequestContext, resolved: ResolvedNode, kind: "newversion" | "branch"): Promise<void> {
  const text = await readText(ctx);
  const body = decodeStruct(parseJson(text, true), { branch: "string", note: "string", uuid: "string" });
  let childUuid: string | undefined;
  if (body.uuid) {
    if (!isDvidUuid(body.uuid as string)) {
      throw badRequest(`Bad UUID provided: UUID must be 32 hexadecimal characters; got ${goQuote(body.uuid as string)}`);
    }
    childUuid = (body.uuid as string).toLowerCase();
  }
  let branch: string;
  if (kind === "branch") {
    const name = (body.branch as string | undefined) ?? "";
    if (name === "" || name === "master") throw badRequest("Cannot create a master branch");
    branch = name;
  } else {
    branch = resolved.node.branch;
  }
  const note = (body.note as string | undefined) ?? "";
  const child = await addChild(ctx, resolved, childUuid ?? newUuid(), branch, note, false);
  sendBody(ctx.res, 200, "application/json", `{"child": ${JSON.stringify(child)}}`);
}

/** POST tag (DVID v1.0.0+): a committed child whose UUID is the tag, on branch `tag-<tag>`. */
async function tag(ctx: RequestContext, resolved: ResolvedNode): Promise<void> {
  const body = decodeStruct(parseJson(await readText(ctx), false), { tag: "string", note: "string" });
  const tagName = (body.tag as string | undefined) ?? "";
  const problem = tagName.includes(":") ? "must not contain ':'" : uuidProblem(tagName);
  if (problem !== undefined) throw badRequest(`tag ${problem}; got ${goQuote(tagName.length > 100 ? tagName.slice(0, 100) + "…" : tagName)}`);
  const child = await addChild(ctx, resolved, tagName, `tag-${tagName}`, (body.note as string | undefined) ?? "", true);
  sendBody(ctx.res, 200, "application/json", `{"child": ${JSON.stringify(child)}}`);
}

async function addChild(
  ctx: RequestContext,
  resolved: ResolvedNode,
  childUuid: string,
  branch: string,
  note: string,
  locked: boolean,
): Promise<string> {
  // Check against what the request saw first, so that a refused request reserves nothing.
  checkNewChild(resolved.repo, resolved.node.uuid, branch);
  await ctx.app.meta.addNode(resolved.repo.root, childUuid, (repo, node) => {
    const parent = checkNewChild(repo, resolved.node.uuid, branch);
    node.parents = [parent.versionId];
    node.branch = branch;
    node.note = note;
    node.locked = locked;
    parent.children.push(node.versionId);
    parent.updated = node.created;
    setBranchLeaf(repo, branch, node.uuid);
  });
  return childUuid;
}
