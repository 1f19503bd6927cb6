// One local-dvid node as a process: `tsx local-dvid/cli.ts --store DIR [--port 0] …`.
// The local cluster launcher (cluster.ts) runs N of these on one store directory, as a GCP
// cluster runs N DVIDs on one bucket. It learns each node's port from the single JSON line the
// node prints once it listens, so nothing else may ever go to stdout.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FsStore } from "./store/fs-store.js";

export interface NodeCliOptions {
  store: string;
  port: number;
  host: string;
  readonly: boolean;
  note?: string;
  adminToken?: string;
  parentWatch: boolean;
  help: boolean;
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
                       environment variable DVID_ADMIN_TOKEN, as for DVID
  --parent-watch       exit when standard input reaches end-of-file (the parent died)
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

type FlagKind = "string" | "boolean";
const FLAGS: Record<string, FlagKind> = {
  store: "string",
  port: "string",
  host: "string",
  note: "string",
  "admin-token": "string",
  readonly: "boolean",
  "parent-watch": "boolean",
  help: "boolean",
};

/** Parses the CLI's flags (argv without node and the script). */
export function parseNodeArgs(argv: readonly string[]): NodeCliOptions {
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; expected flags only (see --help)`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const kind = FLAGS[name];
    if (kind === undefined) {
      throw new UsageError(`unknown flag --${name}; expected one of ${Object.keys(FLAGS).map((f) => `--${f}`).join(", ")}`);
    }
    if (values.has(name)) throw new UsageError(`flag --${name} given twice; expected it at most once`);
    if (kind === "boolean") {
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
  return {
    store: store ?? "",
    port,
    host,
    readonly: values.get("readonly") === true,
    note: values.get("note") as string | undefined,
    // DVID reads its admin token from the environment (dvid-api.md §1.6); the launcher passes it
    // that way too, so that it does not show in the process list.
    adminToken: (values.get("admin-token") as string | undefined) ?? (process.env.DVID_ADMIN_TOKEN || undefined),
    parentWatch: values.get("parent-watch") === true,
    help,
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
