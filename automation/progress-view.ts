// How the CLI shows progress on stderr: on a terminal, a live bar while local nodes start and
// answer their heartbeat, and while Pulumi steps run; otherwise (a pipe, a log file) one plain
// line per step. Results never go here: they go to stdout.
import { SingleBar } from "cli-progress";
import type { Phase, ProgressEvent } from "./progress.js";

export interface ProgressViewIo {
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (live bars) or not (plain lines). */
  readonly interactive: boolean;
  /** Terminal width in columns; default 80. */
  readonly columns?: number;
}

export interface ProgressView {
  readonly onProgress: (event: ProgressEvent) => void;
  /** Ends a running bar (its last state stays on screen). */
  stop(): void;
}

/**
 * `quiet` shows nothing (JSON output); `hidePhases` leaves out phases the command reports
 * itself on stdout (down's "is down").
 */
export function createProgressView(io: ProgressViewIo, options: { quiet?: boolean; hidePhases?: readonly Phase[] } = {}): ProgressView {
  // cli-progress draws on a stream; this one writes through io.stderr, so that tests see it too.
  const stream = {
    isTTY: io.interactive,
    columns: io.columns ?? 80,
    write: (text: string) => {
      io.stderr(text);
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  let bar: SingleBar | undefined;
  let resources = false;
  let starting = false;

  const stop = () => {
    bar?.stop();
    bar = undefined;
    resources = false;
    starting = false;
  };
  const startBar = (format: string, total: number, value: number) => {
    stop();
    bar = new SingleBar({ format, stream, hideCursor: true, barsize: 20, fps: 5 });
    bar.start(Math.max(total, 1), value, { step: "" });
  };

  const onProgress = (e: ProgressEvent) => {
    if (options.quiet) return;
    if (e.kind === "phase") {
      if (options.hidePhases?.includes(e.phase)) return;
      // The launcher returns once every node is up, so the start bar ends full when the health wait begins.
      if (starting && e.phase === "waiting-for-health") bar?.update(bar.getTotal());
      stop();
      io.stderr(`${e.message}\n`);
      if (!io.interactive || !e.nodes) return;
      // The launcher reports no per-node steps: the start bar shows the time spent, and fills when
      // the launcher returns; the heartbeat bar counts the nodes healthy so far.
      if (e.phase === "starting") {
        startBar("  starting nodes [{bar}] {value}/{total} up | {duration_formatted}", e.nodes, 0);
        starting = true;
      } else if (e.phase === "waiting-for-health") startBar("  heartbeats     [{bar}] {value}/{total} healthy | {duration_formatted}", e.nodes, 0);
    } else if (e.kind === "resource" && e.status !== "started") {
      if (io.interactive && e.total) {
        if (!resources) startBar("  resources [{bar}] {value}/{total} {step}", e.total, 0);
        resources = true;
        bar?.update(e.done, { step: `${e.op} ${e.type}` });
      } else io.stderr(`  ${e.status === "failed" ? "FAILED" : "done"} ${e.op} ${e.type} (${e.done}${e.total ? `/${e.total}` : ""})\n`);
    } else if (e.kind === "health") {
      // Unhealthy probes are routine while a node starts; only the healthy ones are news.
      if (!e.healthy) return;
      if (bar) {
        bar.setTotal(e.totalNodes);
        bar.update(e.healthyNodes);
      } else if (!io.interactive) io.stderr(`  healthy ${e.url} (${e.healthyNodes}/${e.totalNodes})\n`);
    } else if (e.kind === "log" && (e.severity === "warning" || e.severity === "error")) {
      stop();
      io.stderr(`  ${e.severity}: ${e.message}\n`);
    }
  };
  return { onProgress, stop };
}
