// Child process for the cross-process compare-and-swap test: `store-cas-child.ts DIR KEY N`
// increments the decimal counter stored at KEY in the FsStore at DIR N times, each by a
// read + conditional put retried on PRECONDITION_FAILED, then prints `done <retries>`.
import { FsStore } from "../../local-dvid/store/fs-store.js";
import { isLocalDvidError } from "../../local-dvid/errors.js";

const [dir, key, count] = process.argv.slice(2);
const store = new FsStore(dir!);
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
