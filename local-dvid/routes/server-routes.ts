// Server-level endpoints (dvid-api.md §2) and repo creation/listing (§3.1, §3.2).
import { cpus, hostname } from "node:os";
import { createRequire } from "node:module";
import { badRequest, notFound } from "../http/errors.js";
import { formatExtensions, NONALIGNED_RAW_POST } from "../../volume-client/wire/extensions.js";
import { goQuote } from "../../volume-client/wire/go-format.js";
import { sendBody, sendJson } from "../http/respond.js";
import { getString, parseInstanceConfig } from "../meta/instance-config.js";
import { uuidProblem } from "../meta/store-layout.js";
import { DATA_TYPES, isDataTypeName } from "../types/data-types.js";
import { helpPage, typeHelp } from "../types/help-text.js";
import type { RequestContext } from "./app-state.js";
import { readText } from "./json-body.js";
import { repoJson } from "./repo-json.js";

/** The extensions a real DVID lacks, advertised in /api/server/info under "Extensions". */
export const EXTENSIONS = [NONALIGNED_RAW_POST] as const;

function packageVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require("../../package.json") as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

const VERSION = packageVersion();

function formatUptime(ms: number): string {
  // Go's time.Duration String, e.g. "1h2m3.5s".
  const s = ms / 1000;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  const secText = `${Number(sec.toFixed(6))}s`;
  return h > 0 ? `${h}h${m}m${secText}` : m > 0 ? `${m}m${secText}` : secText;
}

function serverInfo(ctx: RequestContext): Record<string, string> {
  const { app } = ctx;
  const info: Record<string, string> = {
    Cores: String(cpus().length),
    "Maximum Cores": String(cpus().length),
    "Datastore Version": "0.11.0",
    "DVID Version": `local-dvid ${VERSION}`,
    "Storage backend": app.storeName,
    "Server time": new Date().toString(),
    "Server uptime": formatUptime(Date.now() - app.startedAt),
    "RPC Address": "",
    Host: ctx.host,
    Note: app.options.note,
    "TOML location": "",
    "Max Open Files": "",
    Extensions: formatExtensions(EXTENSIONS),
  };
  if (app.options.readonly) info.Mode = "read only";
  return info;
}

export async function handleServer(ctx: RequestContext, action: string, trailing: boolean): Promise<void> {
  if (ctx.method !== "GET" && ctx.method !== "HEAD") throw notFound();
  switch (action) {
    case "info":
      return sendJson(ctx.res, serverInfo(ctx));
    case "note":
      return sendBody(ctx.res, 200, "text/plain", ctx.app.options.note);
    case "types": {
      const types: Record<string, string> = {};
      for (const repo of await ctx.app.meta.listRepos()) {
        for (const inst of repo.instances) types[inst.typeName] = DATA_TYPES[inst.typeName].url;
      }
      return sendJson(ctx.res, types);
    }
    case "compiled-types": {
      const types: Record<string, string> = {};
      for (const t of Object.values(DATA_TYPES)) types[t.name] = t.url;
      return sendJson(ctx.res, types);
    }
    default:
      void trailing;
      throw notFound();
  }
}

export function handleHeartbeat(ctx: RequestContext): void {
  if (ctx.method !== "GET" && ctx.method !== "HEAD") throw notFound();
  sendBody(ctx.res, 200, "text/plain; charset=utf-8", "OK");
}

export function handleLoad(ctx: RequestContext): void {
  if (ctx.method !== "GET" && ctx.method !== "HEAD") throw notFound();
  const { gets, puts } = ctx.app.rates.snapshot();
  sendJson(ctx.res, {
    "file bytes read": 0,
    "file bytes written": 0,
    "key bytes read": 0,
    "key bytes written": 0,
    "value bytes read": 0,
    "value bytes written": 0,
    "GET requests": gets,
    "PUT requests": puts,
    "handlers active": ctx.app.rates.active,
    goroutines: 0,
    "active CGo routines": 0,
    "pending log messages": 0,
  });
}

export function handleHelp(ctx: RequestContext, typeName: string | undefined): void {
  if (ctx.method !== "GET" && ctx.method !== "HEAD") throw notFound();
  if (typeName === undefined) return sendBody(ctx.res, 200, "text/html", helpPage(hostname()));
  if (!isDataTypeName(typeName)) throw badRequest(`Data type ${goQuote(typeName)} is not supported by current DVID server`);
  sendBody(ctx.res, 200, "text/plain", typeHelp(typeName));
}

/** POST /api/repos. On a server with an admin token, only ?admintoken= may create repos (DVID HEAD). */
export async function handleNewRepo(ctx: RequestContext): Promise<void> {
  if (ctx.app.options.adminToken !== undefined && !ctx.admin) {
    throw badRequest("Creating a repo requires admin privileges (admintoken or DSG admin) on a server that is not read-only");
  }
  const text = await readText(ctx);
  const prefix = "Error decoding POSTed JSON config for new repo";
  const config = text.trim() === "" ? new Map<string, unknown>() : parseInstanceConfig(Buffer.from(text), prefix);
  const field = (name: string): string | undefined => {
    try {
      return getString(config, name);
    } catch (err) {
      const what = name === "root" ? "with error on getting 'root'" : `requires valid '${name}'`;
      throw badRequest(`POST on repos endpoint ${what}: ${(err as Error).message}`, err);
    }
  };
  const alias = field("alias") ?? "";
  const description = field("description") ?? "";
  const passcode = field("passcode") ?? "";
  const root = field("root");
  const rootProblem = root === undefined ? undefined : uuidProblem(root);
  if (rootProblem !== undefined) throw badRequest(`POST on repos endpoint: 'root' ${rootProblem}`);
  const uuid = await ctx.app.meta.createRepo({ alias, description, passcode, root });
  sendBody(ctx.res, 200, "application/json", `{"root": ${JSON.stringify(uuid)}}`);
}

export async function handleReposInfo(ctx: RequestContext): Promise<void> {
  if (ctx.method !== "GET" && ctx.method !== "HEAD") throw notFound();
  const out = Object.create(null) as Record<string, unknown>;
  for (const repo of await ctx.app.meta.listRepos()) out[repo.root] = await repoJson(ctx.app, repo);
  sendJson(ctx.res, out);
}
