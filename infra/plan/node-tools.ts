/**
 * Renders `node.sh`, the helper the start-up script installs on every VM, and the watcher unit of
 * readers. Pure. Each subcommand is run by systemd (or by the start-up script) with bash:
 *
 * - `pull-image` (every node): `docker pull` with a timeout; when the registry does not answer and
 *   the image is on the VM, DVID starts from that copy; when it is not, one clear line goes to the
 *   journal and the serial console (the start-up script runs it once as a preflight).
 * - `wait-for-bucket` (readers): waits until the writer has initialised the bucket. gbucket writes
 *   its `initialized` marker when it is missing; a reader's credentials are read-only, so a reader
 *   that got there first would fail to start.
 * - `snapshot-metadata` (readers, just before DVID starts): records the metadata objects DVID is
 *   about to load (name and generation of each, see gbucket-layout.ts).
 * - `check-metadata` / `watch-metadata` (readers): compares the bucket's metadata objects with that
 *   record (once, or every WATCH_POLL_SECONDS on a shared clock) and restarts DVID, in the reader's
 *   slot, when they differ.
 *
 * The bucket is read through the Cloud Storage JSON API with the VM's own identity (a token from
 * the metadata server), like the key fetch: Container-Optimized OS has curl but neither gsutil nor
 * jq. The endpoints and a few durations can be overridden through DVIDCLOUD_* environment variables;
 * nothing on the VM sets them (the tests point them at stand-in servers).
 */
import {
  INIT_OBJECT,
  INIT_OBJECT_PLAIN,
  METADATA_PREFIX,
  MUTATION_ID_PREFIX,
  REFRESH_READERS_OBJECT,
  RESTART_SLOTS,
  RESTART_SLOT_SECONDS,
  WATCH_POLL_SECONDS,
} from "./gbucket-layout.js";
import type { NodePlan } from "./naming.js";

export interface NodeToolsInput {
  clusterName: string;
  node: NodePlan;
  image: string;
  /** Bucket name (readers look at it). */
  bucket: string;
}

/** Where the helper and its state live on the VM (/var is writable and persistent on COS). */
export const NODE_TOOLS_DIR = "/var/lib/dvidcloud";
export const NODE_TOOLS_PATH = `${NODE_TOOLS_DIR}/node.sh`;
/** The watcher's systemd unit (readers only). */
export const WATCH_UNIT = "dvid-metadata-watch.service";

/** Seconds a pull may take when the image is already on the VM (a manifest check), and when it is not. */
const PULL_TIMEOUT_CACHED_SECONDS = 60;
const PULL_TIMEOUT_SECONDS = 600;
/** Seconds between two looks for the writer's `initialized` marker. */
const BUCKET_WAIT_SECONDS = 10;

/** The command systemd runs for one subcommand (bash reads the file: no exec bit needed). */
export function nodeToolCommand(subcommand: string): string {
  return `/bin/bash ${NODE_TOOLS_PATH} ${subcommand}`;
}

function shellString(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

const COMMON = `say() {
  # One line for the journal (stderr) and one for the serial console, which
  # 'gcloud compute instances get-serial-port-output' shows without SSH.
  echo "dvidcloud: $*" >&2
  { echo "dvidcloud: $*" >> "\${CONSOLE}"; } 2>/dev/null || true
}

# docker pull with a timeout. A registry that does not answer must not keep DVID from
# (re)starting when the image is already on this VM.
pull_image() {
  local limit=\${PULL_TIMEOUT_SECONDS} cached=no output status reason
  if docker image inspect "\${IMAGE}" > /dev/null 2>&1; then
    cached=yes
    limit=\${PULL_TIMEOUT_CACHED_SECONDS}
  fi
  output=$(timeout "\${limit}" docker pull "\${IMAGE}" 2>&1)
  status=$?
  [ "\${status}" -eq 0 ] && return 0
  if [ "\${status}" -eq 124 ]; then
    reason="no answer within \${limit} s"
  else
    reason=$(printf '%s\\n' "\${output}" | tail -n 1)
  fi
  if [ "\${cached}" = yes ]; then
    say "could not pull \${IMAGE} (\${reason}); starting DVID from the copy already on this VM"
    return 0
  fi
  say "ERROR: cannot pull the DVID image \${IMAGE} (\${reason}) and no copy of it is on this VM;" \\
    "DVID cannot start until it can be pulled. Check the image name, that it is public (the VMs pull" \\
    "anonymously) and that the VM reaches its registry; systemd keeps retrying."
  return 1
}`;

const READER = `# An OAuth token of this VM's own identity, from the metadata server.
access_token() {
  curl -sSf --max-time 10 -H 'Metadata-Flavor: Google' "\${TOKEN_URL}" \\
    | grep -o '"access_token" *: *"[^"]*"' | cut -d'"' -f4
}

# GET on the JSON API; prints the body, fails unless the status is 200 (404 reported as status 4).
storage_get() {
  local token=$1 url=$2 response status
  shift 2
  response=$(curl -sS --max-time 30 -G -w '\\n%{http_code}' -H "Authorization: Bearer \${token}" "$@" "\${url}") || return 1
  status=\${response##*$'\\n'}
  case "\${status}" in
    200) printf '%s\\n' "\${response%$'\\n'*}" ;;
    404) return 4 ;;
    *) return 1 ;;
  esac
}

# Prints the generation of object $2 ("none" when it does not exist); fails on any other error.
object_generation() {
  local body status
  body=$(storage_get "$1" "\${STORAGE_API}/b/\${BUCKET}/o/$2" --data-urlencode 'fields=generation')
  status=$?
  if [ "\${status}" -eq 4 ]; then echo none; return 0; fi
  [ "\${status}" -eq 0 ] || return 1
  printf '%s\\n' "\${body}" | grep -o '"generation" *: *"[0-9]*"' | grep -o '[0-9][0-9]*'
}

wait_for_bucket() {
  local token round=0 name generation
  while :; do
    if token=$(access_token) && [ -n "\${token}" ]; then
      for name in "\${INIT_OBJECT}" "\${INIT_OBJECT_PLAIN}"; do
        if generation=$(object_generation "\${token}" "\${name}") && [ -n "\${generation}" ] && [ "\${generation}" != none ]; then
          return 0
        fi
      done
    fi
    if [ $((round % 6)) -eq 0 ]; then
      say "waiting for the writer to initialise gs://\${BUCKET} (object \${INIT_OBJECT}); a read-only reader cannot"
    fi
    round=$((round + 1))
    sleep "\${BUCKET_WAIT_SECONDS}"
  done
}

# Reads the listing's tokens ({, }, "name": "…", "generation": "…") and prints one
# "<name> <generation>" line per object, leaving out the mutation-ID counters.
object_lines() {
  local token name="" generation="" value
  while IFS= read -r token; do
    case "\${token}" in
      "{") name="" generation="" ;;
      "}")
        if [ -n "\${name}" ] && [ -n "\${generation}" ] && [[ "\${name}" != "\${MUTATION_ID_PREFIX}"* ]]; then
          echo "\${name} \${generation}"
        fi
        name="" generation=""
        ;;
      *)
        value=\${token#*:}
        value=\${value//[\\" ]/}
        case "\${token}" in
          '"name"'*) name=\${value} ;;
          '"generation"'*) generation=\${value} ;;
        esac
        ;;
    esac
  done
}

# Name and generation of every metadata object DVID loads at start-up, plus the refresh object,
# sorted; fails when the bucket cannot be listed.
metadata_fingerprint() {
  local token body page="" lines="" refresh
  local -a args
  token=$(access_token) && [ -n "\${token}" ] || return 1
  while :; do
    args=(--data-urlencode "prefix=\${METADATA_PREFIX}" --data-urlencode 'fields=items(name,generation),nextPageToken')
    [ -n "\${page}" ] && args+=(--data-urlencode "pageToken=\${page}")
    body=$(storage_get "\${token}" "\${STORAGE_API}/b/\${BUCKET}/o" "\${args[@]}") || return 1
    lines+=$(printf '%s\\n' "\${body}" | grep -oE '"(name|generation)" *: *"[^"]*"|[{}]' | object_lines)$'\\n'
    page=$(printf '%s\\n' "\${body}" | grep -o '"nextPageToken" *: *"[^"]*"' | cut -d'"' -f4)
    [ -n "\${page}" ] || break
  done
  refresh=$(object_generation "\${token}" "\${REFRESH_OBJECT}") || return 1
  lines+="\${REFRESH_OBJECT} \${refresh}"$'\\n'
  printf '%s' "\${lines}" | grep -v '^$' | LC_ALL=C sort
}

# Just before DVID starts: what it is about to load.
snapshot_metadata() {
  local current
  mkdir -p "\${STATE_DIR}"
  if current=$(metadata_fingerprint); then
    printf '%s\\n' "\${current}" > "\${LOADED}.tmp" && mv -f "\${LOADED}.tmp" "\${LOADED}"
  else
    rm -f "\${LOADED}"
    say "could not list the metadata in gs://\${BUCKET} before DVID started; the watcher's next listing becomes the reference"
  fi
  return 0
}

# Restarts DVID, in this reader's slot, when the metadata differs from what it loaded.
check_metadata() {
  local current delay
  if ! current=$(metadata_fingerprint); then
    say "could not list the metadata in gs://\${BUCKET}; looking again in \${POLL_SECONDS} s"
    return 0
  fi
  if [ ! -f "\${LOADED}" ]; then
    mkdir -p "\${STATE_DIR}"
    printf '%s\\n' "\${current}" > "\${LOADED}"
    return 0
  fi
  [ "\${current}" = "$(cat "\${LOADED}")" ] && return 0
  delay=$((((READER_INDEX - 1) % RESTART_SLOTS) * RESTART_SLOT_SECONDS))
  say "DVID metadata in gs://\${BUCKET} changed since this reader started; restarting DVID in \${delay} s (its slot)"
  sleep "\${delay}"
  systemctl restart dvid.service
}

# Rounds start on multiples of POLL_SECONDS of the (NTP-synced) clock, the same on every reader,
# so that the slots of different readers do not overlap.
watch_metadata() {
  while :; do
    sleep $((POLL_SECONDS - $(date +%s) % POLL_SECONDS))
    check_metadata
  done
}`;

export function renderNodeTools(input: NodeToolsInput): string {
  const { clusterName, node, image, bucket } = input;
  const reader = node.role === "reader";
  const commands = reader
    ? ["pull-image", "wait-for-bucket", "snapshot-metadata", "check-metadata", "watch-metadata"]
    : ["pull-image"];
  const lines = [
    "#!/bin/bash",
    `# dvidcloud helper of ${node.name} (${node.role}) in cluster ${clusterName}.`,
    "# Rendered by dvidcloud (infra/plan/node-tools.ts); systemd and the start-up script run it.",
    `# Usage: node.sh ${commands.join(" | ")}`,
    "set -uo pipefail",
    "",
    `readonly IMAGE=${shellString(image)}`,
    `readonly PULL_TIMEOUT_SECONDS="\${DVIDCLOUD_PULL_TIMEOUT_SECONDS:-${PULL_TIMEOUT_SECONDS}}"`,
    `readonly PULL_TIMEOUT_CACHED_SECONDS="\${DVIDCLOUD_PULL_TIMEOUT_CACHED_SECONDS:-${PULL_TIMEOUT_CACHED_SECONDS}}"`,
    `readonly CONSOLE="\${DVIDCLOUD_CONSOLE:-/dev/ttyS0}"`,
  ];
  if (reader) {
    lines.push(
      `readonly BUCKET=${shellString(bucket)}`,
      `readonly READER_INDEX=${node.index}`,
      `readonly TOKEN_URL="\${DVIDCLOUD_TOKEN_URL:-http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token}"`,
      `readonly STORAGE_API="\${DVIDCLOUD_STORAGE_API:-https://storage.googleapis.com/storage/v1}"`,
      `readonly STATE_DIR="\${DVIDCLOUD_STATE_DIR:-/run/dvidcloud}"`,
      `readonly LOADED="\${STATE_DIR}/loaded-metadata"`,
      `readonly INIT_OBJECT=${INIT_OBJECT}`,
      `readonly INIT_OBJECT_PLAIN=${INIT_OBJECT_PLAIN}`,
      `readonly METADATA_PREFIX=${METADATA_PREFIX}`,
      `readonly MUTATION_ID_PREFIX=${MUTATION_ID_PREFIX}`,
      `readonly REFRESH_OBJECT=${REFRESH_READERS_OBJECT}`,
      `readonly BUCKET_WAIT_SECONDS=${BUCKET_WAIT_SECONDS}`,
      `readonly POLL_SECONDS=${WATCH_POLL_SECONDS}`,
      `readonly RESTART_SLOT_SECONDS=${RESTART_SLOT_SECONDS}`,
      `readonly RESTART_SLOTS=${RESTART_SLOTS}`,
    );
  }
  lines.push("", COMMON, "");
  if (reader) lines.push(READER, "");
  lines.push(
    'case "${1:-}" in',
    "  pull-image) pull_image ;;",
    ...(reader
      ? [
          "  wait-for-bucket) wait_for_bucket ;;",
          "  snapshot-metadata) snapshot_metadata ;;",
          "  check-metadata) check_metadata ;;",
          "  watch-metadata) watch_metadata ;;",
        ]
      : []),
    `  *) echo "usage: $0 ${commands.join(" | ")}" >&2; exit 2 ;;`,
    "esac",
    "",
  );
  return lines.join("\n");
}

/** The reader's watcher: `node.sh watch-metadata` under systemd, restarted if it ever stops. */
export function renderWatchUnit(input: Pick<NodeToolsInput, "clusterName" | "node">): string {
  const { clusterName, node } = input;
  return [
    "[Unit]",
    `Description=Restarts DVID on ${node.name} when the writer changes DVID's metadata (dvidcloud cluster ${clusterName})`,
    "Wants=network-online.target",
    "After=network-online.target dvid.service",
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    `ExecStart=${nodeToolCommand("watch-metadata")}`,
    "Restart=always",
    "RestartSec=10",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
