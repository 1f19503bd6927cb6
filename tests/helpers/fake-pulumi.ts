// The scripted stand-in for the pulumi CLI (tests/automation/fixtures/fake-pulumi.sh), installed
// as `pulumi` in a bin directory of its own: it records its arguments in calls.log, answers from
// files beside it, and behaves per the "mode" file (missing, locked, slow, destroy-fails, stuck).
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const FAKE_PULUMI_SCRIPT = fileURLToPath(new URL("../automation/fixtures/fake-pulumi.sh", import.meta.url));

/** Puts the stand-in into `bin` as an executable `pulumi`. */
export async function installFakePulumi(bin: string): Promise<void> {
  await mkdir(bin, { recursive: true });
  await copyFile(FAKE_PULUMI_SCRIPT, join(bin, "pulumi"));
  await chmod(join(bin, "pulumi"), 0o755);
}

/**
 * Starts a scenario: clears what the previous one left beside the stand-in (answers, markers,
 * calls.log), writes `mode` and `files`, and returns a fresh HOME under `homesDir`.
 */
export async function fakePulumiScenario(bin: string, homesDir: string, mode: string, files: Record<string, string> = {}): Promise<string> {
  for (const file of await readdir(bin)) if (file !== "pulumi") await rm(join(bin, file), { force: true });
  await writeFile(join(bin, "mode"), mode);
  await writeFile(join(bin, "calls.log"), "");
  for (const [file, text] of Object.entries(files)) await writeFile(join(bin, file), text);
  return mkdtemp(join(homesDir, `home-${mode}-`));
}

/** The stand-in's calls since the scenario began, each as its arguments. */
export async function fakePulumiCalls(bin: string): Promise<string[][]> {
  const text = await readFile(join(bin, "calls.log"), "utf8");
  return text.split("\n").filter(Boolean).map((line) => line.split("\t").filter(Boolean));
}
