// The `dvidcloud` command: up, down, status, ls and demo over the typed lifecycle.
// Exit codes (stable, for scripts): 0 done; 1 the operation failed; 2 bad usage or option;
// 3 no such cluster; 4 a prerequisite is missing (pulumi CLI, passphrase); 5 the cluster is
// there but not every node is healthy (status); 130 interrupted.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { SingleBar } from "cli-progress";
import { isDvidcloudError, type DvidcloudErrorCode } from "./errors.js";
import { down, list, status, up } from "./lifecycle.js";
import { runDemo } from "./demo.js";
import { formatDemoSummary } from "./summary-format.js";
import type { ProgressEvent } from "./progress.js";
import type { Target, TargetOptions, UpOptions } from "./options.js";

export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, prerequisite: 4, unhealthy: 5, interrupted: 130 } as const;

const CODE_EXIT: Partial<Record<DvidcloudErrorCode, number>> = {
  INVALID_OPTION: EXIT.usage,
  UNKNOWN_TARGET: EXIT.usage,
  CLUSTER_NOT_FOUND: EXIT.notFound,
  STACK_NOT_FOUND: EXIT.notFound,
  PULUMI_CLI_MISSING: EXIT.prerequisite,
  PULUMI_PASSPHRASE_MISSING: EXIT.prerequisite,
  ABORTED: EXIT.interrupted,
};

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bars) or a pipe (plain lines). */
  readonly interactive: boolean;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
};

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number; got "${value}"`);
  return n;
}

interface CommonFlags {
  target: Target;
  json?: boolean;
  stateDir?: string;
  project?: string;
  region?: string;
  zone?: string;
  sourceRanges?: string;
  machineType?: string;
  image?: string;
}

function gcpOptions(flags: CommonFlags): Record<string, unknown> | undefined {
  const gcp: Record<string, unknown> = {};
  if (flags.project !== undefined) gcp.project = flags.project;
  if (flags.region !== undefined) gcp.region = flags.region;
  if (flags.zone !== undefined) gcp.zone = flags.zone;
  if (flags.sourceRanges !== undefined) gcp.sourceRanges = flags.sourceRanges.split(",").map((r) => r.trim()).filter(Boolean);
  if (flags.machineType !== undefined) gcp.machineType = flags.machineType;
  if (flags.image !== undefined) gcp.image = flags.image;
  return Object.keys(gcp).length ? gcp : undefined;
}

function targetOptions(flags: CommonFlags, onProgress?: (e: ProgressEvent) => void, signal?: AbortSignal): TargetOptions {
  return {
    target: flags.target,
    ...(flags.stateDir ? { local: { stateDir: flags.stateDir } } : {}),
    ...(gcpOptions(flags) ? { gcp: gcpOptions(flags) } : {}),
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
  };
}

/** Renders progress: a bar on a terminal for resource steps and health, plain lines otherwise. */
function progressRenderer(io: CliIo, quiet: boolean): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const onProgress = (e: ProgressEvent) => {
    if (quiet) return;
    if (e.kind === "phase") {
      stop();
      io.stderr(`${e.message}\n`);
    } else if (e.kind === "resource" && e.status !== "started") {
      if (io.interactive && e.total) {
        bar ??= new SingleBar({ format: "  resources [{bar}] {value}/{total} {step}", stream: process.stderr, hideCursor: true }, undefined);
        if (!bar.isActive) bar.start(e.total, 0, { step: "" });
        bar.update(e.done, { step: `${e.op} ${e.type}` });
      } else io.stderr(`  ${e.status === "failed" ? "FAILED" : "done"} ${e.op} ${e.type} (${e.done}${e.total ? `/${e.total}` : ""})\n`);
    } else if (e.kind === "health" && !e.healthy) {
      // Unhealthy probes are routine while a node starts; only the final verdict matters.
    } else if (e.kind === "health") {
      if (!io.interactive) io.stderr(`  healthy ${e.url} (${e.healthyNodes}/${e.totalNodes})\n`);
    } else if (e.kind === "log" && (e.severity === "warning" || e.severity === "error")) {
      stop();
      io.stderr(`  ${e.severity}: ${e.message}\n`);
    }
  };
  return { onProgress, stop };
}

function addCommon(cmd: Command, withCloud: boolean): Command {
  cmd
    .addOption(new Option("-t, --target <target>", "where the cluster runs").choices(["local", "gcp"]).default("local"))
    .option("--json", "print the result as JSON on stdout")
    .option("--state-dir <dir>", "local target: where state files live (default $DVIDCLOUD_HOME/local or ~/.dvidcloud/local)");
  if (withCloud) {
    cmd
      .option("--project <id>", "gcp target: Google Cloud project id")
      .option("--region <region>", "gcp target: region, e.g. us-central1")
      .option("--zone <zone>", "gcp target: zone, e.g. us-central1-b");
  }
  return cmd;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo, signal?: AbortSignal): Promise<number> {
  const program = new Command("dvidcloud")
    .description("Spin up, use and tear down DVID clusters for versioned 3D volumes (local or Google Cloud)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run dvidcloud --help for usage)");
  let exitCode: number = EXIT.ok;

  addCommon(program.command("up").argument("<name>", "cluster name ([a-z0-9-], starts with a letter)"), true)
    .description("create a cluster and wait until every node is healthy")
    .option("-n, --nodes <n>", "number of DVID nodes (1 writer + n-1 readers)", positiveInt, 3)
    .option("--store-dir <dir>", "local target: the shared store directory")
    .option("--source-ranges <cidrs>", "gcp target: comma-separated IPv4 CIDRs allowed to reach DVID (required; nothing is open to the world by default)")
    .option("--machine-type <type>", "gcp target: machine type of every node (default e2-standard-4)")
    .option("--image <ref>", "gcp target: DVID container image (must include the gbucket backend)")
    .option("--timeout <ms>", "health wait budget in ms (default 15000 local, 600000 gcp)", positiveInt)
    .action(async (name: string, flags: CommonFlags & { nodes: number; storeDir?: string; timeout?: number }) => {
      const progress = progressRenderer(io, false);
      const options: UpOptions = {
        name,
        target: flags.target,
        nodes: flags.nodes,
        ...(flags.timeout ? { healthTimeoutMs: flags.timeout } : {}),
        local: { detached: true, ...(flags.stateDir ? { stateDir: flags.stateDir } : {}), ...(flags.storeDir ? { storeDir: flags.storeDir } : {}) },
        ...(gcpOptions(flags) ? { gcp: gcpOptions(flags) } : {}),
        onProgress: progress.onProgress,
        ...(signal ? { signal } : {}),
      };
      try {
        const cluster = await up(options);
        const out = { name: cluster.name, target: cluster.target, endpoints: cluster.endpoints, createdAt: cluster.createdAt, details: cluster.details };
        io.stdout(flags.json ? JSON.stringify(out, null, 2) + "\n" : formatEndpoints(out.name, out.target, out.endpoints));
      } finally {
        progress.stop();
      }
    });

  addCommon(program.command("down").argument("<name>", "cluster name"), true)
    .description("tear a cluster down (local: the store directory is kept)")
    .action(async (name: string, flags: CommonFlags) => {
      const progress = progressRenderer(io, Boolean(flags.json));
      try {
        await down(name, targetOptions(flags, progress.onProgress, signal));
      } finally {
        progress.stop();
      }
      io.stdout(flags.json ? JSON.stringify({ name, target: flags.target, down: true }) + "\n" : `${name} is down\n`);
    });

  addCommon(program.command("status").argument("<name>", "cluster name"), true)
    .description("show a cluster's endpoints and probe every node's heartbeat")
    .action(async (name: string, flags: CommonFlags) => {
      const s = await status(name, targetOptions(flags, undefined, signal));
      if (flags.json) io.stdout(JSON.stringify(s, null, 2) + "\n");
      else {
        io.stdout(formatEndpoints(s.name, s.target, s.endpoints));
        for (const h of s.health) io.stdout(`  ${h.healthy ? "healthy  " : "UNHEALTHY"} ${h.url}${h.error ? ` (${h.error})` : ""}\n`);
      }
      if (!s.healthy) exitCode = EXIT.unhealthy;
    });

  addCommon(program.command("ls"), true)
    .description("list the running clusters of a target")
    .action(async (flags: CommonFlags) => {
      const clusters = await list(targetOptions(flags, undefined, signal));
      if (flags.json) io.stdout(JSON.stringify(clusters, null, 2) + "\n");
      else if (clusters.length === 0) io.stdout(`no ${flags.target} clusters\n`);
      else for (const c of clusters) io.stdout(`${c.name.padEnd(24)} ${c.target.padEnd(6)} ${String(c.endpoints.nodes.length).padStart(2)} node(s)  writer ${c.endpoints.writer}\n`);
    });

  program
    .command("demo")
    .description("the main job: a local cluster up, a volume written, read back, checked and versioned, then torn down")
    .option("-n, --nodes <n>", "number of nodes", positiveInt, 3)
    .option("--json", "print the summary as JSON on stdout")
    .option("--state-dir <dir>", "where state files and the demo's store live")
    .action(async (flags: { nodes: number; json?: boolean; stateDir?: string }) => {
      const summary = await runDemo({
        nodes: flags.nodes,
        ...(flags.stateDir ? { local: { stateDir: flags.stateDir } } : {}),
        log: flags.json ? undefined : (line) => io.stderr(`- ${line}\n`),
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
      return CODE_EXIT[err.code] ?? EXIT.failed;
    }
    io.stderr(`dvidcloud: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}

function formatEndpoints(name: string, target: string, e: { writer: string; readers: readonly string[]; loadBalancer?: string }): string {
  return [
    `${name} (${target})`,
    `  writer  ${e.writer}`,
    ...e.readers.map((r) => `  reader  ${r}`),
    ...(e.loadBalancer ? [`  load balancer ${e.loadBalancer}`] : []),
    "",
  ].join("\n");
}

// Run when executed directly (tsx automation/cli.ts, bin/dvidcloud.js), not when imported by tests.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort(new Error("interrupted (SIGINT)")));
  process.exitCode = await runCli(process.argv.slice(2), defaultIo, controller.signal);
}
