/**
 * A file offered to me that its sender cancelled (docs/files.md "Cancelled by the sender").
 * The sender's FileDone(cancelled) makes the relay delete the blob, but the relay keeps no
 * trace of it and never tells anyone: a recipient's `natter files` said `offered` until an
 * accept met E_FILE_UNKNOWN (a files trial). So the sender also tells each recipient, in an
 * ordinary end-to-end message (content 'file-cancel', offer-post.ts), through the outbox: it
 * waits on the relay for a recipient who is away, and the relay sees only that a message went.
 *
 * Here, the recipient's side: a cancel from the key the offer came from turns the offer
 * `failed` with E_FILE_CANCELLED (the code a download under way meets when the relay drops
 * it), so every list says the sender cancelled it, and an `accept` of it is refused here with
 * that code (refuseCancelled), never asked of the relay: the sender's FileDone(cancelled) had
 * the blob deleted, so the relay could only answer E_FILE_UNKNOWN (a QA trial).
 * A group's offer comes in the group's stream and its cancel as 1:1 mail, which may be
 * pushed first: a cancel for an offer not here yet is kept (v1!fcancel!<transfer id hex>)
 * and applied when the offer comes, for as long as that offer could still come.
 */
import type { Clock } from '../../util/clock.js';
import { MAX_MESSAGE_AGE_MS } from '../conversations/envelope.js';
import { del, type KvOp, type PeerStore, putJson } from '../store.js';
import type { TransferBook } from './book.js';
import { type IncomingRecord, incomingOps } from './records.js';
import { TransferCode, transferError } from './transfer-errors.js';

export const EARLY_CANCEL_PREFIX = 'v1!fcancel!';

/** A cancel from a delivery batch that is durable now (incoming-kinds.ts). */
export interface CancelIn {
  /** The sender's user id, hex: authenticated by the box. */
  from: string;
  /** The transfer id, hex. */
  transferId: string;
}

/** A cancel kept until its offer comes: who sent it, when it came. */
export interface EarlyCancel {
  from: string;
  atMs: number;
}

/** The error an offer its sender cancelled is left with. */
export const cancelledBySender = () => ({
  code: TransferCode.Cancelled,
  message: 'the sender cancelled it',
});

/** Whether `r` is an offer its sender cancelled (told here, or by the relay mid-download). */
export const isCancelledBySender = (r: Pick<IncomingRecord, 'state' | 'error'>): boolean =>
  r.state === 'failed' && r.error?.code === TransferCode.Cancelled;

/**
 * `step` (accept) of an offer its sender cancelled fails at once, E_FILE_CANCELLED, before
 * anything asks the relay or touches the disk: nothing is left to fetch.
 */
export function refuseCancelled(
  step: string,
  r: Pick<IncomingRecord, 'state' | 'error' | 'offer'>,
) {
  if (!isCancelledBySender(r)) return;
  throw transferError(TransferCode.Cancelled, `${step}: ${r.offer.name}: the sender cancelled it`);
}

/**
 * The early cancels the profile keeps, and the ops that drop those kept past
 * MAX_MESSAGE_AGE_MS: no offer older than that is taken any more (envelope.ts).
 */
export async function loadEarlyCancels(
  store: Pick<PeerStore, 'scan'>,
  nowMs: number,
): Promise<{ early: Map<string, EarlyCancel>; stale: KvOp[] }> {
  const early = new Map<string, EarlyCancel>();
  const stale: KvOp[] = [];
  for await (const [key, c] of store.scan<EarlyCancel>(EARLY_CANCEL_PREFIX)) {
    if (nowMs - c.atMs > MAX_MESSAGE_AGE_MS) stale.push(del(key));
    else early.set(key.slice(EARLY_CANCEL_PREFIX.length), c);
  }
  return { early, stale };
}

export interface FileCancelsDeps {
  store: Pick<PeerStore, 'write'>;
  clock: Clock;
  book: Pick<TransferBook, 'download' | 'changed'>;
}

export class FileCancels {
  constructor(
    private readonly d: FileCancelsDeps,
    private readonly early: Map<string, EarlyCancel>,
  ) {}

  /**
   * A new offer (intake, before its batch is written): cancelled already if its sender's
   * cancel came first. Returns the op that drops the kept cancel, in the offer's batch.
   */
  intakeOps(record: IncomingRecord): KvOp[] {
    const id = record.offer.transferId;
    const c = this.early.get(id);
    if (c === undefined || c.from !== record.fromUserId || record.state !== 'offered') return [];
    record.state = 'failed';
    record.error = cancelledBySender();
    return [del(EARLY_CANCEL_PREFIX + id)];
  }

  /** Cancels from a batch that is durable now: applied, or kept for an offer still to come. */
  async received(cancels: readonly CancelIn[]): Promise<void> {
    const keep: KvOp[] = [];
    for (const c of cancels) {
      const dl = this.d.book.download(c.transferId);
      if (dl === undefined) {
        if (this.early.has(c.transferId)) continue;
        const kept = { from: c.from, atMs: this.d.clock.now() };
        this.early.set(c.transferId, kept);
        keep.push(putJson(EARLY_CANCEL_PREFIX + c.transferId, kept));
        continue;
      }
      // Only the one who offered it may take it back.
      if (dl.record.fromUserId !== c.from) continue;
      const r = dl.record;
      if (r.state === 'accepted') {
        // Under way (or paused): it stops, its part file goes, the record is stored.
        dl.fail(cancelledBySender());
        continue;
      }
      if (r.state !== 'offered' && (r.state !== 'failed' || isCancelledBySender(r))) continue;
      r.state = 'failed';
      r.error = cancelledBySender();
      await this.d.store.write(incomingOps(r));
      this.d.book.changed(dl);
    }
    if (keep.length > 0) await this.d.store.write(keep);
  }
}
