/**
 * Asking every reader of a cluster to reload DVID's metadata: writing the object
 * REFRESH_READERS_OBJECT to the cluster's bucket, which each reader's watcher notices and
 * answers by restarting its DVID in its slot, all within MAX_RESTART_DELAY_SECONDS
 * (infra/README.md "Readers").
 *
 * The write goes through the Cloud Storage JSON API (one media upload) with the caller's Google
 * credentials. No Google client library is installed (@pulumi/gcp does not bring
 * google-auth-library), so the token is GOOGLE_OAUTH_ACCESS_TOKEN when set (the variable the
 * gcp provider honours too), else `gcloud auth application-default print-access-token`: the
 * application-default credentials Pulumi itself uses. STORAGE_EMULATOR_HOST (the variable of
 * Google's client libraries) points it at an emulator such as fake-gcs-server.
 */
import { spawn } from "node:child_process";
import { MAX_RESTART_DELAY_SECONDS, REFRESH_READERS_OBJECT } from "../../infra/index.js";
import { DvidcloudError } from "../errors.js";

export interface RefreshReadersResult {
  readonly bucket: string;
  readonly object: string;
  /** Every reader has begun its restart at most this long after the write. */
  readonly maxDelaySeconds: number;
}

function gcloudToken(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("gcloud", ["auth", "application-default", "print-access-token"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
      ...(signal ? { signal } : {}),
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const fail = (why: string, cause?: unknown) =>
      reject(
        new DvidcloudError(
          "REFRESH_FAILED",
          `refreshReaders(): no Google access token: ${why}; run \`gcloud auth application-default login\` (the credentials Pulumi uses), ` +
            "or set GOOGLE_OAUTH_ACCESS_TOKEN",
          cause === undefined ? undefined : { cause },
        ),
      );
    child.on("error", (e: NodeJS.ErrnoException) => fail(e.code === "ENOENT" ? "gcloud is not on PATH" : e.message, e));
    child.on("close", (code) => {
      const token = out.trim();
      if (code === 0 && token !== "") resolve(token);
      else fail(`gcloud auth application-default print-access-token failed (exit code ${code}): ${err.trim().split("\n").at(-1) ?? ""}`);
    });
  });
}

export async function refreshGcpReaders(
  bucket: string,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<RefreshReadersResult> {
  const env = options.env ?? process.env;
  const token = env.GOOGLE_OAUTH_ACCESS_TOKEN || (await gcloudToken(env, options.signal));
  const base = env.STORAGE_EMULATOR_HOST ? env.STORAGE_EMULATOR_HOST.replace(/\/+$/, "") : "https://storage.googleapis.com";
  const url = `${base}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=media&name=${encodeURIComponent(REFRESH_READERS_OBJECT)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
      body: `refresh requested ${new Date().toISOString()}\n`,
      signal: options.signal ?? AbortSignal.timeout(60_000),
    });
  } catch (err) {
    if (options.signal?.aborted) throw new DvidcloudError("ABORTED", "refreshReaders(): aborted", { cause: err });
    throw new DvidcloudError("REFRESH_FAILED", `refreshReaders(): POST ${url} failed: ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) {
    const body = (await response.text()).slice(0, 300);
    throw new DvidcloudError(
      "REFRESH_FAILED",
      `refreshReaders(): writing gs://${bucket}/${REFRESH_READERS_OBJECT} failed with status ${response.status}: ${body}` +
        (response.status === 403 ? " (the caller needs storage.objects.create on the bucket, e.g. roles/storage.objectUser)" : ""),
    );
  }
  await response.arrayBuffer();
  return { bucket, object: REFRESH_READERS_OBJECT, maxDelaySeconds: MAX_RESTART_DELAY_SECONDS };
}
