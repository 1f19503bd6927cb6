// Child process for the cross-process compare-and-swap test: `store-cas-child.ts DIR KEY N GO`
// prints `ready`, waits until the file GO exists (so that all children start together), then
// increments the decimal counter stored at KEY in the FsStore at DIR N times, each by a
// read + conditional put retried on PRECONDITION_FAILED, and prints `done <retries>`.
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { FsStore } from "../../local-dvid/store/fs-store.js";
import { isLocalDvidError } from "../../local-dvid/errors.js";

const [dir, key, count, go] = process.argv.slice(2);
const store = new FsStore(dir!);
process.stdout.write("ready\n");
while (!existsSync(go!)) await sleep(1);
let retries = 0;
for (let i = 0; i < Number(count); i++) {
  for (;;) {
    const current = await store.get(key!);
    const value = current === undefined ? 0 : Number(current.data.toString("utf8"));
    try {
      await store.put(key!, Buffer.from(String(value + 1)), { ifGenerationMatch: current?.generation ?? 0 });
      break;
    } catch (err) {
      if (!isLocalDvidError(err, "PRECONDITION_FAILED")) throw err;
      retries++;
    }
  }
}
await store.close();
process.stdout.write(`done ${retries}\n`);
