// Run as its own process by cluster.test.ts: writes one seed's pattern into many thin,
// non-aligned boxes at once, to race another process writing into the same blocks.
// Usage: tsx concurrent-writer.ts '<json {writer, uuid, name, dtype, boxes, seed}>'
import { connect } from "../../../volume-client/index.js";
import type { BoxZyx } from "../../../volume-client/wire/geometry.js";
import type { Dtype } from "../../../volume-client/wire/dtype.js";
import { patternArray } from "./volumes.js";

const job = JSON.parse(process.argv[2]) as { writer: string; uuid: string; name: string; dtype: Dtype; boxes: BoxZyx[]; seed: number };
const client = connect(job.writer, { nonAlignedWrites: true });
try {
  const vol = client.version(job.uuid).volume(job.name);
  await Promise.all(job.boxes.map((b) => vol.write([b[0][0], b[1][0], b[2][0]], patternArray(job.dtype, b, job.seed) as never)));
  const ext = await client.extensions();
  process.stdout.write(JSON.stringify({ ok: true, requests: client.requestsSent, extension: ext.has("nonaligned-raw-post") }) + "\n");
} finally {
  client.close();
}
