// The thread side of workers/lz4-pool.ts: LZ4 block compression and decompression of large
// label volumes, off the event loop. Plain JavaScript so that it starts the same under tsx, jest
// and plain node; the codec itself is volume-client/wire/lz4.ts, loaded through tsx's
// scoped loader (tsImport), which touches no other module loading.
import { parentPort } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const { lz4CompressBlock, lz4CompressBound, lz4DecompressBlock } = await tsImport("../../volume-client/wire/lz4.ts", import.meta.url);
let scratch = new Uint8Array(0);

parentPort.on("message", (job) => {
  const { id, op } = job;
  try {
    const input = new Uint8Array(job.input, job.inputOffset, job.inputLength);
    if (op === "compress") {
      // Into this thread's reused scratch (the bound is about the input's size), then a copy of
      // just the block to send: moving an input-sized array per job to the main thread would
      // charge it that much external memory, and garbage collections with it.
      const bound = lz4CompressBound(input.length);
      if (scratch.length < bound) scratch = new Uint8Array(bound);
      const out = lz4CompressBlock(input, scratch).slice();
      parentPort.postMessage({ id, input: job.input, out: out.buffer, outOffset: 0, outLength: out.byteLength }, [job.input, out.buffer]);
    } else {
      // Into the caller's (pooled) buffer when it sent one, else a new one.
      const into = job.into ? new Uint8Array(job.into, job.intoOffset, job.outputLength) : undefined;
      const out = lz4DecompressBlock(input, job.outputLength, into);
      parentPort.postMessage({ id, input: job.input, out: out.buffer, outOffset: out.byteOffset, outLength: out.byteLength }, [job.input, out.buffer]);
    }
  } catch (err) {
    const transfer = [job.input, job.into].filter((b) => b instanceof ArrayBuffer);
    parentPort.postMessage({ id, input: job.input, into: job.into, error: String(err?.message ?? err) }, transfer);
  }
});
