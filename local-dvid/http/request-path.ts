// DVID routes on the URL path after Go decoded it (so `%2F` becomes a separator, dvid-api.md
// §1.1 and §5) and splits it on `/`. Query parameters come from the raw query string.
import { badRequest } from "./errors.js";

export interface RequestPath {
  /** The decoded path, as DVID prints it in `(<path>)` error suffixes. */
  readonly path: string;
  /** The decoded path split on `/`, without the leading empty segment. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
}

/** A request URL split once into its raw (undecoded) path and its query. */
export interface RequestUrl {
  readonly rawPath: string;
  readonly query: URLSearchParams;
}

/** Splits a request URL; the access checks (access.ts) use it before the path is decoded. */
export function splitRequestUrl(rawUrl: string | undefined): RequestUrl {
  const url = rawUrl ?? "/";
  const q = url.indexOf("?");
  return { rawPath: q >= 0 ? url.slice(0, q) : url, query: new URLSearchParams(q >= 0 ? url.slice(q + 1) : "") };
}

export function parseRequestPath({ rawPath, query }: RequestUrl): RequestPath {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch (err) {
    throw badRequest(`invalid URL escape in path ${JSON.stringify(rawPath)}`, err);
  }
  const segments = path.split("/");
  if (segments[0] === "") segments.shift();
  return { path, segments, query };
}
