/**
 * Finding the `pulumi` CLI, which the Automation API drives as a child process. Checked before
 * any other work so a missing CLI is one clear error, not a `spawn pulumi ENOENT` half-way
 * through an update.
 */
import { accessSync, constants, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, dirname, join } from "node:path";
import { automation } from "@pulumi/pulumi";
import { DvidcloudError } from "../errors.js";
import { detachedPulumiCommand } from "./pulumi-process.js";

export const PULUMI_INSTALL_HINT =
  "install it with `curl -fsSL https://get.pulumi.com | sh` (Linux, macOS), `brew install pulumi/tap/pulumi` " +
  "(macOS) or `choco install pulumi` (Windows), then open a new shell or add ~/.pulumi/bin to PATH";

export interface PulumiCliLocation {
  /** Absolute path of the executable. */
  path: string;
  /** "path" when found on PATH; "home" when found in ~/.pulumi/bin (the installer's default) only. */
  foundIn: "path" | "home";
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, process.platform === "win32" ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable file named one of `names` in a directory of `env.PATH`, as a shell finds a command. */
export function findOnPath(names: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Looks for the CLI on `env.PATH`, then in `~/.pulumi/bin` (where get.pulumi.com installs it
 * before the shell profile puts it on PATH). Pure apart from reading the file system.
 */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env): PulumiCliLocation | undefined {
  const names = process.platform === "win32" ? ["pulumi.exe", "pulumi.cmd", "pulumi"] : ["pulumi"];
  const onPath = findOnPath(names, env);
  if (onPath !== undefined) return { path: onPath, foundIn: "path" };
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  for (const name of names) {
    const candidate = join(home, ".pulumi", "bin", name);
    if (isExecutableFile(candidate)) return { path: candidate, foundIn: "home" };
  }
  return undefined;
}

export function pulumiCliMissing(env: NodeJS.ProcessEnv = process.env): DvidcloudError {
  return new DvidcloudError(
    "PULUMI_CLI_MISSING",
    `the gcp target needs the pulumi CLI, which was not found on PATH (${env.PATH ?? ""}) nor in ~/.pulumi/bin; ${PULUMI_INSTALL_HINT}`,
  );
}

/** Throws PULUMI_CLI_MISSING unless the CLI can be found; synchronous and cheap. */
export function requirePulumiCli(env: NodeJS.ProcessEnv = process.env): PulumiCliLocation {
  const found = findPulumiCli(env);
  if (!found) throw pulumiCliMissing(env);
  return found;
}

export interface PulumiCliInfo {
  path: string;
  version: string;
  /** Ready to hand to LocalWorkspace (`pulumiCommand`). */
  command: automation.PulumiCommand;
}

/**
 * Finds the CLI and asks it for its version (`pulumi version`), which also checks it against the
 * SDK's minimum. Throws PULUMI_CLI_MISSING when it is absent or cannot run.
 */
export async function checkPulumiCli(options: { env?: NodeJS.ProcessEnv } = {}): Promise<PulumiCliInfo> {
  const env = options.env ?? process.env;
  const found = requirePulumiCli(env);
  // PulumiCommand.get runs `<root>/bin/pulumi`, or `pulumi` from this process's PATH.
  const root = basename(dirname(found.path)) === "bin" ? dirname(dirname(found.path)) : undefined;
  try {
    const command = await automation.PulumiCommand.get(root === undefined ? {} : { root });
    // Every later command runs in a process group of its own (pulumi-process.ts: one Ctrl-C, one interrupt).
    return { path: found.path, version: command.version?.toString() ?? "unknown", command: detachedPulumiCommand(command) };
  } catch (err) {
    throw new DvidcloudError(
      "PULUMI_CLI_MISSING",
      `the pulumi CLI at ${found.path} did not run or is older than this SDK supports; ${PULUMI_INSTALL_HINT}`,
      { cause: err },
    );
  }
}
