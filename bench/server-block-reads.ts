// The server's share of small reads: 1,000 random one-block GETs (64^3 uint8) by plain node:http
// from a local-dvid child process, interleaved with zarrita.js reading the same blocks from the
// filesystem, so both see the same machine load. Not part of run.ts; for work on local-dvid's
// read path:
//   npx tsx bench/server-block-reads.ts [--reads N] [--rounds R] [--prof DIR] [--only-server N]
// --prof DIR starts the server with --cpu-prof into DIR (profile written when it stops).
// --only-server N skips zarrita and sends N GETs (for profiles and strace).
// Each round also times GETs of 256 KiB from bench/loopback-server.ts, a node:http server that
// answers from one preallocated buffer: the floor of any server on this machine.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import ndarray from "ndarray";
import { connect, type BoxZyx } from "../volume-client/index.js";
import { makeVolume } from "./data.js";
import { processCpuMs, startChildServer } from "./child-server.js";
import { closeIdleSockets, plainGet, startLoopbackServer } from "./loopback.js";
import { createZarrVolume, zarrRead, zarrWrite } from "./zarr-baseline.js";

const { values } = parseArgs({
  options: {
    reads: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
    prof: { type: "string" },
    "only-server": { type: "string" },
  },
});
const reads = Number(values.reads);
const rounds = Number(values.rounds);
const root = fileURLToPath(new URL("..", import.meta.url));
const dir = await mkdtemp(join(tmpdir(), "dvidcloud-blockreads-"));
const prof = values.prof ? ["--cpu-prof", "--cpu-prof-dir", values.prof] : [];
const node = await startChildServer([...prof, join(root, "local-dvid/cli.ts"), "--store", join(dir, "store"), "--port", "0", "--parent-watch"], "local-dvid");
const floor = await startLoopbackServer();
const client = connect(node.url);
try {
  const n = 256;
  const cube: BoxZyx = [[0, n], [0, n], [0, n]];
  const repo = await client.createRepo({ alias: "blocks" });
  const uuid = await repo.uuid();
  const vol = await repo.createVolume("gray", "uint8", { blockSizeZyx: [64, 64, 64] });
  const data = makeVolume("uint8", cube, 1);
  await vol.write([0, 0, 0], ndarray(data as never, [n, n, n]) as never);
  const per = n / 64;
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % per;
  const url = (b: number[]) => `${node.url}/api/node/${uuid}/gray/raw/0_1_2/64_64_64/${b[2] * 64}_${b[1] * 64}_${b[0] * 64}`;
  const blocks = Array.from({ length: reads }, () => [rand(), rand(), rand()]);
  const buf = Buffer.alloc(64 ** 3);
  if (values["only-server"]) {
    const count = Number(values["only-server"]);
    const t = performance.now();
    for (let i = 0; i < count; i++) await plainGet(url(blocks[i % blocks.length]), buf);
    const ms = performance.now() - t;
    console.log(`${count} GETs: ${(ms / count).toFixed(3)} ms each, ${((count * 1000) / ms).toFixed(0)} reads/s`);
  } else {
    const zvol = await createZarrVolume(join(dir, "zarr"), "uint8", [n, n, n], [64, 64, 64]);
    await zarrWrite(zvol, cube, data);
    for (const b of blocks.slice(0, 50)) {
      await plainGet(url(b), buf);
      await zarrRead(zvol, [[b[0] * 64, b[0] * 64 + 64], [b[1] * 64, b[1] * 64 + 64], [b[2] * 64, b[2] * 64 + 64]]);
    }
    for (let r = 0; r < rounds; r++) {
      let tPlain = 0;
      let tZarr = 0;
      let tFloor = 0;
      const cpu0 = [processCpuMs(node.pid), processCpuMs(floor.pid)];
      for (const b of blocks) {
        let t = performance.now();
        const got = await plainGet(url(b), buf);
        tPlain += performance.now() - t;
        if (got !== 64 ** 3) throw new Error(`GET returned ${got} bytes`);
        t = performance.now();
        await zarrRead(zvol, [[b[0] * 64, b[0] * 64 + 64], [b[1] * 64, b[1] * 64 + 64], [b[2] * 64, b[2] * 64 + 64]]);
        tZarr += performance.now() - t;
        t = performance.now();
        await plainGet(`${floor.url}/bytes/${64 ** 3}`, buf);
        tFloor += performance.now() - t;
      }
      const plainRate = reads / (tPlain / 1000);
      const zarrRate = reads / (tZarr / 1000);
      console.log(
        `round ${r + 1}: plain GET ${plainRate.toFixed(0)} reads/s (${(tPlain / reads).toFixed(3)} ms), zarrita ${zarrRate.toFixed(0)} reads/s (${(tZarr / reads).toFixed(3)} ms), ratio ${(plainRate / zarrRate).toFixed(2)}x; floor server ${(tFloor / reads).toFixed(3)} ms (${(tZarr / tFloor).toFixed(2)}x zarrita); ` +
          `server CPU per GET: local-dvid ${(((processCpuMs(node.pid) - cpu0[0]) / reads) * 1000).toFixed(0)} us, floor ${(((processCpuMs(floor.pid) - cpu0[1]) / reads) * 1000).toFixed(0)} us`,
      );
    }
  }
} finally {
  client.close();
  closeIdleSockets();
  await node.stop();
  await floor.stop();
  await rm(dir, { recursive: true, force: true });
}
