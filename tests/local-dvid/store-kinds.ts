// The two ObjectStore implementations, for suites that run over each of them (describe.each).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsStore } from "../../local-dvid/store/fs-store.js";
import { MemoryStore } from "../../local-dvid/store/memory-store.js";
import type { ObjectStore } from "../../local-dvid/store/object-store.js";

/**
 * [name, make a new store] for a MemoryStore and an FsStore; each FsStore gets a new temp dir
 * whose name starts with `dirPrefix`, pushed onto `tempDirs` for the suite to remove.
 */
export function storeKinds(dirPrefix: string, tempDirs: string[]): Array<[string, () => ObjectStore]> {
  return [
    ["MemoryStore", () => new MemoryStore()],
    [
      "FsStore",
      () => {
        const dir = mkdtempSync(join(tmpdir(), dirPrefix));
        tempDirs.push(dir);
        return new FsStore(dir);
      },
    ],
  ];
}
