/**
 * Telling the relay how transfers ended (FileDone) when the telling could not happen at the
 * time: a transfer that ended while offline, or whose FileDone the link did not take. The
 * relay then frees the blob now rather than at its TTL, and ignores a FileDone it no longer
 * needs. Each record notes whether its FileDone went out (doneSent), so it is said once.
 */
import type { Frame } from '../../wire/types.js';
import type { KvOp } from '../store.js';
import { type IncomingRecord, incomingOps, type OutgoingRecord, outgoingOps } from './records.js';

interface Ended<R> {
  readonly record: R;
  readonly transferId: Uint8Array;
}

/**
 * Sends the FileDone each ended transfer still owes (an upload cancelled or failed: to the
 * relay, cancelled; a download received or declined: that), marks the ones the link took,
 * and returns the ops that store those records.
 */
export function tellOutcomes(
  uploads: Iterable<Ended<OutgoingRecord>>,
  downloads: Iterable<Ended<IncomingRecord>>,
  link: { send(frame: Frame): boolean },
): KvOp[] {
  const ops: KvOp[] = [];
  for (const u of uploads) {
    const r = u.record;
    if ((r.state !== 'cancelled' && r.state !== 'failed') || r.doneSent === true) continue;
    r.doneSent = link.send({ type: 'file-done', transferId: u.transferId, outcome: 'cancelled' });
    if (r.doneSent) ops.push(...outgoingOps(r));
  }
  for (const dl of downloads) {
    const r = dl.record;
    if ((r.state !== 'received' && r.state !== 'declined') || r.doneSent === true) continue;
    const outcome = r.state;
    r.doneSent = link.send({ type: 'file-done', transferId: dl.transferId, outcome });
    if (r.doneSent) ops.push(...incomingOps(r));
  }
  return ops;
}
