// Child process for the paused-owner test: `store-pause-child.ts DIR KEY TEXT GENERATION` puts
// TEXT at KEY in the FsStore at DIR with ifGenerationMatch GENERATION and prints `done <gen>` or
// `failed <code>`. Run it with LOCAL_DVID_TEST_PAUSE_AT=locked:KEY to make it stop itself
// (SIGSTOP) while it holds the key's lock, between its compare-and-swap check and its write.
import { FsStore } from "../../local-dvid/store/fs-store.js";
import { isLocalDvidError } from "../../local-dvid/errors.js";

const [dir, key, text, generation] = process.argv.slice(2);
const store = new FsStore(dir!);
try {
  const g = await store.put(key!, Buffer.from(text!), { ifGenerationMatch: Number(generation) });
  process.stdout.write(`done ${g}\n`);
} catch (err) {
  process.stdout.write(`failed ${isLocalDvidError(err) ? err.code : String(err)}\n`);
}
await store.close();
