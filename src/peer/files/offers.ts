/**
 * Incoming offers (docs/files.md "On the receiving machine"): what a sender offered, made
 * safe before anyone sees or stores it (the name sanitised, every folder entry's path checked,
 * the stream parameters in range), and what happens to it unasked: accepted when the sender
 * is on the auto-accept list and the size within the limit, declined at once when over the
 * limit, otherwise left for the user. Pure: the service (transfers.ts) does the I/O.
 */
import { checkFileStreamParams } from '../../crypto/file-stream.js';
import { toHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import { formatSize } from '../../util/sizes.js';
import type { FileOffer } from '../../wire/types.js';
import type { ConversationId } from '../conversations/ids.js';
import type { OfferInfo } from './api.js';
import { checkOfferEntries } from './offer-entries.js';
import { fileLabel, offerName } from './offer-label.js';
import { type IncomingRecord, storeOffer } from './records.js';
import { safeDisplayName } from './safe-name.js';
import { autoAccepts, type FileSettings } from './settings.js';
import { TransferCode } from './transfer-errors.js';

/** Hex digits of a transfer id that lists show. */
export const SHORT_ID_DIGITS = 8;

export interface OfferMeta {
  /** The sender's pseudonym from the authenticated plaintext. */
  from: string;
  fromUserId: Uint8Array;
  conversation: ConversationId;
  group: string | null;
  nowMs: number;
  /** When the sender says it offered it (its message's send time, its clock); unknown: absent. */
  sentAtMs?: number;
  /** The offer is the first word from this sender's key (pinned by it, on first use). */
  firstContact?: boolean;
}

/**
 * The record of a new offer: 'offered', or 'failed' with the reason when its parameters or
 * one of its paths are unsafe (nothing is ever fetched for it).
 */
export function intakeOffer(offer: FileOffer, meta: OfferMeta): IncomingRecord {
  const stored = storeOffer(offer);
  stored.name = safeDisplayName(offer.name);
  const record: IncomingRecord = {
    offer: stored,
    from: safeDisplayName(meta.from),
    fromUserId: toHex(meta.fromUserId),
    conversation: meta.conversation,
    group: meta.group === null ? null : safeDisplayName(meta.group),
    offeredAtMs: meta.nowMs,
    ...(meta.sentAtMs === undefined ? {} : { sentAtMs: meta.sentAtMs }),
    state: 'offered',
    dir: null,
    savedAs: null,
    error: null,
    ...(meta.firstContact === true ? { firstContact: true } : {}),
  };
  try {
    checkFileStreamParams({
      key: offer.fileKey,
      noncePrefix: offer.noncePrefix,
      size: offer.size,
      chunkSize: offer.chunkBytes,
      sha256: offer.sha256,
    });
    checkOfferEntries(offer.entries, offer.several);
  } catch (err) {
    record.state = 'failed';
    record.error = describeError(err);
  }
  return record;
}

export type Decision = 'accept' | 'decline' | 'ask';

/** What to do with a new offer unasked. */
export function decide(record: IncomingRecord, settings: FileSettings): Decision {
  if (record.state !== 'offered') return 'ask';
  if (record.offer.size > settings.maxIncomingBytes) return 'decline';
  // Auto-accept names people already talked to: a file that is the first word from a key
  // (someone who registered a listed name since) is asked about, as from anyone else.
  if (record.firstContact === true) return 'ask';
  return autoAccepts(settings, record.from) ? 'accept' : 'ask';
}

/** The error an offer over the limit is declined with. */
export function overLimit(record: IncomingRecord, settings: FileSettings) {
  return {
    code: TransferCode.TooLarge,
    message: `its ${formatSize(record.offer.size)} is over your limit of ${formatSize(settings.maxIncomingBytes)} (natter config set max-incoming SIZE raises it)`,
  };
}

/**
 * When an offer was made, for the order of every list (oldest first): the sender's time, as
 * the offer's message carries it, but never later than it arrived here (a clock ahead
 * cannot push an offer below later ones), and the arrival for a record from before.
 * Offers fetched in one batch came in the relay's order, a group's apart from 1:1 mail.
 */
export const offerOrderTime = (r: Pick<IncomingRecord, 'sentAtMs' | 'offeredAtMs'>): number =>
  Math.min(r.sentAtMs ?? r.offeredAtMs, r.offeredAtMs);

export function offerInfo(r: IncomingRecord): OfferInfo {
  return {
    id: r.offer.transferId,
    shortId: r.offer.transferId.slice(0, SHORT_ID_DIGITS),
    conversation: r.conversation,
    from: r.from,
    group: r.group,
    name: offerName(r.offer),
    size: r.offer.size,
    files: r.offer.entries.length,
    ...(r.offer.several === true ? { several: true as const } : {}),
    mime: r.offer.mime,
    offeredAtMs: r.offeredAtMs,
    sentAtMs: offerOrderTime(r),
    state: r.state,
    savedAs: r.savedAs,
    ...(r.savedItems === undefined ? {} : { savedItems: [...r.savedItems] }),
    error: r.error,
  };
}

/**
 * "sent a file: report.pdf (2.1 MiB)": how an offer reads in a conversation's history;
 * "sent files: a.pdf, b.txt and c.png (3 files, 1.2 MiB)" for several paths sent at once
 * (offer-label.ts). The names are the sender's, so they are sanitised here like everywhere
 * else they are shown.
 */
export function offerLine(o: {
  name: string;
  size: number;
  entries: readonly { path: string }[];
  several?: boolean;
}): string {
  const files = o.entries.length;
  const several = o.several === true && files > 0;
  const name = several ? offerName(o) : safeDisplayName(o.name);
  const what = fileLabel({ name, size: o.size, files, several }, { size: true });
  return several ? `sent files: ${what}` : `sent a file: ${what}`;
}
