// The CLI's entry points as the package exports them: the CLI itself (commander, cli-progress,
// the progress view) is loaded when one is called, so a program that imports
// `dvidcloud/automation` for its API does not pay for it (bench/import-cost.ts).
import type { CliIo } from "./cli.js";

export type { CliIo } from "./cli.js";

/** Runs the CLI with `argv` (without node and script); resolves to the exit code (see EXIT). */
export async function runCli(argv: readonly string[], io?: CliIo, signal?: AbortSignal): Promise<number> {
  return (await import("./cli.js")).runCli(argv, io, signal);
}

/** Runs the CLI as a shell does (bin/dvidcloud.js): Ctrl-C aborts the operation (exit 130). */
export async function runFromShell(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  return (await import("./cli.js")).runFromShell(argv);
}
