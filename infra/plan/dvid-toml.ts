/**
 * Renders the DVID server configuration (TOML) of one node. Pure.
 *
 * Keys and their meaning: dvid-deploy.md §3; why readers are read-only: §4 (DVID loads repo
 * metadata once at start-up and re-saves it whole, so a second writable server on the bucket
 * would overwrite the writer's metadata with its stale copy).
 */
import type { NodePlan } from "./naming.js";

export interface DvidTomlInput {
  clusterName: string;
  node: NodePlan;
  /** Bucket name, without `gs://` (DVID's gbucket `bucket` key). */
  bucket: string;
  /** HTTP port DVID listens on inside the container (published 1:1 on the VM). */
  port: number;
  /**
   * Web origins whose pages may read this DVID (DVID's `corsDomains`). Default VIEW_ORIGINS: the
   * console and neuroglancer that `dvidcloud view` serves on 127.0.0.1.
   */
  corsDomains?: readonly string[];
}

/** Where `dvidcloud view` serves the console and neuroglancer for a gcp cluster (automation/view.ts VIEW_PORT). */
export const VIEW_ORIGINS: readonly string[] = ["http://127.0.0.1:8500", "http://localhost:8500"];

/** Path of the DVID web console inside the default image (`Dockerfile`: `COPY … /console`). */
export const CONSOLE_DIR = "/console";

/** TOML basic string: JSON's escapes are a subset TOML accepts for the characters used here. */
function tomlString(value: string): string {
  return JSON.stringify(value);
}

export function renderDvidToml(input: DvidTomlInput): string {
  const { clusterName, node, bucket, port, corsDomains = VIEW_ORIGINS } = input;
  const readonly = node.role === "reader";
  const note = readonly
    ? `dvidcloud cluster ${clusterName}: reader ${node.index} (read-only; restarts by itself when the writer changes repo metadata)`
    : `dvidcloud cluster ${clusterName}: writer (all metadata changes and writes go here)`;
  const lines = [
    `# DVID configuration of ${node.name}, rendered by dvidcloud (infra/plan/dvid-toml.ts).`,
    "[server]",
    `host = ${tomlString(node.name)}`,
    // ":port" binds every interface of the container; DVID's default is loopback only (§2).
    `httpAddress = ${tomlString(`:${port}`)}`,
    // RPC stays on the container's loopback: only `docker exec dvid dvid …` can use it.
    `rpcAddress = ${tomlString("localhost:8001")}`,
    `webClient = ${tomlString(CONSOLE_DIR)}`,
    `note = ${tomlString(note)}`,
    // Pages of these origins may read DVID (Access-Control-Allow-Origin): `dvidcloud view`'s console and viewer.
    `corsDomains = [${corsDomains.map(tomlString).join(", ")}]`,
  ];
  if (readonly) lines.push(`rwmode = ${tomlString("readonly")}`);
  lines.push(
    "",
    // One store and no [backend]: it is both the default and the metadata store (§3).
    "[store]",
    "  [store.bucket]",
    `  engine = ${tomlString("gbucket")}`,
    `  bucket = ${tomlString(bucket)}`,
    "",
  );
  return lines.join("\n");
}
