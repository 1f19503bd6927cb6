/**
 * Maps what Pulumi's Automation API throws to DvidcloudError with a stable code, keeping the
 * Pulumi error as `cause`. Classification is by Pulumi's own error classes (and the spawn error
 * code), never by message text.
 */
import { automation } from "@pulumi/pulumi";
import { DvidcloudError, isDvidcloudError } from "../errors.js";
import { PULUMI_INSTALL_HINT } from "./pulumi-cli.js";
import { PULUMI_PROJECT } from "./stack-naming.js";

export type GcpOperation = "up" | "destroy" | "status" | "list" | "refresh" | "repair";

export interface PulumiErrorContext {
  operation: GcpOperation;
  /** Stack (= cluster) name, when the operation has one. */
  stack?: string;
  /** State backend URL, named in "not found" messages. */
  backendUrl?: string;
  signal?: AbortSignal;
  /** Error diagnostics collected from the engine events of the failed operation. */
  diagnostics?: readonly string[];
}

/**
 * The stack's fully qualified name, `<org>/dvidcloud/<stack>`: self-managed backends (file, gs,
 * s3, …) use the fixed organization "organization"; Pulumi Cloud the user's organization, which
 * the error path does not look up.
 */
export function fullyQualifiedStackName(backendUrl: string, stack: string): { name: string; note: string } {
  if (/^https?:\/\//.test(backendUrl)) {
    return { name: `<org>/${PULUMI_PROJECT}/${stack}`, note: " (<org>: your Pulumi Cloud organization, see `pulumi whoami --verbose`)" };
  }
  return { name: `organization/${PULUMI_PROJECT}/${stack}`, note: "" };
}

/** The spawn error behind a CommandError, if the CLI could not be started at all. */
function spawnErrorCode(err: automation.CommandError): string | undefined {
  const result = (err as unknown as { commandResult?: { err?: { code?: unknown } } }).commandResult;
  const code = result?.err?.code;
  return typeof code === "string" ? code : undefined;
}

function exitCode(err: automation.CommandError): number | undefined {
  const code = (err as unknown as { commandResult?: { code?: unknown } }).commandResult?.code;
  return typeof code === "number" ? code : undefined;
}

export function toDvidcloudError(err: unknown, context: PulumiErrorContext): DvidcloudError {
  if (isDvidcloudError(err)) return err;
  const { operation } = context;
  const stack = context.stack === undefined ? "" : ` of cluster "${context.stack}"`;
  if (context.signal?.aborted) {
    return new DvidcloudError(
      "ABORTED",
      `pulumi ${operation}${stack} was aborted by the caller's signal; resources created so far stay in the stack (run down to remove them)`,
      { cause: err },
    );
  }
  if (err instanceof automation.ConcurrentUpdateError) {
    const backend = context.backendUrl ?? "<the backend URL>";
    const name = context.stack ?? "<name>";
    const qualified = fullyQualifiedStackName(backend, name);
    return new DvidcloudError(
      "STACK_LOCKED",
      `pulumi ${operation}${stack}: stack ${qualified.name} in ${backend} is locked by another update; wait for it to finish, ` +
        `or if that process died, run \`dvidcloud repair ${name} --target gcp\` or ` +
        `\`PULUMI_BACKEND_URL=${backend} pulumi cancel --stack ${qualified.name}\`${qualified.note}`,
      { cause: err },
    );
  }
  if (err instanceof automation.StackNotFoundError) {
    return new DvidcloudError(
      "STACK_NOT_FOUND",
      `no gcp cluster named "${context.stack ?? ""}": no Pulumi stack of that name in ${context.backendUrl ?? "the state backend"}`,
      { cause: err },
    );
  }
  if (err instanceof automation.StackAlreadyExistsError) {
    return new DvidcloudError("CLUSTER_EXISTS", `a Pulumi stack named "${context.stack ?? ""}" already exists`, { cause: err });
  }
  if (err instanceof automation.CommandError && spawnErrorCode(err) === "ENOENT") {
    return new DvidcloudError("PULUMI_CLI_MISSING", `the pulumi CLI could not be started; ${PULUMI_INSTALL_HINT}`, { cause: err });
  }
  const detail = context.diagnostics?.length ? context.diagnostics.join("; ") : err instanceof Error ? err.message.split("\n")[0] : String(err);
  const code = err instanceof automation.CommandError ? exitCode(err) : undefined;
  return new DvidcloudError(
    "PULUMI_FAILED",
    `pulumi ${operation}${stack} failed${code === undefined ? "" : ` (exit code ${code})`}: ${detail}`,
    { cause: err },
  );
}
