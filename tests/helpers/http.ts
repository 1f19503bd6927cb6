// A minimal HTTP client for tests that talk to local-dvid nodes over real loopback HTTP.
import { request } from "node:http";

export interface HttpResult {
  readonly status: number;
  readonly body: Buffer;
  readonly text: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export function httpRequest(method: string, url: string, body?: Uint8Array | string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const data = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, body: data, text: data.toString("utf8"), headers: res.headers });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export const httpGet = (url: string): Promise<HttpResult> => httpRequest("GET", url);
export const httpPost = (url: string, body?: Uint8Array | string): Promise<HttpResult> => httpRequest("POST", url, body ?? "");
