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
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';

export class DamagedReports {
  private taking: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: PeerStore) {}

  /** The op that makes a report durable; write it before acknowledging the delivery. */
  recordOps(report: DamagedMessage): KvOp[] {
    const key = `${PREFIX.damaged}${fixedWidth(report.receivedAtMs)}!${fixedWidth(report.seq)}!${report.msgId}`;
    return [putJson(key, report)];
  }

  /** Reports not yet taken, oldest first; each is returned exactly once. */
  take(): Promise<DamagedMessage[]> {
    // Serialised: two overlapping calls must not both return the same reports.
    const run = this.taking.then(() => this.takeNow());
    this.taking = run.catch(() => undefined);
    return run;
  }

  private async takeNow(): Promise<DamagedMessage[]> {
    const ops: KvOp[] = [];
    const reports: DamagedMessage[] = [];
    for await (const [key, report] of this.store.scan<DamagedMessage>(PREFIX.damaged)) {
      ops.push(del(key));
      reports.push(report);
    }
    await this.store.write(ops);
    return reports;
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
