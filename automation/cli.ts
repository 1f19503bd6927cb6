// The `dvidcloud` command: up, down, status, view, ls, purge and demo over the typed lifecycle.
// Every flag is checked before any work starts; a flag of the other target is refused (exit 2).
import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { ClusterEndpoints, Target } from "./cluster-types.js";
import { isDvidcloudError } from "./errors.js";
import { EXIT, EXIT_OF_CODE } from "./exit-codes.js";
import { forceStopAll } from "./force-stop.js";
import type { NodeHealth } from "./health.js";
import { down, list, repair, status, up } from "./lifecycle.js";
import { listStores, purge } from "./local-stores.js";
import { invalid } from "./option-checks.js";
import type { TargetOptions, UpOptions } from "./options.js";
import { createProgressView } from "./progress-view.js";
import { runDemo } from "./demo.js";
import { formatDemoSummary } from "./summary-format.js";

const EXIT_CODES_HELP = `
Exit codes:
  0    done
  1    the operation failed: CLUSTER_EXISTS (up: the name is already running),
       CLUSTER_RUNNING (purge: the cluster runs), CLUSTER_START_FAILED,
       HEALTH_TIMEOUT, PULUMI_FAILED, STACK_LOCKED, TEARDOWN_FAILED
  2    bad usage or option, named in the message (INVALID_OPTION, UNKNOWN_TARGET)
  3    no such cluster (CLUSTER_NOT_FOUND, STACK_NOT_FOUND)
  4    a prerequisite is missing (PULUMI_CLI_MISSING, PULUMI_PASSPHRASE_MISSING)
  5    status: the cluster is there but not every node (gcp: or the load balancer) is healthy
  130  interrupted (Ctrl-C, ABORTED): the nodes started so far are stopped; on gcp
       Pulumi gets one SIGINT (a third Ctrl-C forces: then run dvidcloud repair NAME)
`;

const LOCAL_GROUP = "Local target (default):";
const GCP_GROUP = "Google Cloud target (--target gcp):";

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (live progress bars) or a pipe (plain lines). */
  readonly interactive: boolean;
  /** Terminal width for the progress bars; default 80. */
  readonly columns?: number;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
  columns: process.stderr.columns,
};

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

/** A whole number of at least 1 (`--nodes`, `--timeout`): 0 is refused here, before any work. */
function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number; got "${value}"`);
  if (n < 1) throw new InvalidArgumentError(`expected a whole number of at least 1; got "${value}"`);
  return n;
}

interface Flags {
  target: Target;
  json?: boolean;
  stateDir?: string;
  storeDir?: string;
  auth?: boolean;
  deleteData?: boolean;
  stores?: boolean;
  project?: string;
  region?: string;
  zone?: string;
  sourceRanges?: string;
  machineType?: string;
  image?: string;
  bucket?: string;
  subnetwork?: string;
  update?: boolean;
  refresh?: boolean;
}

/** Flags that apply to one target only, with how they are spelled. */
const LOCAL_FLAGS: ReadonlyArray<readonly [keyof Flags, string]> = [
  ["stateDir", "--state-dir"],
  ["storeDir", "--store-dir"],
  ["auth", "--auth"],
  ["stores", "--stores"],
];
const GCP_FLAGS: ReadonlyArray<readonly [keyof Flags, string]> = [
  ["project", "--project"],
  ["region", "--region"],
  ["zone", "--zone"],
  ["sourceRanges", "--source-ranges"],
  ["machineType", "--machine-type"],
  ["image", "--image"],
  ["bucket", "--bucket"],
  ["subnetwork", "--subnetwork"],
  ["update", "--update"],
];

/** Refuses a flag given for the other target: it would be silently ignored otherwise. */
function checkTargetFlags(command: string, flags: Flags): void {
  const other = flags.target === "local" ? GCP_FLAGS : LOCAL_FLAGS;
  for (const [key, flag] of other) {
    if (flags[key] !== undefined) {
      throw invalid(`${command}: ${flag} applies only to --target ${flags.target === "local" ? "gcp" : "local"}; the target is ${flags.target}`);
    }
  }
  // --no-refresh leaves `refresh` true by default; status's --refresh leaves it undefined.
  if (flags.target === "local" && (flags.refresh === false || (command === "status" && flags.refresh === true))) {
    throw invalid(`${command}: ${flags.refresh ? "--refresh" : "--no-refresh"} applies only to --target gcp; the target is local`);
  }
}

function gcpSettings(flags: Flags): Record<string, unknown> {
  const gcp: Record<string, unknown> = {};
  if (flags.project !== undefined) gcp.project = flags.project;
  if (flags.region !== undefined) gcp.region = flags.region;
  if (flags.zone !== undefined) gcp.zone = flags.zone;
  if (flags.sourceRanges !== undefined) gcp.sourceRanges = flags.sourceRanges.split(",").map((r) => r.trim()).filter(Boolean);
  if (flags.machineType !== undefined) gcp.machineType = flags.machineType;
  if (flags.image !== undefined) gcp.image = flags.image;
  if (flags.bucket !== undefined) gcp.bucket = flags.bucket;
  if (flags.subnetwork !== undefined) gcp.subnetwork = flags.subnetwork;
  return gcp;
}

function targetOptions(flags: Flags, extra: Pick<TargetOptions, "onProgress" | "signal"> = {}): TargetOptions {
  return {
    target: flags.target,
    ...(flags.target === "local" && flags.stateDir ? { local: { stateDir: flags.stateDir } } : {}),
    ...(extra.onProgress ? { onProgress: extra.onProgress } : {}),
    ...(extra.signal ? { signal: extra.signal } : {}),
  };
}

function targetFlag(cmd: Command): Command {
  return cmd
    .addOption(new Option("-t, --target <target>", "where the cluster runs").choices(["local", "gcp"]).default("local"))
    .option("--json", "print the result as JSON on stdout");
}

function stateDirFlag(cmd: Command): Command {
  return cmd.addOption(
    new Option("--state-dir <dir>", "where state files, logs and default stores live (default $DVIDCLOUD_HOME/local or ~/.dvidcloud/local)").helpGroup(LOCAL_GROUP),
  );
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo, signal?: AbortSignal): Promise<number> {
  const program = new Command("dvidcloud")
    .description("Spin up, use and tear down DVID clusters for versioned 3D volumes (local or Google Cloud)")
    .version(packageVersion(), "-V, --version", "print the version of dvidcloud")
    // Root options only before a command, so that `view NAME --version REF` is view's option.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run dvidcloud --help for usage)")
    .addHelpText("after", EXIT_CODES_HELP);
  let exitCode: number = EXIT.ok;
  const progressView = (options: Parameters<typeof createProgressView>[1] = {}) => createProgressView(io, options);

  const deployCommand = (command: "up" | "update") => {
    const cmd = targetFlag(program.command(command).argument("<name>", "cluster name (local: 1-40 of [a-z0-9-]; gcp: 1-20, starting with a letter)"));
    if (command === "up") {
      cmd
        .description("create a cluster and wait until every node is healthy (local: the nodes keep running after the command)")
        .option("-n, --nodes <n>", "number of DVID nodes (1 writer + n-1 readers), 1-16", positiveInt, 3);
    } else {
      cmd
        .description("gcp: change an existing cluster (only the flags given change; see infra/README.md for what each does to running VMs)")
        .option("-n, --nodes <n>", "number of DVID nodes, 1-16 (default: unchanged)", positiveInt);
    }
    return cmd.option("--timeout <ms>", "health wait budget in ms, at least 1 (default 15000 local, 600000 gcp)", positiveInt);
  };
  const upCmd = deployCommand("up");
  const updateCmd = deployCommand("update");
  const gcpDeployFlags = (cmd: Command) =>
    cmd
      .addOption(new Option("--project <id>", "Google Cloud project id (required for a new cluster)").helpGroup(GCP_GROUP))
      .addOption(new Option("--source-ranges <cidrs>", "comma-separated IPv4 CIDRs allowed to reach DVID (required for a new cluster; nothing is open by default)").helpGroup(GCP_GROUP))
      .addOption(new Option("--region <region>", "region, e.g. us-central1").helpGroup(GCP_GROUP))
      .addOption(new Option("--zone <zone>", "zone, e.g. us-central1-b").helpGroup(GCP_GROUP))
      .addOption(new Option("--machine-type <type>", "machine type of every node (default e2-standard-4)").helpGroup(GCP_GROUP))
      .addOption(new Option("--image <ref>", "DVID container image (must include the gbucket backend)").helpGroup(GCP_GROUP))
      .addOption(new Option("--bucket <name>", "attach an existing bucket (e.g. the one an earlier down kept) instead of creating one; never deleted").helpGroup(GCP_GROUP))
      .addOption(new Option("--subnetwork <name>", "the VMs' subnet in the region (custom-mode VPCs)").helpGroup(GCP_GROUP))
      .addOption(new Option("--no-refresh", "do not refresh the state against Google Cloud first (update refreshes by default)").helpGroup(GCP_GROUP));
  gcpDeployFlags(updateCmd).action(async (name: string, flags: Flags & { nodes?: number; timeout?: number }) => {
    await deployAction(name, { ...flags, update: true }, flags.nodes);
  });
  const deployAction = async (name: string, flags: Flags & { timeout?: number }, nodes: number | undefined) => {
    checkTargetFlags(flags.update ? "update" : "up", flags);
    const progress = progressView();
    const options: UpOptions = {
      name,
      target: flags.target,
      ...(nodes !== undefined ? { nodes } : {}),
      ...(flags.timeout !== undefined ? { healthTimeoutMs: flags.timeout } : {}),
      ...(flags.target === "local"
        ? { local: { detached: true, ...(flags.stateDir ? { stateDir: flags.stateDir } : {}), ...(flags.storeDir ? { storeDir: flags.storeDir } : {}), ...(flags.auth ? { auth: true } : {}) } }
        : { gcp: gcpSettings(flags) }),
      ...(flags.update ? { update: true } : {}),
      ...(flags.refresh === false ? { refresh: false } : {}),
      onProgress: progress.onProgress,
      ...(signal ? { signal } : {}),
    };
    try {
      const cluster = await up(options);
      const out = { name: cluster.name, target: cluster.target, endpoints: cluster.endpoints, createdAt: cluster.createdAt, details: cluster.details };
      io.stdout(flags.json ? JSON.stringify(out, null, 2) + "\n" : formatEndpoints(out.name, out.target, out.endpoints));
      if (flags.auth && !flags.json && typeof cluster.details.stateFile === "string") {
        // Where the tokens are, never the tokens themselves.
        io.stdout(`tokens (read, write, admin): ${cluster.details.stateFile.replace(/\.json$/, "")}/tokens; clients send one as DVIDCLOUD_TOKEN\n`);
      }
    } finally {
      progress.stop();
    }
  };
  stateDirFlag(upCmd)
    .addOption(new Option("--store-dir <dir>", "the shared store directory (default <state-dir>/<name>/store)").helpGroup(LOCAL_GROUP))
    .addOption(new Option("--auth", "turn tokens on: requests need Authorization: Bearer <token>; a read, a write and an admin token go to <state-dir>/<name>/tokens (mode 0600)").helpGroup(LOCAL_GROUP));
  gcpDeployFlags(upCmd)
    .addOption(new Option("--update", "update the cluster of that name if it exists (as dvidcloud update: only the flags given change)").helpGroup(GCP_GROUP))
    .action(async (name: string, flags: Flags & { nodes: number; timeout?: number }) => {
      // In an update only what was given changes: the default --nodes 3 must not shrink a larger cluster.
      const nodesGiven = upCmd.getOptionValueSource("nodes") !== "default";
      await deployAction(name, flags, flags.update && !nodesGiven ? undefined : flags.nodes);
    });

  stateDirFlag(targetFlag(program.command("down").argument("<name>", "cluster name")))
    .description("tear a cluster down, keeping its data (local: the store; gcp: the bucket) unless --delete-data")
    .option("--delete-data", "also delete the data: local, the store and logs (also when no longer running); gcp, the bucket the cluster created (an attached one is refused)")
    .addOption(new Option("--no-refresh", "do not refresh the state against Google Cloud before the destroy").helpGroup(GCP_GROUP))
    .action(async (name: string, flags: Flags) => {
      checkTargetFlags("down", flags);
      // The result line below says "is down"; the progress view leaves that phase out.
      const progress = progressView({ quiet: Boolean(flags.json), hidePhases: ["stopped"] });
      let result;
      try {
        result = await down(name, {
          ...targetOptions(flags, { onProgress: progress.onProgress, signal }),
          ...(flags.deleteData ? { deleteData: true } : {}),
          ...(flags.refresh === false ? { refresh: false } : {}),
        });
      } finally {
        progress.stop();
      }
      const kept =
        result.keptData !== undefined
          ? `; bucket ${result.keptData} kept with its data (bring it back: dvidcloud up ${name} --target gcp --bucket ${result.keptData} …)`
          : result.dataDeleted
            ? flags.target === "gcp" ? "; its bucket and data were deleted" : "; its store and logs were deleted"
            : "";
      io.stdout(
        flags.json
          ? JSON.stringify({ name, target: flags.target, down: true, dataDeleted: result.dataDeleted, keptData: result.keptData ?? null }) + "\n"
          : `${name} is down${kept}\n`,
      );
    });

  for (const command of ["repair", "cancel"]) {
    targetFlag(program.command(command).argument("<name>", "cluster name"))
      .description(command === "repair"
        ? "gcp: make a cluster's stack usable after an interrupted run (cancels a stuck update, clears pending operations)"
        : "gcp: the same as repair")
      .action(async (name: string, flags: Flags) => {
        const progress = progressView({ quiet: Boolean(flags.json) });
        let result;
        try {
          result = await repair(name, targetOptions(flags, { onProgress: progress.onProgress, signal }));
        } finally {
          progress.stop();
        }
        const cleared = (result.cleared as unknown[] | undefined)?.length ?? 0;
        io.stdout(flags.json ? JSON.stringify({ name, ...result }) + "\n" : `${name}: ${result.cancelled ? "stuck update cancelled" : "no update was running"}; ${cleared} pending operation(s) cleared\n`);
      });
  }

  stateDirFlag(targetFlag(program.command("status").argument("<name>", "cluster name")))
    .description("show a cluster's endpoints and probe every node's heartbeat (with its latency); gcp: the load balancer's too")
    .addOption(new Option("--refresh", "refresh the state against Google Cloud first (VMs stopped, started or deleted outside Pulumi)").helpGroup(GCP_GROUP))
    .action(async (name: string, flags: Flags) => {
      checkTargetFlags("status", flags);
      const s = await status(name, { ...targetOptions(flags, { signal }), ...(flags.refresh ? { refresh: true } : {}) });
      if (flags.json) io.stdout(JSON.stringify(s, null, 2) + "\n");
      else {
        io.stdout(formatEndpoints(s.name, s.target, s.endpoints));
        for (const h of s.health) io.stdout(healthLine(h));
        if (s.loadBalancer !== undefined) io.stdout(healthLine(s.loadBalancer, "  (load balancer)"));
      }
      if (!s.healthy) exitCode = EXIT.unhealthy;
    });

  stateDirFlag(targetFlag(program.command("view").argument("<name>", "cluster name")))
    .description("print the console and neuroglancer links of a cluster and open them where there is a desktop (gcp: served from 127.0.0.1 until Ctrl-C)")
    .option("--version <ref>", "the version neuroglancer shows: UUID, prefix or prefix:branch (default: the master leaf of the most recently updated repo)")
    .option("--port <n>", "gcp: local port of the console and viewer (default 8500, the origin the cluster allows)", positiveInt)
    .action(async (name: string, flags: Flags & { version?: string; port?: number }) => {
      checkTargetFlags("view", flags);
      const { view, openInBrowser } = await import("./view.js");
      const links = await view(name, { ...targetOptions(flags, { signal }), ...(flags.version ? { version: flags.version } : {}), ...(flags.port ? { port: flags.port } : {}) });
      if (flags.json) io.stdout(JSON.stringify({ ...links, local: links.local?.url }, null, 2) + "\n");
      else {
        io.stdout(`console:      ${links.consoleUrl}\n`);
        io.stdout(links.neuroglancerUrl ? `neuroglancer: ${links.neuroglancerUrl}\n` : `neuroglancer: none (${links.note})\n`);
      }
      for (const url of [links.consoleUrl, links.neuroglancerUrl]) if (url) openInBrowser(url);
      if (links.local) {
        if (!flags.json) io.stdout(`serving the console and viewer on ${links.local.url} for ${links.server}; Ctrl-C stops\n`);
        await new Promise<void>((resolve) => {
          if (!signal) return; // no signal (library use): serve until the process ends
          if (signal.aborted) resolve();
          else signal.addEventListener("abort", () => resolve(), { once: true });
        });
        await links.local.close();
      }
    });

  stateDirFlag(targetFlag(program.command("ls")))
    .description("list the running clusters of a target (local: --stores lists the kept stores with their size)")
    .addOption(new Option("--stores", "list the local stores on disk (kept after down) with their size").helpGroup(LOCAL_GROUP))
    .action(async (flags: Flags) => {
      checkTargetFlags("ls", flags);
      if (flags.stores) {
        const stores = await listStores(targetOptions(flags, { signal }));
        if (flags.json) io.stdout(JSON.stringify(stores, null, 2) + "\n");
        else if (stores.length === 0) io.stdout("no local stores\n");
        else {
          for (const s of stores) io.stdout(`${s.name.padEnd(24)} ${mib(s.bytes).padStart(12)}  ${(s.running ? "running" : "kept").padEnd(7)}  ${s.storeDir}\n`);
        }
        return;
      }
      const clusters = await list(targetOptions(flags, { signal }));
      if (flags.json) io.stdout(JSON.stringify(clusters, null, 2) + "\n");
      else if (clusters.length === 0) io.stdout(`no ${flags.target} clusters\n`);
      else for (const c of clusters) io.stdout(`${c.name.padEnd(24)} ${c.target.padEnd(6)} ${String(c.endpoints.nodes.length).padStart(2)} node(s)  writer ${c.endpoints.writer}\n`);
    });

  stateDirFlag(program.command("purge").argument("<name>", "cluster name").option("--json", "print the result as JSON on stdout"))
    .description("delete a stopped local cluster's kept store and logs (refused while it runs)")
    .action(async (name: string, flags: { json?: boolean; stateDir?: string }) => {
      const options = flags.stateDir ? { local: { stateDir: flags.stateDir } } : {};
      const kept = (await listStores(options)).find((s) => s.name === name);
      await purge(name, options);
      const out = { name, purged: true, storeDir: kept?.storeDir, bytes: kept?.bytes };
      io.stdout(flags.json ? JSON.stringify(out) + "\n" : `${name}: deleted its store${kept ? ` (${mib(kept.bytes)} in ${kept.storeDir})` : ""} and logs\n`);
    });

  stateDirFlag(
    program
      .command("demo")
      .description("the main job: a local cluster up, a volume written, read back, checked and versioned, then torn down; leaves nothing behind")
      .option("-n, --nodes <n>", "number of nodes, 1-16", positiveInt, 3)
      .option("--json", "print the summary as JSON on stdout"),
  ).action(async (flags: { nodes: number; json?: boolean; stateDir?: string }) => {
    const summary = await runDemo({
      nodes: flags.nodes,
      ...(flags.stateDir ? { local: { stateDir: flags.stateDir } } : {}),
      ...(flags.json ? {} : { log: (line: string) => io.stderr(`- ${line}\n`) }),
      ...(signal ? { signal } : {}),
    });
    io.stdout(flags.json ? JSON.stringify(summary, null, 2) + "\n" : formatDemoSummary(summary) + "\n");
  });

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage; // --help / --version exit 0
    }
    if (isDvidcloudError(err)) {
      io.stderr(`dvidcloud: ${err.message}\n`);
      return EXIT_OF_CODE[err.code] ?? EXIT.failed;
    }
    io.stderr(`dvidcloud: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

/** One probed heartbeat: its latency when healthy, else why not. */
function healthLine(h: NodeHealth, suffix = ""): string {
  const detail = h.healthy ? `${(h.latencyMs ?? 0).toFixed(1)} ms` : `(${h.error ?? "no answer"})`;
  return `  ${h.healthy ? "healthy  " : "UNHEALTHY"} ${h.url}  ${detail}${suffix}\n`;
}

function formatEndpoints(name: string, target: string, e: ClusterEndpoints): string {
  return [
    `${name} (${target})`,
    `  writer  ${e.writer}`,
    ...e.readers.map((r) => `  reader  ${r}`),
    ...(e.loadBalancer ? [`  load balancer ${e.loadBalancer}`] : []),
    "",
  ].join("\n");
}

/**
 * The command as a shell runs it (bin/dvidcloud.js). Ctrl-C (SIGINT):
 * 1. aborts the operation cleanly: local nodes started so far are stopped; pulumi (which runs in
 *    a process group of its own, so the terminal's SIGINT does not reach it) gets one SIGINT and
 *    finishes the resource steps under way; exit code 130;
 * 2. says what it waits for: a second interrupt to Pulumi would mean "terminate now";
 * 3. forces: pulumi gets its second SIGINT, and the process exits with 130 at once.
 */
export async function runFromShell(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts += 1;
    if (interrupts === 1) {
      defaultIo.stderr("\ndvidcloud: interrupted; stopping cleanly (press Ctrl-C twice more to force)\n");
      controller.abort(new Error("interrupted (SIGINT)"));
    } else if (interrupts === 2) {
      defaultIo.stderr(
        "dvidcloud: still stopping: waiting for Pulumi to finish the resource steps under way, so that the state stays whole; " +
          "Ctrl-C once more forces it (resources being created may then be left out of the state: dvidcloud repair NAME --target gcp)\n",
      );
    } else {
      const forced = forceStopAll();
      defaultIo.stderr(`dvidcloud: forced${forced > 0 ? `: Pulumi was told to terminate now (${forced} operation(s)); run dvidcloud repair NAME --target gcp before the next up or down` : ""}\n`);
      process.exit(EXIT.interrupted);
    }
  });
  process.exitCode = await runCli(argv, defaultIo, controller.signal);
}

// Run when executed directly (tsx automation/cli.ts), not when imported by tests or bin/dvidcloud.js.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await runFromShell();
