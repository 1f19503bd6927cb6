/**
 * Before an up: can the DVID image be pulled? The reference's form is checked by the settings
 * rules; here its manifest is asked for with `crane manifest` or `docker manifest inspect`, when
 * one of them is on PATH (anonymously, as the VMs pull it). The answer is a sentence for the
 * progress log: found, not found (with the tool's own error), or not checked and why. A failed
 * check does not stop the up: this machine may reach registries the VMs cannot, and the other
 * way round; the VMs' own preflight reports on their serial console (infra/README.md).
 */
import { spawn } from "node:child_process";
import { findOnPath } from "./pulumi-cli.js";

export interface ImageCheck {
  readonly image: string;
  /** "found": the registry has it; "missing": the tool could not get its manifest; "unchecked": no tool. */
  readonly outcome: "found" | "missing" | "unchecked";
  readonly message: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, signal?: AbortSignal): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"], timeout: timeoutMs, ...(signal ? { signal } : {}) });
    let output = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      if (output.length < 2000) output += d;
    });
    child.on("error", (err) => resolve({ code: null, output: err.message }));
    child.on("close", (code) => resolve({ code, output }));
  });
}

export async function checkImage(image: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ImageCheck> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const crane = findOnPath(["crane"], env);
  const docker = crane ? undefined : findOnPath(["docker"], env);
  if (!crane && !docker) {
    return { image, outcome: "unchecked", message: `the DVID image ${image} was not checked (neither crane nor docker is on PATH); the VMs report a failed pull on their serial console` };
  }
  const [tool, args] = crane ? [crane, ["manifest", image]] : [docker!, ["manifest", "inspect", image]];
  const { code, output } = await run(tool, args, env, timeoutMs, options.signal);
  const name = crane ? "crane manifest" : "docker manifest inspect";
  if (code === 0) return { image, outcome: "found", message: `the DVID image ${image} is in its registry (${name})` };
  const why = output.trim().split("\n").filter(Boolean).at(-1) ?? (code === null ? `no answer within ${timeoutMs} ms` : `exit code ${code}`);
  return {
    image,
    outcome: "missing",
    message: `the DVID image ${image} cannot be pulled from here (${name}: ${why}); the VMs will fail to start DVID if they cannot pull it either`,
  };
}
