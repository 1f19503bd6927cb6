// One local-dvid node as a process: `tsx local-dvid/cli.ts --store DIR [--port 0] …`.
// The local cluster launcher (cluster.ts) runs N of these on one store directory, as a GCP
// cluster runs N DVIDs on one bucket. It learns each node's port from the single JSON line the
// node prints once it listens, so nothing else may ever go to stdout.
import { readFileSync, realpathSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkAllowHosts, checkCorsOrigins } from "./http/access.js";
import { parseTokens, type AccessToken } from "./http/access-tokens.js";
import { FsStore } from "./store/fs-store.js";
import { DEFAULT_LIMITS, LIMIT_FLAGS, parseLimitFlag, type Limits } from "./limits.js";

export interface NodeCliOptions {
  store: string;
  port: number;
  host: string;
  readonly: boolean;
  note?: string;
  adminToken?: string;
  /** --allow-host, repeatable or comma-separated. */
  allowHosts: string[];
  /** --cors, repeatable or comma-separated. */
  corsOrigins: string[];
  /** From --token-file, else the environment variable DVIDCLOUD_TOKENS; undefined: no tokens. */
  tokens?: AccessToken[];
  /** --token-file as given. */
  tokenFile?: string;
  publicRead: boolean;
  parentWatch: boolean;
  help: boolean;
  /** The --max-… flags given (limits.ts); the others keep their defaults. */
  limits: Partial<Limits>;
}

const USAGE = `Usage: local-dvid --store DIR [options]

Runs one DVID-compatible node on a filesystem store. Several nodes may share one store
directory (one writer, the others --readonly), as DVIDs share one Cloud Storage bucket.

Options:
  --store DIR          store directory (created if missing); required
  --port N             TCP port, 0 = any free port (default 0)
  --host ADDR          address to listen on (default 127.0.0.1)
  --readonly           refuse every request but GET/HEAD, as DVID's rwmode = "readonly"
  --note TEXT          server note, shown by /api/server/note and /api/server/info
  --admin-token T      token that POST /api/repos?admintoken=T must carry; default: the
                       environment variable DVID_ADMIN_TOKEN, as for DVID (prefer the
                       variable: a flag's value shows in ps)
  --allow-host NAME    also answer requests whose Host header is NAME (repeatable or
                       comma list; * = any). By default only the node's own addresses
                       (127.0.0.1, localhost, [::1], the listening address, the host
                       name) are answered: other Host headers get 403 (DNS rebinding)
  --cors ORIGIN        let web pages of ORIGIN (http://host:port) read this node, as
                       DVID's corsDomains (repeatable or comma list; * = any). Default:
                       none. Cross-origin writes always need a token of the write role
  --token-file FILE    tokens with roles, one "role:token" per line (roles read, write,
                       admin; # comments) or JSON {"read": ["…"], …}; then every request
                       but heartbeats needs "Authorization: Bearer <token>": reads the
                       read role, writes write, POST /api/repos admin. Default: the
                       environment variable DVIDCLOUD_TOKENS (same format, commas allowed);
                       without either, no token is needed
  --public-read        with tokens: GET and HEAD need none (neuroglancer sends none)
  --parent-watch       exit when standard input reaches end-of-file (the parent died)
  --max-body-bytes N   raw POST body (and what a compressed one inflates to); default ${DEFAULT_LIMITS.maxBodyBytes}
  --max-response-bytes N  raw/isotropic GET answer; default ${DEFAULT_LIMITS.maxResponseBytes}
  --max-json-bytes N   JSON body; default ${DEFAULT_LIMITS.maxJsonBytes}
  --max-label-points N points of one labels GET; default ${DEFAULT_LIMITS.maxLabelPoints}
  --max-slice-bytes N  voxel bytes of one 2-D (PNG) slice; default ${DEFAULT_LIMITS.maxSliceBytes}
                       (sizes take K, M, G suffixes: 512M, 3G)
  --help               print this help

When listening it prints one line to stdout:
  {"event":"listening","url":"http://127.0.0.1:PORT","pid":N}
SIGTERM or SIGINT closes the server and the store and exits 0. Bad flags exit 2.
`;

/** Thrown by parseNodeArgs: the message names the flag and what was expected. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

type FlagKind = "string" | "boolean" | "list";
const FLAGS: Record<string, FlagKind> = {
  store: "string",
  port: "string",
  host: "string",
  note: "string",
  "admin-token": "string",
  "allow-host": "list",
  cors: "list",
  "token-file": "string",
  "public-read": "boolean",
  readonly: "boolean",
  "parent-watch": "boolean",
  help: "boolean",
  ...Object.fromEntries(Object.values(LIMIT_FLAGS).map((f) => [f, "string" as FlagKind])),
};

/** Parses the CLI's flags (argv without node and the script); tokens come from --token-file or `env`. */
export function parseNodeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeCliOptions {
  const values = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; expected flags only (see --help)`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = FLAGS[name];
    if (name === "token" || name === "tokens") {
      // A value on the command line shows in `ps` and in shell history.
      throw new UsageError(`flag --${name} does not exist: tokens on the command line leak through ps; give them with --token-file FILE or the environment variable DVIDCLOUD_TOKENS`);
    }
    if (kind === undefined) {
      throw new UsageError(`unknown flag --${name}; expected one of ${Object.keys(FLAGS).map((f) => `--${f}`).join(", ")}`);
    }
    if (values.has(name) && kind !== "list") throw new UsageError(`flag --${name} given twice; expected it at most once`);
    if (kind === "list") {
      const value = eq !== -1 ? arg.slice(eq + 1) : argv[i + 1];
      if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) throw new UsageError(`flag --${name} expects a value; got none`);
      if (eq === -1) i++;
      lists.set(name, [...(lists.get(name) ?? []), ...value.split(",").map((v) => v.trim()).filter((v) => v !== "")]);
      values.set(name, true);
    } else if (kind === "boolean") {
      if (eq !== -1) throw new UsageError(`flag --${name} takes no value; got ${JSON.stringify(arg.slice(eq + 1))}`);
      values.set(name, true);
    } else if (eq !== -1) {
      values.set(name, arg.slice(eq + 1));
    } else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`flag --${name} expects a value; got none`);
      values.set(name, value);
      i++;
    }
  }
  const help = values.get("help") === true;
  const store = values.get("store") as string | undefined;
  if (!help && (store === undefined || store === "")) throw new UsageError("flag --store DIR is required (the store directory); got none");
  const portText = (values.get("port") as string | undefined) ?? "0";
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`flag --port expects an integer from 0 to 65535; got ${JSON.stringify(portText)}`);
  const host = (values.get("host") as string | undefined) ?? "127.0.0.1";
  if (host === "") throw new UsageError('flag --host expects an address such as 127.0.0.1; got ""');
  const limits: Record<string, number> = {};
  for (const [key, flag] of Object.entries(LIMIT_FLAGS) as [keyof Limits, string][]) {
    const text = values.get(flag) as string | undefined;
    if (text === undefined) continue;
    try {
      limits[key] = parseLimitFlag(key, text);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const allowHosts = lists.get("allow-host") ?? [];
  const corsOrigins = lists.get("cors") ?? [];
  try {
    checkAllowHosts(allowHosts, "--allow-host");
    checkCorsOrigins(corsOrigins, "--cors");
  } catch (err) {
    throw new UsageError(`flag ${(err as Error).message}`);
  }
  const tokenFile = values.get("token-file") as string | undefined;
  let tokens: AccessToken[] | undefined;
  try {
    if (tokenFile !== undefined) {
      let text: string;
      try {
        text = readFileSync(tokenFile, "utf8");
      } catch (err) {
        throw new UsageError(`flag --token-file: cannot read ${tokenFile}: ${(err as Error).message}`);
      }
      tokens = parseTokens(text, `token file ${tokenFile}`);
    } else if (env.DVIDCLOUD_TOKENS) {
      tokens = parseTokens(env.DVIDCLOUD_TOKENS, "environment variable DVIDCLOUD_TOKENS");
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message);
  }
  const publicRead = values.get("public-read") === true;
  if (publicRead && tokens === undefined && !help) {
    throw new UsageError("flag --public-read applies only with tokens (--token-file FILE or DVIDCLOUD_TOKENS); got neither");
  }
  return {
    store: store ?? "",
    port,
    host,
    readonly: values.get("readonly") === true,
    note: values.get("note") as string | undefined,
    // DVID reads its admin token from the environment (dvid-api.md §1.6); the launcher passes it
    // that way too, so that it does not show in the process list.
    adminToken: (values.get("admin-token") as string | undefined) ?? (env.DVID_ADMIN_TOKEN || undefined),
    allowHosts,
    corsOrigins,
    tokens,
    tokenFile,
    publicRead,
    parentWatch: values.get("parent-watch") === true,
    help,
    limits,
  };
}

/** Runs a node until a signal (or stdin EOF with --parent-watch); returns the exit code. */
export async function runNodeCli(argv: readonly string[]): Promise<number> {
  let options: NodeCliOptions;
  try {
    options = parseNodeArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`local-dvid: ${err.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.tokenFile !== undefined) {
    const mode = statSync(options.tokenFile).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      process.stderr.write(`local-dvid: warning: token file ${options.tokenFile} is readable by other users (mode ${mode.toString(8)}); chmod 600 it\n`);
    }
  }
  // The launcher of a detached cluster stops reading stdout once it has the listening line;
  // a later write must not kill the node with EPIPE.
  process.stdout.on("error", () => undefined);

  let store: FsStore;
  try {
    store = new FsStore(options.store);
  } catch (err) {
    process.stderr.write(`local-dvid: cannot open the store directory ${options.store}: ${(err as Error).message}\n`);
    return 1;
  }
  // Imported here, not at the top: --help and bad flags answer without loading the server.
  const { startLocalDvid } = await import("./server.js");
  let server: Awaited<ReturnType<typeof startLocalDvid>>;
  try {
    server = await startLocalDvid({
      host: options.host,
      port: options.port,
      store,
      readonly: options.readonly,
      note: options.note,
      adminToken: options.adminToken,
      allowHosts: options.allowHosts,
      corsOrigins: options.corsOrigins,
      tokens: options.tokens,
      publicRead: options.publicRead,
      limits: options.limits,
    });
  } catch (err) {
    process.stderr.write(`local-dvid: cannot listen on ${options.host}:${options.port}: ${(err as Error).message}\n`);
    await store.close().catch(() => undefined);
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string, repeatForces: boolean): void => {
      if (stopping) {
        if (!repeatForces) return;
        // A second signal while closing: the user wants out now.
        process.stderr.write(`local-dvid: ${why} again while closing; exiting at once\n`);
        resolve(1);
        return;
      }
      stopping = true;
      void (async () => {
        try {
          await server.close();
          await store.close();
          resolve(0);
        } catch (err) {
          process.stderr.write(`local-dvid: error while closing after ${why}: ${(err as Error).message}\n`);
          resolve(1);
        }
      })();
    };
    process.on("SIGTERM", () => stop("SIGTERM", true));
    process.on("SIGINT", () => stop("SIGINT", true));
    if (options.parentWatch) {
      // The parent holds the write end of our stdin; when it dies, for any reason, the pipe
      // closes and we see end-of-file: no node outlives a crashed launcher.
      process.stdin.on("end", () => stop("end of stdin", false));
      process.stdin.on("close", () => stop("end of stdin", false));
      process.stdin.on("error", () => stop("stdin error", false));
      process.stdin.resume();
    }
    process.stdout.write(`${JSON.stringify({ event: "listening", url: server.url, pid: process.pid })}\n`);
  });
}

function isEntryPoint(): boolean {
  if (process.argv[1] === undefined) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  runNodeCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`local-dvid: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
