/**
 * A new send's first FilePut, and the offer that follows it. The relay must hold the
 * transfer before its recipients hear of it (else an accept meets E_FILE_UNKNOWN), so the
 * offer is posted only once the relay accepted the put. A QA trial stopped the relay while
 * `send-file` hashed a large file: the put then found no link (E_OFFLINE) and the send was
 * thrown away, in neither `outbox` nor `transfers`, while a relay stopped a moment later
 * left an upload that waited and resumed. Now a put that finds the link gone queues the send
 * the same way: its record is stored with `offerPending`, it waits for the relay like any
 * upload, and the upload's resume (uploads.ts) makes the put and then posts the offer here.
 */
import { isNatterError } from '../../util/errors.js';
import { LinkCode } from '../link/errors.js';
import type { ReplyTo, Requests } from '../link/requests.js';
import type { PeerStore } from '../store.js';
import type { OfferPoster } from './offer-build.js';
import { loadOffer, type OutgoingRecord, outgoingOps } from './records.js';
import { putBody } from './uploads.js';

/** What posting an accepted offer needs. */
export interface OfferPostDeps {
  store: Pick<PeerStore, 'write'>;
  poster: Pick<OfferPoster, 'leftOut' | 'post'>;
}

/**
 * The relay's answer to `record`'s first FilePut, or null when the link was lost before it
 * could answer (not sent, or lost while waiting): the send is then queued, not lost.
 */
export async function firstPut(
  requests: Pick<Requests, 'request'>,
  record: OutgoingRecord,
): Promise<ReplyTo<'file-put'> | null> {
  try {
    return await requests.request('file-put', putBody(record));
  } catch (err) {
    if (isNatterError(err, LinkCode.Offline)) return null;
    throw err;
  }
}

/**
 * The relay accepted the put of `record`: the members it left out noted, the record stored
 * (no longer pending), then the offer posted through the outbox.
 */
export async function postAccepted(
  d: OfferPostDeps,
  record: OutgoingRecord,
  reply: Pick<ReplyTo<'file-put'>, 'leftOut'>,
): Promise<void> {
  const dest = {
    peer: record.peer,
    conversation: record.conversation,
    recipients: record.recipients,
  };
  Object.assign(record, d.poster.leftOut(dest, reply.leftOut));
  delete record.offerPending;
  await d.store.write(outgoingOps(record));
  await d.poster.post(dest, loadOffer(record.offer), record.createdAtMs);
}
