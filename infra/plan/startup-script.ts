/**
 * Renders the start-up script of one node VM (Container-Optimized OS). Pure.
 *
 * Why a start-up script and systemd, not `gce-container-declaration`: that metadata key is
 * deprecated and announced to stop working on 2026-07-31 (ARCHITECTURE.md, "Pulumi facts").
 * The script runs as root at every boot (google-startup-scripts.service), so everything it writes
 * to COS's stateless /etc is written again after a reboot.
 *
 * Why a key file: DVID's gbucket backend authenticates only through GOOGLE_APPLICATION_CREDENTIALS
 * and never asks the metadata server (dvid-deploy.md §4), so the VM fetches a service-account key
 * from Secret Manager with its own identity and mounts it read-only into the container.
 */
import type { NodePlan } from "./naming.js";
import { NODE_TOOLS_DIR, NODE_TOOLS_PATH, WATCH_UNIT, nodeToolCommand, renderNodeTools, renderWatchUnit } from "./node-tools.js";

export interface StartupScriptInput {
  clusterName: string;
  node: NodePlan;
  project: string;
  /** Secret Manager secret id holding the JSON key of this node's role (writer or readers). */
  keySecretId: string;
  image: string;
  port: number;
  /** Bucket name (readers wait for it to be initialised and watch its metadata). */
  bucket: string;
  /** Output of renderDvidToml for this node. */
  dvidToml: string;
}

/** Where the script keeps DVID's config and key on the VM (/var is writable and persistent on COS). */
export const HOST_DVID_DIR = "/var/lib/dvid";
/** Where that directory appears inside the container. */
export const CONTAINER_DVID_DIR = "/dvid";
/** DVID shuts down within 20 s plus `shutdownDelay` (5 s) on SIGTERM (dvid-deploy.md §2). */
export const STOP_TIMEOUT_SECONDS = 30;

const TOML_END = "DVIDCLOUD_TOML_END";
const UNIT_END = "DVIDCLOUD_UNIT_END";
const TOOLS_END = "DVIDCLOUD_TOOLS_END";
const WATCH_END = "DVIDCLOUD_WATCH_END";

function heredocBody(text: string, delimiter: string): string {
  if (text.split("\n").includes(delimiter)) {
    throw new Error(`heredoc body contains its own delimiter ${delimiter}`);
  }
  return text.endsWith("\n") ? text : `${text}\n`;
}

export function renderDvidCommand(node: NodePlan): string[] {
  // `-readonly` besides `rwmode = "readonly"`: it also stops a reader from persisting mutation-ID
  // counters at start-up (dvid-deploy.md §4).
  return node.role === "reader"
    ? ["dvid", "-verbose", "-readonly", "serve", `${CONTAINER_DVID_DIR}/config.toml`]
    : ["dvid", "-verbose", "serve", `${CONTAINER_DVID_DIR}/config.toml`];
}

export function renderSystemdUnit(input: Pick<StartupScriptInput, "clusterName" | "node" | "image" | "port">): string {
  const { clusterName, node, image, port } = input;
  const run = [
    "/usr/bin/docker run --rm --name dvid",
    // Publish only the HTTP port: DVID also listens on :6060 (debug, serves the API too) and the
    // RPC port, which must stay private. Published ports also pass COS's host firewall, which
    // drops other inbound traffic, so no iptables rule is needed.
    `-p ${port}:${port}`,
    `-v ${HOST_DVID_DIR}:${CONTAINER_DVID_DIR}:ro`,
    `-e GOOGLE_APPLICATION_CREDENTIALS=${CONTAINER_DVID_DIR}/key.json`,
    image,
    renderDvidCommand(node).join(" "),
  ].join(" \\\n  ");
  return [
    "[Unit]",
    `Description=DVID ${node.role} ${node.name} of dvidcloud cluster ${clusterName}`,
    "Wants=network-online.target",
    "After=network-online.target docker.service",
    "Requires=docker.service",
    // Keep retrying (image pulls and bucket access can fail transiently at boot).
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "ExecStartPre=-/usr/bin/docker rm -f dvid",
    // A pull with a timeout that falls back to the copy on the VM: a registry that does not answer
    // must not keep DVID from restarting (node-tools.ts).
    `ExecStartPre=${nodeToolCommand("pull-image")}`,
    // Readers: the writer initialises the bucket (a read-only reader cannot), and the metadata DVID
    // is about to load is recorded for the watcher.
    ...(node.role === "reader"
      ? [`ExecStartPre=${nodeToolCommand("wait-for-bucket")}`, `ExecStartPre=${nodeToolCommand("snapshot-metadata")}`]
      : []),
    `ExecStart=${run}`,
    `ExecStop=/usr/bin/docker stop --time ${STOP_TIMEOUT_SECONDS} dvid`,
    "TimeoutStartSec=900",
    `TimeoutStopSec=${STOP_TIMEOUT_SECONDS + 15}`,
    "Restart=always",
    "RestartSec=10",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

export function renderStartupScript(input: StartupScriptInput): string {
  const { clusterName, node, project, keySecretId, dvidToml } = input;
  const secretUrl = `https://secretmanager.googleapis.com/v1/projects/${project}/secrets/${keySecretId}/versions/latest:access`;
  const reader = node.role === "reader";
  const watcher = reader
    ? `
cat > /etc/systemd/system/${WATCH_UNIT} <<'${WATCH_END}'
${heredocBody(renderWatchUnit(input), WATCH_END)}${WATCH_END}
`
    : "";
  return `#!/bin/bash
# Start-up script of ${node.name} (${node.role}) in dvidcloud cluster ${clusterName}.
# Rendered by dvidcloud (infra/plan/startup-script.ts); runs as root at every boot.
set -euo pipefail

readonly DVID_DIR=${HOST_DVID_DIR}
readonly KEY_FILE="\${DVID_DIR}/key.json"
readonly TOKEN_URL=http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token
readonly SECRET_URL=${secretUrl}

umask 077
mkdir -p "\${DVID_DIR}" ${NODE_TOOLS_DIR}
chmod 700 "\${DVID_DIR}" ${NODE_TOOLS_DIR}

# DVID's gbucket backend reads only GOOGLE_APPLICATION_CREDENTIALS (never the metadata server):
# fetch the key of this node's role from Secret Manager with this VM's own identity.
fetch_key() {
  local token
  token=$(curl -sSf -H 'Metadata-Flavor: Google' "\${TOKEN_URL}" \\
    | grep -o '"access_token" *: *"[^"]*"' | cut -d'"' -f4) || return 1
  [ -n "\${token}" ] || return 1
  curl -sSf -H "Authorization: Bearer \${token}" "\${SECRET_URL}" \\
    | grep -o '"data" *: *"[^"]*"' | cut -d'"' -f4 | base64 -d > "\${KEY_FILE}.tmp" || return 1
  [ -s "\${KEY_FILE}.tmp" ] || return 1
  mv -f "\${KEY_FILE}.tmp" "\${KEY_FILE}"
}

# IAM grants made moments before the VM was created can take a few minutes to apply.
for attempt in $(seq 1 60); do
  if fetch_key; then break; fi
  echo "dvidcloud: DVID key not readable yet (attempt \${attempt}/60), retrying in 10 s" >&2
  sleep 10
done
if [ ! -s "\${KEY_FILE}" ]; then
  echo "dvidcloud: could not read the DVID key from \${SECRET_URL}" >&2
  exit 1
fi

cat > "\${DVID_DIR}/config.toml" <<'${TOML_END}'
${heredocBody(dvidToml, TOML_END)}${TOML_END}

cat > ${NODE_TOOLS_PATH} <<'${TOOLS_END}'
${heredocBody(renderNodeTools(input), TOOLS_END)}${TOOLS_END}

cat > /etc/systemd/system/dvid.service <<'${UNIT_END}'
${heredocBody(renderSystemdUnit(input), UNIT_END)}${UNIT_END}
${watcher}
systemctl daemon-reload

# Preflight: say now, on the serial console, if the DVID image cannot be pulled (dvid.service
# keeps retrying either way).
systemctl start docker.service || true
${nodeToolCommand("pull-image")} || echo "dvidcloud: DVID starts once its image can be pulled" >&2

# restart, not start: a re-run must replace the running container. --no-block: a reader's DVID
# may wait for the writer to initialise the bucket first.
systemctl restart --no-block dvid.service
${reader ? `systemctl restart --no-block ${WATCH_UNIT}
` : ""}`;
}
