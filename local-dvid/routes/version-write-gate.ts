// Every route that changes a versioned instance's data makes its change visible through the write
// gate of the request's version (meta/version-writes.ts), so that a commit of the version orders
// it: before the lock, or refused with DVID's locked-node error.
import { goQuote } from "../../volume-client/wire/go-format.js";
import type { InstanceRequest } from "./instance-request.js";

/**
 * Runs `fn`, which makes a write of the request visible (publishes blocks, grows extents), inside
 * the write gate of the request's version (meta/version-writes.ts): a commit of the version
 * waits for it, and once a commit has begun it is refused with DVID's locked-node error
 * instead. Unversioned instances (written at the root even when it is locked) and admin-token
 * writes (allowed on locked nodes) bypass the gate.
 */
export function inVersionWriteGate<T>(r: InstanceRequest, fn: () => Promise<T>): Promise<T> {
  if (!r.inst.versioned || r.ctx.admin) return fn();
  const locked = `Cannot do ${r.ctx.method} on endpoint ${goQuote(r.keyword)} of locked node ${r.node.uuid}`;
  return r.ctx.app.meta.writeToVersion(r.repo.root, r.node.uuid, locked, fn);
}
