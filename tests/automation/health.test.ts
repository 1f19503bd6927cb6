import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { isDvidcloudError, probeHeartbeat, waitForHealth } from "../../automation/index.js";

// A node that starts answering its heartbeat only after `readyAfter` probes, as a booting DVID.
let probes = 0;
let readyAfter = 3;
const server = http.createServer((req, res) => {
  if (req.url !== "/api/heartbeat") return void res.writeHead(404).end("404 page not found");
  probes++;
  if (probes <= readyAfter) return void res.writeHead(503).end("DVID server is unavailable.");
  res.writeHead(200, { "Content-Type": "text/plain" }).end("OK");
});
let url: string;
let deadUrl: string;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tmp = http.createServer();
  await new Promise<void>((r) => tmp.listen(0, "127.0.0.1", r));
  deadUrl = `http://127.0.0.1:${(tmp.address() as AddressInfo).port}`;
  await new Promise<void>((r) => tmp.close(() => r()));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe("waitForHealth()", () => {
  it("keeps probing a node that answers 503 until it answers OK", async () => {
    probes = 0;
    readyAfter = 3;
    const seen: boolean[] = [];
    const report = await waitForHealth([url], { intervalMs: 5, onProgress: (e) => e.kind === "health" && seen.push(e.healthy) });
    expect(report.healthy).toBe(true);
    expect(probes).toBe(4);
    expect(seen).toEqual([false, false, false, true]);
  });

  it("throws HEALTH_TIMEOUT naming the node that never answered, and why", async () => {
    const err = await waitForHealth([url, deadUrl], { timeoutMs: 300, intervalMs: 20 }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "HEALTH_TIMEOUT")).toBe(true);
    expect((err as Error).message).toContain(deadUrl);
    expect((err as Error).message).toContain("ECONNREFUSED");
    expect((err as Error).message).toMatch(/1 of 2 nodes/);
  });

  it("stops with ABORTED when the signal fires", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await waitForHealth([deadUrl], { timeoutMs: 10_000, intervalMs: 10, signal: controller.signal }).catch((e: unknown) => e);
    expect(isDvidcloudError(err, "ABORTED")).toBe(true);
  });

  it("rejects bad arguments with INVALID_OPTION", async () => {
    await expect(waitForHealth([])).rejects.toThrow(/non-empty array of node URLs/);
    await expect(waitForHealth([url], { timeoutMs: -1 })).rejects.toThrow(/timeoutMs must be an integer between 1 and 3600000; got -1/);
    await expect(waitForHealth([url], { every: 5 } as never)).rejects.toThrow(/unknown option "every"/);
  });
});

describe("probeHeartbeat()", () => {
  it("calls a 200 without the body OK unhealthy", async () => {
    const other = http.createServer((_req, res) => res.writeHead(200).end("hello"));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const h = await probeHeartbeat(`http://127.0.0.1:${(other.address() as AddressInfo).port}`, 1000);
    other.closeAllConnections();
    await new Promise<void>((r) => other.close(() => r()));
    expect(h.healthy).toBe(false);
    expect(h.error).toContain("hello");
  });
});
