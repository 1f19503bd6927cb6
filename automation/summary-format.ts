// Human-readable lines for the demo's summary.
import type { DemoSummary } from "./demo.js";

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const rate = (bytes: number, ms: number | undefined) => (ms ? `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s` : "n/a");

export function formatDemoSummary(s: DemoSummary): string {
  const t = s.timingsMs;
  const voxels = s.shapeZyx[0] * s.shapeZyx[1] * s.shapeZyx[2];
  const lines = [
    `dvidcloud demo: ${s.nodes}-node local cluster "${s.name}"`,
    `  writer ${s.endpoints.writer}; readers ${s.endpoints.readers.join(", ") || "(none)"}`,
    `  volume ${s.shapeZyx.join("x")} (ZYX): grayscale uint8 ${mb(voxels)}, segmentation uint64 ${mb(voxels * 8)}`,
    `  up ${t.up} ms (healthy), down ${t.down} ms (no process left)`,
    `  write grayscale ${t.writeGrayscale} ms (${rate(voxels, t.writeGrayscale)}), labels ${t.writeLabels} ms (${rate(voxels * 8, t.writeLabels)})`,
    `  read  grayscale ${t.readGrayscale} ms (${rate(voxels, t.readGrayscale)}), labels ${t.readLabels} ms (${rate(voxels * 8, t.readLabels)})`,
    `  bytes written ${mb(s.bytesWritten)}, read ${mb(s.bytesRead)}`,
    `  versions (${s.history.length}):`,
    ...s.history.map((v) => {
      const role = v.uuid === s.versions.root ? "root" : v.uuid === s.versions.child ? "child" : v.uuid === s.versions.branch ? `branch ${s.versions.branchName}` : "";
      return `    ${v.uuid.slice(0, 8)} ${role.padEnd(18)} ${v.locked ? "locked  " : "unlocked"} parents [${v.parents.map((p) => p.slice(0, 8)).join(", ")}] ${JSON.stringify(v.note)}`;
    }),
    `  checks passed (${s.checks.length}):`,
    ...s.checks.map((c) => `    ok  ${c}`),
  ];
  return lines.join("\n");
}
