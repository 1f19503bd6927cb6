/**
 * What every gcp operation checks before it does any work, in this order: the pulumi CLI is
 * there (PULUMI_CLI_MISSING, before even the options), the options, the caller has not aborted,
 * the passphrase is configured; then the CLI's version and the local directories.
 */
import { DvidcloudError } from "../errors.js";
import { requirePassphrase } from "./backend.js";
import type { ResolvedCommonOptions } from "./options.js";
import { checkPulumiCli, requirePulumiCli, type PulumiCliInfo } from "./pulumi-cli.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { prepareDirectories, workDirFor } from "./workspace.js";

/** The environment the caller asked for, read before the options are validated. */
export function callerEnv(options: unknown): NodeJS.ProcessEnv {
  const env = options !== null && typeof options === "object" ? (options as { env?: unknown }).env : undefined;
  return env !== null && typeof env === "object" ? (env as NodeJS.ProcessEnv) : process.env;
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) {
    throw new DvidcloudError("ABORTED", `${what} was aborted by the caller's signal before it started`, { cause: signal.reason });
  }
}

/**
 * The secrets provider an existing stack was created with, from its settings file
 * (`Pulumi.<stack>.yaml` in the work directory: `secretsprovider: gcpkms://…`; a passphrase stack
 * records `encryptionsalt` and no provider, or `secretsprovider: passphrase`). Undefined when the
 * file is not there or names none. A stack encrypted with a KMS key needs no passphrase.
 */
export function stackSecretsProvider(workDir: string, stack: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(workDir, `Pulumi.${stack}.yaml`), "utf8");
  } catch {
    return undefined;
  }
  const match = /^secretsprovider:\s*["']?([^"'\s#]+)["']?\s*$/m.exec(text);
  return match?.[1];
}

/**
 * `resolve` validates the options; it runs after the CLI check. Returns the resolved options and
 * the CLI, ready for a workspace.
 */
export async function preflight<T extends ResolvedCommonOptions>(
  what: string,
  rawOptions: unknown,
  resolve: () => T,
  needs: { passphrase: boolean; directories: boolean; stack?: string },
): Promise<{ options: T; cli: PulumiCliInfo }> {
  requirePulumiCli(callerEnv(rawOptions));
  const options = resolve();
  throwIfAborted(options.signal, what);
  const ownProvider = needs.stack === undefined ? undefined : stackSecretsProvider(workDirFor(options.env), needs.stack);
  if (needs.passphrase && (ownProvider === undefined || ownProvider === "passphrase")) requirePassphrase(options.backend, options.env);
  const cli = await checkPulumiCli({ env: options.env });
  if (needs.directories) await prepareDirectories(options);
  return { options, cli };
}
