// Measures how one heavy request affects a local-dvid node (issue 11, "one request freezes the
// server"): a node process (local-dvid/cli.ts) on a temporary filesystem store gets 512 MiB of
// uint64 labels, then for each heavy request (gzip and lz4 raw GETs of 512 MiB, a 16384x16384
// PNG slice, a 1 MiB gzip body that inflates past its 1 GiB box, labels at 50,000 points in
// 50,000 blocks) heartbeats are sent one after another while it runs. Prints one JSON line per
// case: duration, heartbeats answered, their max and p99 latency, and the peak RSS growth
// (/proc/<pid>/status VmHWM after resetting it through clear_refs; Linux only).
// usage: node bench/stalls.mjs [<code root, default this checkout>] [extra node flags...]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import { gzipSync } from "node:zlib";

const root = process.argv[2] ?? new URL("..", import.meta.url).pathname;
const extra = process.argv.slice(3);
const dir = mkdtempSync(join(tmpdir(), "l-measure-"));
const child = spawn(process.execPath, ["--import", "tsx", join(root, "local-dvid/cli.ts"), "--store", join(dir, "store"), ...extra], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
const line = await new Promise((res) => child.stdout.once("data", (d) => res(String(d))));
const { url, pid } = JSON.parse(line);
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const hbAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function req(path, { method = "GET", body, headers = {}, ag = agent } = {}) {
  return new Promise((resolve, reject) => {
    const r = http.request(url + path, { method, agent: ag, headers: body ? { "content-length": body.length, ...headers } : headers }, (res) => {
      const chunks = []; res.on("data", (c) => chunks.push(c)); res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    r.on("error", reject); r.end(body);
  });
}
const status = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
const { root: uuid } = JSON.parse((await req("/api/repos", { method: "POST", body: Buffer.from("{}") })).body);
await req(`/api/repo/${uuid}/instance`, { method: "POST", body: Buffer.from(JSON.stringify({ typename: "labelblk", dataname: "seg", BlockSize: "64,64,64" })) });
await req(`/api/repo/${uuid}/instance`, { method: "POST", body: Buffer.from(JSON.stringify({ typename: "uint8blk", dataname: "gray", BlockSize: "64,64,64" })) });
const [NX, NY] = [512, 512];
for (let z = 0; z < 256; z += 64) {
  const b = Buffer.allocUnsafe(NX * NY * 64 * 8);
  for (let i = 0, v = z; i < b.length; i += 8) { if ((i & 63) === 0) v = (v * 1103515245 + 12345) >>> 0; b.writeUInt32LE(v >>> 12, i); b.writeUInt32LE(0, i + 4); }
  const r = await req(`/api/node/${uuid}/seg/raw/0_1_2/${NX}_${NY}_64/0_0_${z}`, { method: "POST", body: b });
  if (r.status !== 200) throw new Error(String(r.body));
}
async function measure(name, path, opts = {}) {
  try { writeFileSync(`/proc/${pid}/clear_refs`, "5"); } catch {}
  const rss0 = status("VmRSS");
  let done = false;
  const lat = [];
  const t0 = performance.now();
  const heavy = req(path, opts).then((r) => { done = true; return r; });
  while (!done) { const s = performance.now(); await req("/api/heartbeat", { ag: hbAgent }); lat.push(performance.now() - s); }
  const r = await heavy;
  const dur = performance.now() - t0;
  lat.sort((a, b) => a - b);
  const p99 = lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.99))];
  console.log(JSON.stringify({ case: name, status: r.status, bytes: r.body.length, ms: Math.round(dur), heartbeats: lat.length, hbMaxMs: Math.round(lat.at(-1)), hbP99Ms: Math.round(p99), rssGrowthMiB: Math.round(status("VmHWM") - rss0), msg: r.status !== 200 ? String(r.body).slice(0, 160) : undefined }));
}
const pts = [];
for (let i = 0; i < 50000; i++) pts.push([(i * 64) % 65536, Math.floor(i / 1024) * 64, (i * 7) % 256]);
const cases = [
  ["gzip raw GET 512 MiB", `/api/node/${uuid}/seg/raw/0_1_2/512_512_256/0_0_0?compression=gzip`, {}],
  ["lz4 raw GET 512 MiB", `/api/node/${uuid}/seg/raw/0_1_2/512_512_256/0_0_0?compression=lz4`, {}],
  ["PNG xy 16384x16384 uint8", `/api/node/${uuid}/gray/raw/xy/16384_16384/0_0_0`, {}],
];
const bomb = gzipSync(Buffer.alloc(1100 * 2 ** 20), { level: 9 });
cases.push([`gzip bomb POST (${bomb.length} B -> >1 GiB, box 1 GiB)`, `/api/node/${uuid}/seg/raw/0_1_2/512_512_512/0_0_0?compression=gzip`, { method: "POST", body: bomb }]);
cases.push(["labels 50k points in 50k blocks", `/api/node/${uuid}/seg/labels`, { body: Buffer.from(JSON.stringify(pts)) }]);
for (const [n, p, o] of cases) {
  try { await measure(n, p, o); } catch (e) { console.log(JSON.stringify({ case: n, error: String(e), alive: child.exitCode === null })); break; }
}
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
rmSync(dir, { recursive: true, force: true });
agent.destroy(); hbAgent.destroy();
