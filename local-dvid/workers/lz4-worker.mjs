// The thread side of workers/lz4-pool.ts: LZ4 block compression and decompression of large
// label volumes, off the event loop. Plain JavaScript so that it starts the same under tsx, jest
// and plain node; the codec itself is volume-client/wire/lz4.ts, loaded through tsx's
// scoped loader (tsImport), which touches no other module loading.
import { parentPort } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const { lz4CompressBlock, lz4DecompressBlock } = await tsImport("../../volume-client/wire/lz4.ts", import.meta.url);

parentPort.on("message", (job) => {
  const { id, op } = job;
  try {
    const input = new Uint8Array(job.input, job.inputOffset, job.inputLength);
    if (op === "compress") {
      const out = lz4CompressBlock(input);
      parentPort.postMessage({ id, input: job.input, out: out.buffer, outOffset: out.byteOffset, outLength: out.byteLength }, [job.input, out.buffer]);
    } else {
      const out = lz4DecompressBlock(input, job.outputLength);
      parentPort.postMessage({ id, input: job.input, out: out.buffer, outOffset: out.byteOffset, outLength: out.byteLength }, [job.input, out.buffer]);
    }
  } catch (err) {
    const transfer = job.input instanceof ArrayBuffer ? [job.input] : [];
    parentPort.postMessage({ id, input: job.input, error: String(err?.message ?? err) }, transfer);
  }
});
