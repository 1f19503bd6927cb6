/**
 * Runs the helper the start-up script installs on every VM (`node.sh`, taken from the rendered
 * start-up script) with bash, against a stand-in for the metadata server and the Cloud Storage
 * JSON API on port 0, and stand-in `docker`, `systemctl` and `sleep` commands that only record
 * what they were asked to do.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  INIT_OBJECT,
  MUTATION_ID_PREFIX,
  REFRESH_READERS_OBJECT,
  renderDvidToml,
  renderNodeTools,
  renderStartupScript,
  restartDelaySeconds,
  type NodePlan,
} from "../../infra/index.js";

const run = promisify(execFile);
const BUCKET = "demo-dvid-1a2b3c4d";
const IMAGE = "gcr.io/flyem-public/dvid/dvid:0.9.12-3.4.12";
const TOKEN = "ya29.reader-token";
const WRITER: NodePlan = { index: 0, role: "writer", name: "demo-writer" };
const READER: NodePlan = { index: 2, role: "reader", name: "demo-reader-2" };

/** node.sh exactly as the start-up script of `node` writes it to the VM. */
function shippedTools(node: NodePlan): string {
  const script = renderStartupScript({
    clusterName: "demo",
    node,
    project: "my-project",
    keySecretId: "demo-dvid-key",
    image: IMAGE,
    port: 8000,
    bucket: BUCKET,
    dvidToml: renderDvidToml({ clusterName: "demo", node, bucket: BUCKET, port: 8000 }),
  });
  const match = /^cat > \/var\/lib\/dvidcloud\/node\.sh <<'DVIDCLOUD_TOOLS_END'\n([\s\S]*?)\nDVIDCLOUD_TOOLS_END$/m.exec(script);
  expect(match).not.toBeNull();
  return `${match![1]!}\n`;
}

let dir: string;
let realSleep: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dvidcloud-node-tools-"));
  realSleep = (await run("bash", ["-c", "command -v sleep"])).stdout.trim();
  const bin = join(dir, "bin");
  await run("mkdir", ["-p", bin]);
  const standIns: Record<string, string> = {
    // docker: `pull` answers as STANDIN_PULL says (ok, fail, hang); `image inspect` finds the image
    // when STANDIN_CACHED=yes.
    docker: `#!/bin/bash
echo "docker $*" >> "$STANDIN_LOG"
case "$1" in
  pull)
    case "$STANDIN_PULL" in
      ok) echo "Status: Image is up to date for $2"; exit 0 ;;
      fail) echo 'Error response from daemon: Get "https://gcr.io/v2/": dial tcp: lookup gcr.io: no such host' >&2; exit 1 ;;
      hang) exec ${"$"}STANDIN_REAL_SLEEP 60 ;;
    esac ;;
  image) [ "$STANDIN_CACHED" = yes ] ;;
esac
`,
    systemctl: `#!/bin/bash\necho "systemctl $*" >> "$STANDIN_LOG"\n`,
    sleep: `#!/bin/bash\necho "sleep $*" >> "$STANDIN_LOG"\n`,
  };
  for (const [name, text] of Object.entries(standIns)) {
    await writeFile(join(bin, name), text);
    await chmod(join(bin, name), 0o755);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface RunResult {
  code: number;
  stderr: string;
  /** What the stand-in commands were asked, one line each. */
  calls: string[];
  /** What reached the "serial console". */
  console: string;
}

let runCount = 0;

async function runTools(tools: string, subcommand: string, env: Record<string, string> = {}): Promise<RunResult> {
  const id = ++runCount;
  const file = join(dir, `node-${id}.sh`);
  const log = join(dir, `calls-${id}.log`);
  const consoleFile = join(dir, `console-${id}.log`);
  await writeFile(file, tools);
  await writeFile(log, "");
  let code = 0;
  let stderr = "";
  try {
    const result = await run("bash", [file, subcommand], {
      timeout: 30_000,
      env: {
        PATH: `${join(dir, "bin")}:${process.env.PATH}`,
        STANDIN_LOG: log,
        STANDIN_REAL_SLEEP: realSleep,
        STANDIN_PULL: "ok",
        STANDIN_CACHED: "yes",
        DVIDCLOUD_CONSOLE: consoleFile,
        DVIDCLOUD_TOKEN_URL: `${base}/token`,
        DVIDCLOUD_STORAGE_API: `${base}/storage/v1`,
        DVIDCLOUD_STATE_DIR: join(dir, "state"),
        ...env,
      },
    });
    stderr = result.stderr;
  } catch (err) {
    const failure = err as { code?: number; stderr?: string };
    code = typeof failure.code === "number" ? failure.code : -1;
    stderr = failure.stderr ?? "";
  }
  const calls = (await readFile(log, "utf8")).split("\n").filter((line) => line !== "");
  const consoleText = await readFile(consoleFile, "utf8").catch(() => "");
  return { code, stderr, calls, console: consoleText };
}

// ---- A stand-in for the metadata server's token endpoint and the Cloud Storage JSON API ----

let server: Server;
let base: string;
/** Objects in the bucket: name -> generation. */
let objects = new Map<string, number>();
let listStatus = 200;
/** Token requests still to be refused (as the metadata server does before the VM is ready). */
let tokenFailures = 0;
/** Objects per listing page (GCS pages at 1000; small here to exercise paging). */
const PAGE_SIZE = 2;
/** Called for every request before it is answered: lets a test change the bucket over time. */
let onRequest: (req: IncomingMessage, url: URL) => void = () => {};
const requests: string[] = [];

function send(res: import("node:http").ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json; charset=UTF-8");
  // GCS pretty-prints its JSON: one property per line.
  res.end(`${JSON.stringify(body, null, 2)}\n`);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, "http://stand-in");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    onRequest(req, url);
    const prefix = `/storage/v1/b/${BUCKET}/o`;
    if (url.pathname === "/token") {
      if (req.headers["metadata-flavor"] !== "Google") send(res, 403, { error: "missing Metadata-Flavor" });
      else if (tokenFailures > 0 && tokenFailures--) send(res, 503, { error: "not ready" });
      else send(res, 200, { access_token: TOKEN, expires_in: 3599, token_type: "Bearer" });
    } else if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      send(res, 401, { error: { code: 401, message: "Invalid Credentials" } });
    } else if (req.method !== "GET") {
      send(res, 403, { error: { code: 403, message: "read-only identity" } });
    } else if (url.pathname === prefix) {
      if (listStatus !== 200) {
        send(res, listStatus, { error: { code: listStatus, message: "Backend Error" } });
      } else {
        const wanted = url.searchParams.get("prefix") ?? "";
        const names = [...objects.keys()].filter((name) => name.startsWith(wanted)).sort();
        const token = url.searchParams.get("pageToken");
        const start = token === null ? 0 : names.indexOf(Buffer.from(token, "base64").toString().slice("after:".length)) + 1;
        const page = names.slice(start, start + PAGE_SIZE);
        const body: Record<string, unknown> = {};
        if (start + PAGE_SIZE < names.length) {
          // Real page tokens are opaque base64: '=' and '/' must reach the server URL-encoded.
          body.nextPageToken = Buffer.from(`after:${page[page.length - 1]}`).toString("base64");
        }
        if (page.length > 0) body.items = page.map((name) => ({ name, generation: String(objects.get(name)) }));
        send(res, 200, body);
      }
    } else if (url.pathname.startsWith(`${prefix}/`)) {
      const name = decodeURIComponent(url.pathname.slice(prefix.length + 1));
      const generation = objects.get(name);
      if (generation === undefined) send(res, 404, { error: { code: 404, message: `No such object: ${BUCKET}/${name}` } });
      else send(res, 200, { generation: String(generation) });
    } else {
      send(res, 404, { error: { code: 404, message: "Not Found" } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** A bucket a writer has initialised and filled: gbucket's marker, metadata, a counter, data. */
function initialisedBucket(): Map<string, number> {
  return new Map([
    [INIT_OBJECT, 1],
    ["000101", 11], // repo -> UUID map
    ["000201", 12], // version -> UUID map
    ["000301", 13], // next local IDs
    ["00040100000001", 14], // repo 1
    ["00050100", 15], // format version
    [`${MUTATION_ID_PREFIX}00000001`, 16], // repo 1's mutation-ID counter
    ["01000000010aff", 17], // a data block
  ]);
}

beforeEach(async () => {
  objects = initialisedBucket();
  listStatus = 200;
  tokenFailures = 0;
  onRequest = () => {};
  requests.length = 0;
  await rm(join(dir, "state"), { recursive: true, force: true });
});

describe("node.sh pull-image (every node)", () => {
  const tools = () => shippedTools(WRITER);

  it("is valid bash for the writer and for readers", async () => {
    for (const node of [WRITER, READER]) await run("bash", ["-n", "-c", shippedTools(node)], { timeout: 10_000 });
  });

  it("pulls the image and says nothing when the registry answers", async () => {
    const result = await runTools(tools(), "pull-image");
    expect(result.code).toBe(0);
    expect(result.calls).toContain(`docker pull ${IMAGE}`);
    expect(result.console).toBe("");
  });

  it("starts from the copy on the VM when the registry cannot be reached, and says so", async () => {
    const result = await runTools(tools(), "pull-image", { STANDIN_PULL: "fail", STANDIN_CACHED: "yes" });
    expect(result.code).toBe(0);
    expect(result.console).toContain(`dvidcloud: could not pull ${IMAGE} (Error response from daemon:`);
    expect(result.console).toContain("starting DVID from the copy already on this VM");
  });

  it("gives up on a registry that does not answer after the timeout and starts from the copy on the VM", async () => {
    const result = await runTools(tools(), "pull-image", { STANDIN_PULL: "hang", STANDIN_CACHED: "yes", DVIDCLOUD_PULL_TIMEOUT_CACHED_SECONDS: "1" });
    expect(result.code).toBe(0);
    expect(result.console).toContain(`could not pull ${IMAGE} (no answer within 1 s); starting DVID from the copy`);
  });

  it("fails with one clear line on the serial console when the image cannot be pulled and is not on the VM", async () => {
    const result = await runTools(tools(), "pull-image", { STANDIN_PULL: "fail", STANDIN_CACHED: "no" });
    expect(result.code).toBe(1);
    const line = result.console.trim();
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toMatch(new RegExp(`^dvidcloud: ERROR: cannot pull the DVID image ${IMAGE.replace(/[.]/g, "\\.")} \\(.*no such host\\) and no copy of it is on this VM;`));
    expect(line).toContain("Check the image name, that it is public");
    expect(result.stderr).toContain(line);
  });

  it("waits no longer than its timeout for an image that is not on the VM", async () => {
    const result = await runTools(tools(), "pull-image", { STANDIN_PULL: "hang", STANDIN_CACHED: "no", DVIDCLOUD_PULL_TIMEOUT_SECONDS: "1" });
    expect(result.code).toBe(1);
    expect(result.console).toContain("(no answer within 1 s) and no copy of it is on this VM");
  });

  it("offers the writer no reader subcommand", async () => {
    const result = await runTools(tools(), "check-metadata");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("usage:");
  });
});

describe("node.sh wait-for-bucket (readers)", () => {
  it("waits, with the VM's token and without writing, until the writer has initialised the bucket", async () => {
    objects = new Map();
    let markerLooks = 0;
    onRequest = (req, url) => {
      if (url.pathname.endsWith(`/o/${INIT_OBJECT}`) && ++markerLooks === 3) objects.set(INIT_OBJECT, 1);
    };
    const result = await runTools(shippedTools(READER), "wait-for-bucket");
    expect(result.code).toBe(0);
    expect(markerLooks).toBe(3);
    expect(result.calls.filter((call) => call.startsWith("sleep"))).toEqual(["sleep 10", "sleep 10"]);
    expect(result.console).toContain(`waiting for the writer to initialise gs://${BUCKET} (object ${INIT_OBJECT})`);
    expect(requests.every((request) => request.startsWith("GET "))).toBe(true);
  });

  it("also accepts the marker under its plain name", async () => {
    objects = new Map([["initialized", 1]]);
    const result = await runTools(shippedTools(READER), "wait-for-bucket");
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([]);
  });

  it("keeps waiting while the VM has no token yet", async () => {
    objects = new Map([[INIT_OBJECT, 1]]);
    tokenFailures = 2;
    const result = await runTools(shippedTools(READER), "wait-for-bucket");
    expect(result.code).toBe(0);
    expect(requests.filter((r) => r.startsWith("GET /token"))).toHaveLength(3);
    expect(result.calls).toEqual(["sleep 10", "sleep 10"]);
  });
});

describe("node.sh metadata watcher (readers)", () => {
  const tools = () => shippedTools(READER);

  async function snapshotThenCheck(change: () => void, env: Record<string, string> = {}, readerTools = tools()): Promise<RunResult> {
    const snapshot = await runTools(readerTools, "snapshot-metadata", env);
    expect(snapshot.code).toBe(0);
    change();
    return runTools(readerTools, "check-metadata", env);
  }

  it("records the metadata objects DVID is about to load, leaving out counters, data and the marker", async () => {
    await runTools(tools(), "snapshot-metadata");
    const loaded = await readFile(join(dir, "state", "loaded-metadata"), "utf8");
    expect(loaded).toBe(
      ["000101 11", "000201 12", "000301 13", "00040100000001 14", "00050100 15", `${REFRESH_READERS_OBJECT} none`, ""].join("\n"),
    );
  });

  it("leaves DVID alone while the metadata is what it loaded", async () => {
    const result = await snapshotThenCheck(() => {});
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([]);
  });

  it("restarts DVID in its slot when a repo's metadata object is re-saved (new instance, version, commit, branch)", async () => {
    const result = await snapshotThenCheck(() => objects.set("00040100000001", 99));
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([`sleep ${restartDelaySeconds(READER.index)}`, "systemctl restart dvid.service"]);
    expect(result.calls[0]).toBe("sleep 10");
    expect(result.console).toContain(`DVID metadata in gs://${BUCKET} changed since this reader started; restarting DVID in 10 s`);
  });

  it("restarts DVID when a new repo appears, also when it is listed on a later page", async () => {
    const result = await snapshotThenCheck(() => objects.set("00040100000002", 100));
    expect(result.calls).toEqual(["sleep 10", "systemctl restart dvid.service"]);
    // Five metadata objects at two per page: three listing requests, each after the first carrying a page token.
    const listings = requests.filter((r) => r.startsWith(`GET /storage/v1/b/${BUCKET}/o?`));
    expect(listings.some((r) => r.includes("pageToken="))).toBe(true);
  });

  it("restarts DVID when the refresh object is written (refreshReaders)", async () => {
    const result = await snapshotThenCheck(() => objects.set(REFRESH_READERS_OBJECT, 1234));
    expect(result.calls).toEqual(["sleep 10", "systemctl restart dvid.service"]);
  });

  it("ignores the writer's mutation-ID counters and data writes", async () => {
    const result = await snapshotThenCheck(() => {
      objects.set(`${MUTATION_ID_PREFIX}00000001`, 500);
      objects.set("01000000010aff", 501);
      objects.set("01000000020aff", 502);
    });
    expect(result.calls).toEqual([]);
  });

  it("does nothing, and says so, when the bucket cannot be listed", async () => {
    const result = await snapshotThenCheck(() => {
      objects.set("000301", 77);
      listStatus = 503;
    });
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([]);
    expect(result.console).toContain(`could not list the metadata in gs://${BUCKET}`);
  });

  it("takes its first listing as the reference when DVID started without one", async () => {
    const result = await runTools(tools(), "check-metadata");
    expect(result.calls).toEqual([]);
    const again = await runTools(tools(), "check-metadata");
    expect(again.calls).toEqual([]);
    objects.set("000201", 40);
    const changed = await runTools(tools(), "check-metadata");
    expect(changed.calls).toEqual(["sleep 10", "systemctl restart dvid.service"]);
  });

  it("gives readers 1 to 4 different slots, and reader 5 the first slot again", async () => {
    const delays: string[] = [];
    for (const index of [1, 2, 3, 4, 5]) {
      const readerTools = renderNodeTools({ clusterName: "demo", node: { index, role: "reader", name: `demo-reader-${index}` }, image: IMAGE, bucket: BUCKET });
      objects = initialisedBucket();
      await rm(join(dir, "state"), { recursive: true, force: true });
      const result = await snapshotThenCheck(() => objects.set("000101", 1000 + index), {}, readerTools);
      delays.push(result.calls[0]!);
      expect(result.calls[1]).toBe("systemctl restart dvid.service");
    }
    expect(delays).toEqual(["sleep 0", "sleep 10", "sleep 20", "sleep 30", "sleep 0"]);
  });
});
