/**
 * Reports of damaged or forged deliveries (issue 8), kept until a UI has shown
 * them: the delivery itself is acknowledged and gone from the relay, so this
 * report is all that is left of it. Whichever command happened to be connected
 * when it arrived (`natter send` receives mail too), the next `natter inbox` or
 * `natter chat` still tells the user.
 *
 *   damaged!<time, 16 digits>!<relay seq, 16 digits>!<msg id hex>  → DamagedMessage
 *
 * A report is written in the same batch as the rest of its delivery batch,
 * before the DeliverAck goes out (incoming.ts).
 */
import { fingerprint } from '../../crypto/keys.js';
import { toHex } from '../../util/bytes.js';
import type { FrameOf } from '../../wire/types.js';
import { directConversation } from '../conversations/ids.js';
import { type DamagedMessage, type DamageReason, MESSAGE_DAMAGED_CODE } from '../events.js';
import { fixedWidth, type KvOp, type PeerStore, PREFIX } from '../store.js';
import { TakeOnce } from './take-once.js';

export class DamagedReports {
  private readonly records: TakeOnce<DamagedMessage>;

  constructor(store: PeerStore) {
    this.records = new TakeOnce(store, PREFIX.damaged);
  }

  /** The op that makes a report durable; write it before acknowledging the delivery. */
  recordOps(report: DamagedMessage): KvOp[] {
    const key = `${fixedWidth(report.receivedAtMs)}!${fixedWidth(report.seq)}!${report.msgId}`;
    return this.records.recordOps(key, report);
  }

  /** Reports not yet taken, oldest first; each is returned exactly once. */
  take(): Promise<DamagedMessage[]> {
    return this.records.take();
  }
}

/** The report of a dropped delivery; the sender named is only the relay's claim. */
export function damagedReport(
  deliver: FrameOf<'deliver'>,
  reason: DamageReason,
  now: number,
): DamagedMessage {
  const claimed = deliver.from;
  return {
    code: MESSAGE_DAMAGED_CODE,
    reason,
    claimedFrom: {
      pseudonym: claimed.pseudonym,
      userId: toHex(claimed.userId),
      fingerprint: fingerprint(claimed.userId),
    },
    conversation: directConversation(claimed.pseudonym),
    msgId: toHex(deliver.msgId),
    seq: deliver.seq,
    receivedAtMs: now,
  };
}
