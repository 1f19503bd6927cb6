// A test bed for the console in a browser: a local-dvid (MemoryStore) whose node:http server also
// serves the console (`serveConsole(req, res) || dvid(req, res)`, as local-dvid will), a read-only
// second node on the same store, a node URL where nothing listens, and a server that serves only
// the console (for `?server=` pointing at another origin). Data is made with the volume-client:
// a repo with a branch and a merge, a uint8 volume with a coarser level, a labelblk volume and a
// keyvalue with keys, and a keyvalue made on the branch.
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import ndarray from "ndarray";
import { serveConsole } from "../../console/index.js";
import { MemoryStore, createApp, startLocalDvid, type LocalDvidApp, type RunningLocalDvid } from "../../local-dvid/index.js";
import { connect, type DvidClient, type Version } from "../../volume-client/index.js";

export interface ConsoleBed {
  /** local-dvid with the console at `/` (writer). */
  readonly url: string;
  /** A read-only local-dvid on the same store. */
  readonly readerUrl: string;
  /** An address where nothing listens. */
  readonly deadUrl: string;
  /** A server with the console only (DVID's API answers 404 there). */
  readonly consoleOnlyUrl: string;
  readonly client: DvidClient;
  readonly versions: {
    readonly root: Version;
    readonly proof: Version;
    readonly second: Version;
    readonly merged: Version;
  };
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A gradient that varies along every axis, so grayscale is not uniform. */
function grayscale(nz: number, ny: number, nx: number): Uint8Array {
  const out = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) out[(z * ny + y) * nx + x] = (x * 2 + y + z * 3) & 255;
  return out;
}

export async function startConsoleBed(): Promise<ConsoleBed> {
  const store = new MemoryStore();
  // Made once both URLs are known: the console-only page (another origin) may read this node
  // (corsOrigins); a node lets no other origin read it by default.
  let app: LocalDvidApp | undefined;
  const main = http.createServer((req, res) => {
    if (!serveConsole(req, res)) app!.handler(req, res);
  });
  const consoleOnly = http.createServer((req, res) => {
    if (!serveConsole(req, res)) {
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("not here\n");
    }
  });
  const dead = http.createServer();
  let reader: RunningLocalDvid | undefined;
  try {
    const url = await listen(main);
    const consoleOnlyUrl = await listen(consoleOnly);
    const deadUrl = await listen(dead);
    app = createApp({ store, corsOrigins: [consoleOnlyUrl] });
    // The console on the writer's origin checks the reader's heartbeat from there.
    reader = await startLocalDvid({ store, readonly: true, port: 0, corsOrigins: [url] });
    await closeServer(dead); // after the reader took its port, so the reader cannot get this one

    const client = connect(url);
    const root = await client.createRepo({ alias: "fib25", description: "FIB-SEM test volume with labels" });
    const gray = await root.createVolume("grayscale", "uint8", { blockSizeZyx: [32, 32, 32] });
    await gray.write([0, 0, 0], ndarray(grayscale(64, 96, 128), [64, 96, 128]));
    const labels = await root.createVolume("segmentation", "uint64", { labels: true, blockSizeZyx: [32, 32, 32] });
    const ids = new BigUint64Array(32 * 64 * 64);
    for (let i = 0; i < ids.length; i++) ids[i] = BigInt(1 + ((i >> 4) % 5));
    await labels.write([0, 0, 0], ndarray(ids, [32, 64, 64]));
    // A coarser level as neuroglancer finds it (<name>_1), half the size in every axis.
    const level1 = await root.createVolume("grayscale_1", "uint8", { blockSizeZyx: [32, 32, 32] });
    await level1.write([0, 0, 0], ndarray(grayscale(32, 64, 64), [32, 64, 64]));
    const files = await root.createKeyValue("files");
    await files.put("README.txt", "hello");
    await files.put("meta.json", "{}");
    await files.put("roi-list.csv", "a,b");
    await root.commit("imported grayscale and labels");
    const proof = await root.branch("proofreading", { note: "fix merges" });
    await proof.keyValue("files").put("proof-notes.txt", "split 3");
    await (await proof.createKeyValue("proofreading-log")).put("2024-01-01.txt", "merged 12 bodies");
    await proof.commit("proofread");
    const second = await root.newVersion({ note: "new alignment" });
    await second.commit("aligned");
    const merged = await second.merge([proof], { note: "alignment + proofreading" });

    const readerUrl = reader.url;
    const r = reader;
    const a = app;
    return {
      url,
      readerUrl,
      deadUrl,
      consoleOnlyUrl,
      client,
      versions: { root, proof, second, merged },
      close: async () => {
        client.close();
        await Promise.all([closeServer(main), closeServer(consoleOnly), r.close()]);
        await a.close();
        await store.close();
      },
    };
  } catch (err) {
    await Promise.allSettled([closeServer(main), closeServer(consoleOnly), reader?.close()]);
    throw err;
  }
}
