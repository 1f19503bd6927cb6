/**
 * The Pulumi workspace every gcp operation runs in: the dvidcloud project, an inline program
 * that instantiates the same DvidCluster `pulumi up` does, the chosen backend and passphrase.
 */
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { automation } from "@pulumi/pulumi";
import { dvidClusterProgram, readClusterConfig } from "../../infra/index.js";
import { dvidcloudHome, type BackendChoice } from "./backend.js";
import type { PulumiCliInfo } from "./pulumi-cli.js";
import { PULUMI_PROJECT } from "./stack-naming.js";

/** The program of every cluster stack: the stack config (set from the options) drives it. */
export const inlineProgram: automation.PulumiFn = async () => ({ ...dvidClusterProgram(readClusterConfig()) });

/**
 * Where the workspace keeps Pulumi.yaml and the per-stack config files: fixed (not a fresh temp
 * directory per call), so a later `down` or `status` from another process finds the same config.
 */
export function workDirFor(env: NodeJS.ProcessEnv): string {
  return join(dvidcloudHome(env), "gcp");
}

const PASSED_ENV = ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "GOOGLE_APPLICATION_CREDENTIALS"];

export interface WorkspaceInit {
  backend: BackendChoice;
  secretsProvider: string | undefined;
  env: NodeJS.ProcessEnv;
  cli: PulumiCliInfo;
}

export function workspaceOptions(init: WorkspaceInit): automation.LocalWorkspaceOptions {
  const envVars: Record<string, string> = {
    // The explicit URL wins over a different PULUMI_BACKEND_URL inherited from process.env.
    PULUMI_BACKEND_URL: init.backend.url,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  for (const key of PASSED_ENV) {
    const value = init.env[key];
    if (value !== undefined) envVars[key] = value;
  }
  return {
    workDir: workDirFor(init.env),
    pulumiCommand: init.cli.command,
    program: inlineProgram,
    projectSettings: {
      name: PULUMI_PROJECT,
      runtime: "nodejs",
      description: "dvidcloud DVID clusters on Google Cloud (one stack per cluster)",
      backend: { url: init.backend.url },
    },
    envVars,
    ...(init.secretsProvider === undefined ? {} : { secretsProvider: init.secretsProvider }),
  };
}

/** Creates the local backend directory and the work directory. */
export async function prepareDirectories(init: Pick<WorkspaceInit, "backend" | "env">): Promise<void> {
  if (init.backend.localDir !== undefined) await mkdir(init.backend.localDir, { recursive: true });
  await mkdir(workDirFor(init.env), { recursive: true });
}

/** Versions of the provider plugins the program needs: those of the installed npm packages. */
export async function providerPluginVersions(): Promise<{ name: string; version: string }[]> {
  const require = createRequire(import.meta.url);
  const versions = [];
  for (const name of ["gcp", "random"]) {
    const main = require.resolve(`@pulumi/${name}`);
    let dir = dirname(main);
    // Walk up from the package's main file to its package.json.
    for (;;) {
      try {
        const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
        if (pkg.name === `@pulumi/${name}` && pkg.version) {
          versions.push({ name, version: `v${pkg.version}` });
          break;
        }
      } catch {
        // not this directory
      }
      const parent = dirname(dir);
      if (parent === dir) throw new Error(`package.json of @pulumi/${name} not found above ${main}`);
      dir = parent;
    }
  }
  return versions;
}
