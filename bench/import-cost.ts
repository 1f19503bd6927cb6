// What importing `dvidcloud/automation` costs a local user (a notebook kernel pays it at every
// start), against the least a local cluster needs: `dvidcloud/volume-client` plus
// `dvidcloud/local-dvid`. Each measurement is a fresh process (the module cache and tsx's
// compile cache warm, as on a second run); the two sets alternate so drift hits both alike.
// Target: at most 1.2x in time and in RSS. The gcp driver (Pulumi) is not loaded by the local
// use, which is what keeps automation near its parts (lifecycle.ts, driverFor()).
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./stats.js";

export interface ImportSample {
  importMs: number;
  sinceStartMs: number;
  rssBytes: number;
}

/** The medians of one set's samples, with the samples. */
export interface ImportSet extends ImportSample {
  samples: ImportSample[];
}

export interface ImportCost {
  reps: number;
  automation: ImportSet;
  local: ImportSet;
  timeRatio: number;
  rssRatio: number;
}

export const IMPORT_TARGET_RATIO = 1.2;

function probe(set: "automation" | "local", stateDir: string): ImportSample {
  const script = fileURLToPath(new URL("./import-probe.ts", import.meta.url));
  const root = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", script, set, stateDir], { cwd: root, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1)!) as ImportSample;
}

const summarise = (samples: ImportSample[]): ImportSet => ({
  importMs: median(samples.map((s) => s.importMs)),
  sinceStartMs: median(samples.map((s) => s.sinceStartMs)),
  rssBytes: median(samples.map((s) => s.rssBytes)),
  samples,
});

/** `reps` timed fresh processes per set, after one untimed warm-up each; prints the figures. */
export async function benchImportCost(reps: number): Promise<ImportCost> {
  const stateDir = await mkdtemp(join(tmpdir(), "dvidcloud-bench-import-"));
  try {
    probe("automation", stateDir);
    probe("local", stateDir);
    const samples: Record<"automation" | "local", ImportSample[]> = { automation: [], local: [] };
    for (let i = 0; i < reps; i++) {
      const order = i % 2 === 0 ? (["automation", "local"] as const) : (["local", "automation"] as const);
      for (const set of order) samples[set].push(probe(set, stateDir));
    }
    const automation = summarise(samples.automation);
    const local = summarise(samples.local);
    const result = { reps, automation, local, timeRatio: automation.importMs / local.importMs, rssRatio: automation.rssBytes / local.rssBytes };
    const line = (label: string, s: ImportSet) =>
      `  ${label.padEnd(44)} import ${s.importMs.toFixed(0).padStart(5)} ms (${s.sinceStartMs.toFixed(0)} ms since process start)  RSS ${(s.rssBytes / 2 ** 20).toFixed(0).padStart(4)} MiB`;
    console.log(line("dvidcloud/automation, used locally", automation));
    console.log(line("dvidcloud/volume-client + dvidcloud/local-dvid", local));
    for (const [what, ratio] of [["time", result.timeRatio], ["RSS", result.rssRatio]] as const) {
      console.log(`  ${ratio <= IMPORT_TARGET_RATIO ? "met   " : "MISSED"} import ${what} of automation vs volume-client + local-dvid: ${ratio.toFixed(2)}x (goal <= ${IMPORT_TARGET_RATIO}x)`);
    }
    return result;
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}
