// Local clusters in tests: tearing down whatever a test file left running in its state dir, and
// running the dvidcloud CLI in-process with its output captured.
import { down, list, runCli, type CliIo } from "../../automation/index.js";
import { removeTempDir } from "./temp-dir.js";

/** Stops every cluster still running under `stateDir`, then removes the directory (for afterAll). */
export async function removeLocalStateDir(stateDir: string | undefined): Promise<void> {
  // Undefined when beforeAll failed: listing without a stateDir would reach ~/.dvidcloud.
  if (stateDir === undefined) return;
  for (const c of await list({ local: { stateDir } })) await down(c.name, { local: { stateDir } }).catch(() => {});
  await removeTempDir(stateDir);
}

export type CapturedIo = CliIo & { out: string; err: string };

/** A CLI io that appends what the CLI writes to `out` and `err`, 120 columns wide. */
export function captureIo(interactive = false): CapturedIo {
  const io = { out: "", err: "", interactive, columns: 120 } as CapturedIo;
  Object.assign(io, { stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) });
  return io;
}

/** Runs `dvidcloud <args>` in-process; its exit code and everything it wrote. */
export async function runCliCaptured(args: string[], options: { interactive?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(options.interactive);
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}
