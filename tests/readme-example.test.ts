// The README's TypeScript example must run as written: it is examples/quickstart.ts, embedded in
// the README verbatim, and this test runs that file as a user would (tsx, package self-import).
import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTempDir, removeTempDir } from "./helpers/temp-dir.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const example = fileURLToPath(new URL("../examples/quickstart.ts", import.meta.url));

describe("README quick example", () => {
  it("is examples/quickstart.ts, verbatim", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + readFileSync(example, "utf8") + "```");
  });

  it("runs as written and prints what its comments promise", async () => {
    const home = await createTempDir("readme");
    try {
      const r = spawnSync(process.execPath, ["--import", "tsx", example], { cwd: root, encoding: "utf8", timeout: 60_000, env: { ...process.env, DVIDCLOUD_HOME: home } });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines[0]).toBe("[ 64, 64, 64 ] true");
      expect(lines[1]).toBe("true");
      expect(lines[2]).toMatch(/^[0-9a-f]{8} master locked imported$/);
      expect(lines[3]).toMatch(/^[0-9a-f]{8} proofreading open ?$/);
    } finally {
      await removeTempDir(home);
    }
  });
});
