/**
 * Where Pulumi keeps the state of the gcp clusters, and how their secrets are encrypted. Pure.
 *
 * - PULUMI_BACKEND_URL when set (Pulumi Cloud, gs://, s3://, file://…), as the CLI itself does;
 * - else a local file backend in the user's dvidcloud folder:
 *   `file://$DVIDCLOUD_HOME/pulumi`, or `file://~/.dvidcloud/pulumi`.
 *
 * Self-managed backends (file, gs, s3, azblob, postgres) encrypt stack secrets (here: the DVID
 * service-account key) with a passphrase from PULUMI_CONFIG_PASSPHRASE or
 * PULUMI_CONFIG_PASSPHRASE_FILE. Pulumi Cloud (http/https URLs) uses its own key, and an explicit
 * `secretsProvider` (gcpkms://…, awskms://…) needs no passphrase either.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DvidcloudError } from "../errors.js";

export interface BackendChoice {
  url: string;
  /** "env": PULUMI_BACKEND_URL or an explicit option; "local": the default file backend. */
  source: "option" | "env" | "local";
  /** The directory of a file:// backend (created before use), else undefined. */
  localDir: string | undefined;
  /** True when stack secrets are encrypted with PULUMI_CONFIG_PASSPHRASE(_FILE). */
  usesPassphrase: boolean;
}

/** The user's dvidcloud folder: $DVIDCLOUD_HOME, else ~/.dvidcloud. */
export function dvidcloudHome(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.DVIDCLOUD_HOME;
  if (configured !== undefined && configured !== "") return resolve(configured);
  return join(env.HOME ?? env.USERPROFILE ?? homedir(), ".dvidcloud");
}

/** The directory of a file:// backend URL; undefined for other schemes. */
export function fileBackendDir(url: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!url.startsWith("file://")) return undefined;
  const rest = url.slice("file://".length).split("?")[0]!;
  // file://~/x is the CLI's shorthand for the home directory; file://./x and file://x are relative.
  if (rest.startsWith("~/")) return join(env.HOME ?? env.USERPROFILE ?? homedir(), rest.slice(2));
  if (!rest.startsWith("/")) return resolve(decodeURIComponent(rest));
  return fileURLToPath(`file://${rest}`);
}

export function chooseBackend(
  options: { backendUrl?: string; secretsProvider?: string; env?: NodeJS.ProcessEnv } = {},
): BackendChoice {
  const env = options.env ?? process.env;
  let url: string;
  let source: BackendChoice["source"];
  if (options.backendUrl !== undefined) {
    url = options.backendUrl;
    source = "option";
  } else if (env.PULUMI_BACKEND_URL !== undefined && env.PULUMI_BACKEND_URL !== "") {
    url = env.PULUMI_BACKEND_URL;
    source = "env";
  } else {
    url = pathToFileURL(join(dvidcloudHome(env), "pulumi")).href;
    source = "local";
  }
  const usesPassphrase =
    !/^https?:\/\//.test(url) && (options.secretsProvider === undefined || options.secretsProvider === "passphrase");
  return { url, source, localDir: fileBackendDir(url, env), usesPassphrase };
}

/**
 * Throws PULUMI_PASSPHRASE_MISSING when the backend encrypts secrets with a passphrase and none
 * is configured. An empty PULUMI_CONFIG_PASSPHRASE counts as configured (Pulumi accepts it), but
 * protects nothing.
 */
export function requirePassphrase(backend: BackendChoice, env: NodeJS.ProcessEnv = process.env): void {
  if (!backend.usesPassphrase) return;
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE !== undefined) return;
  throw new DvidcloudError(
    "PULUMI_PASSPHRASE_MISSING",
    `the Pulumi state backend ${backend.url} encrypts stack secrets (the DVID service-account key) with a ` +
      "passphrase, and neither PULUMI_CONFIG_PASSPHRASE nor PULUMI_CONFIG_PASSPHRASE_FILE is set; " +
      "export PULUMI_CONFIG_PASSPHRASE=<a passphrase you keep> (the same one for every later up, down and status of this cluster), " +
      "or use PULUMI_BACKEND_URL=https://api.pulumi.com (Pulumi Cloud) or a secretsProvider such as gcpkms://…",
  );
}
