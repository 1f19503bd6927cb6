// console/scripts/fetch-neuroglancer.mjs: checks a package tarball against a pinned integrity and
// extracts only dist/min and LICENSE, atomically; a second run with the viewer present does nothing.
// Tarballs are made here with the system's tar (pax and GNU long names) or by hand (ustar), so no
// test needs the registry; `npm ci` runs the real fetch.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  INTEGRITY,
  extractViewer,
  fetchNeuroglancer,
  integrityOf,
  isPresent,
} from "../../console/scripts/fetch-neuroglancer.mjs";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

let dir: string;
beforeEach(async () => {
  dir = await createTempDir("fetch-ng");
});
afterEach(async () => {
  await removeTempDir(dir);
});

// 309 characters: past what ustar's name and prefix fields hold, so pax and GNU tar need their own
// long-name records
const LONG = `${"deep/".repeat(60)}worker.js`;

/** A gzipped npm-style tarball (everything under package/) made by the system's tar. */
function packageTarball(format: "pax" | "gnu"): Buffer {
  const root = join(dir, `src-${format}`);
  const files: Record<string, string> = {
    "package/LICENSE": "Apache License 2.0 (test)",
    "package/package.json": "{}",
    "package/dist/min/index.html": "<html>viewer</html>",
    "package/dist/min/main.bundle.js": "console.log(1)",
    [`package/dist/min/${LONG}`]: "long",
    "package/dist/dev/index.html": "<html>dev</html>",
    "package/src/viewer.ts": "export {}",
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const tar = join(dir, `package-${format}.tar`);
  execFileSync("tar", [`--format=${format}`, "-cf", tar, "-C", root, "package"]);
  return gzipSync(readFileSync(tar));
}

/** One-entry ustar archive made by hand, for names the system's tar would clean up. */
function handMadeTarball(name: string, text: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${Buffer.byteLength(text).toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148); // checksum counts as spaces while it is computed
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  const sum = header.reduce((a, b) => a + b, 0);
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const body = Buffer.alloc(512);
  body.write(text);
  return gzipSync(Buffer.concat([header, body, Buffer.alloc(1024)]));
}

function listFiles(root: string, prefix = ""): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(root, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

describe("fetch-neuroglancer", () => {
  it.each(["pax", "gnu"] as const)(
    "extracts only dist/min and LICENSE from a %s tarball that matches the integrity, long names included",
    (format) => {
      const tarball = packageTarball(format);
      const dest = join(dir, "vendor", "neuroglancer");
      expect(extractViewer(tarball, dest, integrityOf(tarball))).toBe(4);
      expect(listFiles(dest).sort()).toEqual([".fetched.json", "LICENSE", LONG, "index.html", "main.bundle.js"].sort());
      expect(readFileSync(join(dest, "index.html"), "utf8")).toBe("<html>viewer</html>");
      expect(readFileSync(join(dest, LONG), "utf8")).toBe("long");
      expect(readFileSync(join(dest, "LICENSE"), "utf8")).toBe("Apache License 2.0 (test)");
      expect(JSON.parse(readFileSync(join(dest, ".fetched.json"), "utf8"))).toMatchObject({ integrity: integrityOf(tarball) });
    },
  );

  it("refuses a tarball that does not match the pinned integrity and leaves the folder as it was", () => {
    const dest = join(dir, "neuroglancer");
    mkdirSync(dest);
    writeFileSync(join(dest, "index.html"), "previous");
    const tarball = packageTarball("pax");
    expect(() => extractViewer(tarball, dest)).toThrow(
      `@janelia-flyem/neuroglancer@2.37.5 tarball integrity mismatch: expected ${INTEGRITY}, got ${integrityOf(tarball)}`,
    );
    expect(listFiles(dest)).toEqual(["index.html"]);
    expect(readFileSync(join(dest, "index.html"), "utf8")).toBe("previous");
  });

  it("replaces an older copy whole: files the new one lacks are gone", () => {
    const dest = join(dir, "neuroglancer");
    mkdirSync(dest);
    writeFileSync(join(dest, "stale.bundle.js"), "old");
    const tarball = packageTarball("gnu");
    extractViewer(tarball, dest, integrityOf(tarball));
    expect(existsSync(join(dest, "stale.bundle.js"))).toBe(false);
    expect(existsSync(join(dest, "index.html"))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["neuroglancer", "package-gnu.tar", "src-gnu"]); // no staging left
  });

  it("refuses an entry whose path would leave the folder", () => {
    const tarball = handMadeTarball("package/dist/min/../../../escaped.txt", "x");
    expect(() => extractViewer(tarball, join(dir, "neuroglancer"), integrityOf(tarball))).toThrow(
      'refusing tarball entry "package/dist/min/../../../escaped.txt": not a plain relative path',
    );
    expect(existsSync(join(dir, "escaped.txt"))).toBe(false);
  });

  it("does nothing, without the network, when the pinned version is already there", () => {
    const dest = join(dir, "neuroglancer");
    mkdirSync(dest);
    writeFileSync(join(dest, "index.html"), "present");
    writeFileSync(join(dest, "LICENSE"), "license");
    expect(isPresent(dest)).toBe(false); // no stamp yet
    writeFileSync(join(dest, ".fetched.json"), JSON.stringify({ integrity: INTEGRITY }));
    expect(isPresent(dest)).toBe(true);
    expect(fetchNeuroglancer({ dest })).toEqual({ fetched: false, dest });
    expect(readFileSync(join(dest, "index.html"), "utf8")).toBe("present");
  });

  it("does not count a copy without its LICENSE or of another integrity as present", () => {
    const dest = join(dir, "neuroglancer");
    mkdirSync(dest);
    writeFileSync(join(dest, "index.html"), "present");
    writeFileSync(join(dest, ".fetched.json"), JSON.stringify({ integrity: INTEGRITY }));
    expect(isPresent(dest)).toBe(false);
    writeFileSync(join(dest, "LICENSE"), "license");
    writeFileSync(join(dest, ".fetched.json"), JSON.stringify({ integrity: "sha512-other" }));
    expect(isPresent(dest)).toBe(false);
  });
});
