/**
 * How the pulumi CLI is run: in a process group of its own, so that a Ctrl-C in the terminal
 * reaches it only once, through the Automation API's abort (SIGINT), and not a second time
 * directly from the terminal. Pulumi reads a second interrupt as "terminate now": it stops
 * waiting for the resource operations under way, which can leave resources out of the state
 * (https://www.pulumi.com/docs/iac/concepts/state-and-backends/#interrupted-updates).
 *
 * The Automation API spawns the CLI itself (execa, same process group, no option to detach), so
 * the PulumiCommand handed to the workspace keeps the real one's `command` and `version` and
 * replaces its `run` (the method LocalWorkspace and Stack call for every command; internal to
 * the SDK, checked to exist here) with one that spawns detached and sends SIGINT once on abort.
 * Output, exit status and error classes are the SDK's own (`CommandResult`,
 * `createCommandError`, present at runtime in @pulumi/pulumi 3.x). Where they are not, or on
 * Windows (no process groups), the real command is used unchanged.
 */
import { spawn } from "node:child_process";
import { delimiter, dirname, isAbsolute } from "node:path";
import { automation } from "@pulumi/pulumi";
import { onForceStop } from "../force-stop.js";

/** The SDK's CommandResult (runtime class, not in its type declarations). */
interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

type Run = (
  args: string[],
  cwd: string,
  additionalEnv: Record<string, string>,
  onOutput?: (data: string) => void,
  onError?: (data: string) => void,
  signal?: AbortSignal,
) => Promise<CommandResult>;

interface SdkInternals {
  createCommandError?: (result: CommandResult) => Error;
  CommandResult?: new (stdout: string, stderr: string, code: number, err?: Error) => CommandResult;
}

/** The same CLI, run in its own process group; `base` itself where that is not possible. */
export function detachedPulumiCommand(base: automation.PulumiCommand): automation.PulumiCommand {
  const sdk = automation as unknown as SdkInternals;
  const createError = sdk.createCommandError;
  const Result = sdk.CommandResult;
  if (process.platform === "win32" || typeof createError !== "function" || typeof Result !== "function") return base;
  if (typeof (base as unknown as { run?: unknown }).run !== "function") return base;
  const run: Run = (args, cwd, additionalEnv, onOutput, onError, signal) =>
    new Promise((resolve, reject) => {
      if (!args.includes("--non-interactive")) args.push("--non-interactive");
      const env: NodeJS.ProcessEnv = { ...process.env, ...additionalEnv, PULUMI_AUTOMATION_API: "true" };
      // As the SDK does: the CLI's own folder first, for its bundled plugins.
      if (isAbsolute(base.command)) env.PATH = dirname(base.command) + delimiter + (additionalEnv.PATH ?? process.env.PATH ?? "");
      if (signal?.aborted) {
        reject(createError(new Result("", `pulumi ${args[0]} not started: aborted`, -2, new Error("aborted"))));
        return;
      }
      const child = spawn(base.command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (data: string) => {
        stdout += data;
        onOutput?.(data);
      });
      child.stderr.setEncoding("utf8").on("data", (data: string) => {
        stderr += data;
        onError?.(data);
      });
      const interrupt = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      };
      signal?.addEventListener("abort", interrupt, { once: true });
      // A forced stop is Pulumi's second interrupt: it stops at once.
      const unregister = onForceStop(interrupt);
      const finish = () => {
        signal?.removeEventListener("abort", interrupt);
        unregister();
      };
      child.on("error", (err) => {
        finish();
        reject(createError(new Result("", err.message, -2, err)));
      });
      child.on("close", (code, killedBy) => {
        finish();
        const result = new Result(stdout, stderr, code ?? -1, killedBy ? new Error(`pulumi ended by ${killedBy}`) : undefined);
        if (code === 0) resolve(result);
        else reject(createError(result));
      });
    });
  const wrapped = Object.create(base) as automation.PulumiCommand & { run: Run };
  wrapped.run = run;
  return wrapped;
}
