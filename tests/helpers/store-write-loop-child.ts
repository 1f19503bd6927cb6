// Child process for the kill-while-writing test: `store-write-loop-child.ts DIR KEYS BYTES`
// rewrites objects loop/0 … loop/KEYS-1 of the FsStore at DIR forever, round after round, and
// prints `round R` after each round. Round R's object is BYTES long: a uint32 LE R, then every
// other byte R & 0xff, so a reader can tell whether an object is whole and of one round.
import { FsStore } from "../../local-dvid/store/fs-store.js";

const [dir, keys, bytes] = process.argv.slice(2);
const store = new FsStore(dir!);
for (let round = 1; ; round++) {
  const data = Buffer.alloc(Number(bytes), round & 0xff);
  data.writeUInt32LE(round, 0);
  for (let k = 0; k < Number(keys); k++) await store.put(`loop/${k}`, data);
  process.stdout.write(`round ${round}\n`);
}
