/**
 * Where DVID's gbucket backend keeps things in the bucket, as far as the VMs need to know: the
 * object a reader waits for, the objects whose change means "new metadata", and the ones to
 * ignore. Pure constants, with the source they were read from.
 *
 * Sources (janelia-flyem/dvid): `storage/gbucket/gbucket.go` names every object
 * `hex.EncodeToString(key)` (getV/putV), including its own marker `INITKEY = "initialized"`,
 * which it writes when missing. `storage/context.go`: metadata keys are
 * `[metadataKeyPrefix = 0x00] + TKey`, data keys start with 0x01, blob keys with 0x02.
 * `storage/key.go`: `NewTKey(class, index) = [class, 0x01, index...]`. `datastore/repo_local.go`:
 * the metadata classes are 1 repo→UUID map, 2 version→UUID map, 3 next local IDs, 4 one object
 * per repo (the whole DAG, its instances and their properties, re-saved on every repo, version,
 * branch, commit or instance change), 5 format version, 6 server lock (unused), 7 one
 * mutation-ID counter per repo. Metadata is loaded once at start-up (`loadMetadata`), so a reader
 * only sees a change by restarting.
 */

/** gbucket's "bucket initialised" marker, `initialized`, as gbucket names objects (hex of the key). */
export const INIT_OBJECT = Buffer.from("initialized").toString("hex");
/** The same marker under its plain name: checked too, in case a DVID build names it so. */
export const INIT_OBJECT_PLAIN = "initialized";

/** Every metadata object's name starts with hex(0x00). */
export const METADATA_PREFIX = "00";

/**
 * Per-repo mutation-ID counters (class 7): the writer re-saves them every 100 mutations, and DVID
 * versions before the `-readonly` fix persist them at every start-up, readers included. They are
 * not metadata a reader must reload, and watching them would restart readers during every write.
 */
export const MUTATION_ID_PREFIX = "000701";

/**
 * An object outside DVID's key space (names DVID writes are hex and start with 0, 1 or 2, plus
 * its marker above): writing it, with any content, asks every reader to restart in its slot.
 * It is the hook for automation's `refreshReaders()`, which writes it with the caller's credentials.
 */
export const REFRESH_READERS_OBJECT = "dvidcloud-refresh-readers";

/** Seconds between two looks at the bucket; rounds start on multiples of it (VM clocks are NTP-synced). */
export const WATCH_POLL_SECONDS = 10;
/** Readers restart in slots this many seconds apart, so that they do not all restart at once. */
export const RESTART_SLOT_SECONDS = 10;
/** Slots per round: reader i restarts in slot (i - 1) mod RESTART_SLOTS. */
export const RESTART_SLOTS = 4;

/**
 * Latest moment, in seconds after a metadata change, at which every reader has begun its restart:
 * one poll round to notice, then the last slot. DVID's own stop and start follow (a few seconds
 * with DVID's default 5 s shutdown delay).
 */
export const MAX_RESTART_DELAY_SECONDS = WATCH_POLL_SECONDS + (RESTART_SLOTS - 1) * RESTART_SLOT_SECONDS;

/** The restart slot of reader `index` (1-based), in seconds after the round that noticed the change. */
export function restartDelaySeconds(readerIndex: number): number {
  return ((readerIndex - 1) % RESTART_SLOTS) * RESTART_SLOT_SECONDS;
}
