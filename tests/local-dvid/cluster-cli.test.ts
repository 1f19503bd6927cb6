// The node CLI (local-dvid/cli.ts) as a process: its one listening line, signals, --parent-watch,
// flags passed through to the server, and bad flags.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CLI_PATH, tsxNodeArgs } from "../../local-dvid/cluster-tsx.js";
import { connect } from "node:net";
import { isGroupGone, isPidGone, killChild, spawnProcess, spawnTsx, type TsxChild } from "../helpers/child-process.js";
import { httpGet, httpPost } from "../helpers/http.js";
import { createTempDir, removeTempDir } from "../helpers/temp-dir.js";

let dir: string;
let running: TsxChild[] = [];

beforeAll(async () => {
  dir = await createTempDir("cli");
});
let groups: number[] = [];

afterEach(async () => {
  await Promise.all(running.map(killChild));
  running = [];
  // Whatever a failed `npm run` test left in its process group.
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // the group is empty
    }
  }
  groups = [];
});
afterAll(async () => {
  await removeTempDir(dir);
});

function startNode(args: readonly string[]): TsxChild {
  const node = spawnTsx(CLI_PATH, args);
  running.push(node);
  return node;
}

async function listening(node: TsxChild): Promise<{ event: string; url: string; pid: number }> {
  return JSON.parse(await node.waitForLine((line) => line.includes('"listening"'))) as { event: string; url: string; pid: number };
}

describe("local-dvid/cli.ts", () => {
  it("prints exactly one listening line, serves DVID's heartbeat, and exits 0 on SIGTERM", async () => {
    const node = startNode(["--store", join(dir, "a")]);
    const line = await listening(node);
    expect(line).toEqual({ event: "listening", url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), pid: node.pid });
    expect(Object.keys(line)).toEqual(["event", "url", "pid"]);
    expect((await httpGet(`${line.url}/api/heartbeat`)).text).toBe("OK");
    node.child.kill("SIGTERM");
    expect(await node.exited).toEqual({ code: 0, signal: null });
    expect(node.stdout()).toBe(`${JSON.stringify(line)}\n`);
  });

  it("exits 0 on SIGINT", async () => {
    const node = startNode(["--store", join(dir, "b"), "--port", "0", "--host", "127.0.0.1"]);
    await listening(node);
    node.child.kill("SIGINT");
    expect(await node.exited).toEqual({ code: 0, signal: null });
  });

  it("with --parent-watch exits 0 when its standard input reaches end-of-file", async () => {
    const child = spawn(process.execPath, tsxNodeArgs(CLI_PATH, ["--store", join(dir, "c"), "--parent-watch"]), {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      let out = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("\n")) resolve();
        });
        child.once("exit", (code) => reject(new Error(`the node exited (${code}) before its listening line`)));
      });
      child.stdin.end();
      expect(await exited).toBe(0);
      expect(isPidGone(child.pid!)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    }
  });

  it("passes --readonly, --note and --admin-token to the server", async () => {
    const reader = startNode(["--store", join(dir, "d"), "--readonly", "--note", "a reader"]);
    const writer = startNode(["--store", join(dir, "d"), "--admin-token=t0ken"]);
    const [r, w] = await Promise.all([listening(reader), listening(writer)]);
    expect((await httpPost(`${r.url}/api/repos`, "{}")).status).toBe(400);
    expect((await httpGet(`${r.url}/api/server/note`)).text).toContain("a reader");
    expect((await httpPost(`${w.url}/api/repos`, "{}")).status).toBe(400);
    expect((await httpPost(`${w.url}/api/repos?admintoken=t0ken`, "{}")).status).toBe(200);
  });

  it("exits 1 with a message naming the directory when the store cannot be created", async () => {
    const blocker = join(dir, "file");
    await writeFile(blocker, "x");
    const node = startNode(["--store", join(blocker, "store")]);
    expect((await node.exited).code).toBe(1);
    expect(node.stderr()).toContain(`cannot open the store directory ${join(blocker, "store")}`);
    expect(node.stdout()).toBe("");
  });

  it.each([
    [["--stor", "x"], /unknown flag --stor; expected one of --store, --port/],
    [["--port", "abc", "--store", "x"], /--port expects an integer from 0 to 65535; got "abc"/],
    [["--port", "70000", "--store", "x"], /--port expects an integer from 0 to 65535; got "70000"/],
    [["--port"], /flag --port expects a value; got none/],
    [["--readonly=yes", "--store", "x"], /flag --readonly takes no value; got "yes"/],
    [["--port", "1"], /flag --store DIR is required/],
    [["--store", "x", "extra"], /unexpected argument "extra"/],
  ])("exits 2 on %j with a message naming the flag", async (args, message) => {
    const node = startNode(args);
    expect((await node.exited).code).toBe(2);
    expect(node.stderr()).toMatch(message);
  });

  it("prints its usage on --help and exits 0, also when run through the tsx command", async () => {
    const tsxBin = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
    const child = spawn(tsxBin, [CLI_PATH, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: local-dvid --store DIR/);
    expect(out).toContain("--parent-watch");
  });
});

/** Resolves "refused" when nothing listens at `url` any more, "open" when something does. */
function probe(url: string): Promise<"open" | "refused"> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNREFUSED" ? resolve("refused") : reject(err)));
  });
}

describe("npm run local-dvid", () => {
  const projectDir = fileURLToPath(new URL("../..", import.meta.url));

  it.each(["SIGTERM", "SIGINT"] as const)("stops its server, leaving no process of its tree, on %s to the npm process", async (signal) => {
    // npm runs the script through `sh -c` and forwards SIGTERM and SIGINT to that child only;
    // the script must therefore be one process that gets them (see package.json).
    const npm = spawnProcess("npm", ["run", "local-dvid", "--", "--store", join(dir, `npm-${signal}`), "--port", "0"], {
      cwd: projectDir,
      detached: true,
    });
    running.push(npm);
    groups.push(npm.pid);
    const line = JSON.parse(await npm.waitForLine((l) => l.includes('"listening"'), 30_000)) as { url: string; pid: number };
    expect(await probe(line.url)).toBe("open");

    process.kill(npm.pid, signal);
    expect(await npm.exited).toEqual({ code: 0, signal: null });
    expect(isPidGone(line.pid)).toBe(true);
    expect(isGroupGone(npm.pid)).toBe(true);
    expect(await probe(line.url)).toBe("refused");
  });
});
