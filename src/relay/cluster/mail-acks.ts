/**
 * DeliverAcks in a cluster (cluster/mailbox.ts): a stream sequence names any
 * message of the stream, so an ack deletes a message only if it is the
 * acknowledging user's. Seqs this relay read for a recipient are known to be
 * theirs; any other (read through another relay, or guessed) is checked
 * against the stream first. Deleted mail is announced on natter.1.acked so
 * every relay's sender quota hears of it (sender-quota.ts).
 */
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { ACKED_SUBJECT, type ClusterLink, MAIL_STREAM } from './connection.js';
import { mailSubject } from './mail-stream.js';
import { retrying } from './retry.js';

export class MailAcks {
  /** Seqs read for each recipient and not yet acked. */
  private readonly read = new Map<string, Set<number>>();

  constructor(
    private readonly link: ClusterLink,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Seqs remembered per recipient: the mailbox's own bound. */
    private readonly maxPerRecipient: number,
    private readonly removed: (recipientHex: string, seq: number) => void,
  ) {}

  /** `seq` was read for `recipientHex`. */
  delivered(recipientHex: string, seq: number): void {
    let set = this.read.get(recipientHex);
    if (!set) {
      set = new Set();
      this.read.set(recipientHex, set);
    }
    set.add(seq);
    // Mail read and never acked (it expired, or was acked elsewhere) ages out
    // first; its ack, if it ever comes, costs one check.
    if (set.size > this.maxPerRecipient) set.delete(set.values().next().value as number);
  }

  /** Deletes what the recipient acked: `count` known at once, `done` when every delete settled. */
  ack(recipientHex: string, seqs: readonly number[]): { count: number; done: Promise<void> } {
    const set = this.read.get(recipientHex);
    const known: number[] = [];
    const unknown: number[] = [];
    for (const seq of seqs) {
      if (set?.delete(seq)) known.push(seq);
      else unknown.push(seq);
    }
    if (set?.size === 0) this.read.delete(recipientHex);
    return { count: known.length, done: this.remove(recipientHex, known, unknown) };
  }

  private async remove(recipientHex: string, known: number[], unknown: number[]): Promise<void> {
    const subject = mailSubject(recipientHex);
    const { jsm, nc } = this.link;
    const removed: number[] = [];
    try {
      for (const seq of unknown) {
        const m = await retrying(this.clock, () =>
          jsm.streams.getMessage(MAIL_STREAM, { seq }),
        ).catch(() => null);
        if (m?.subject === subject) known.push(seq);
      }
      for (const seq of known) {
        // A delete lost is a redelivery, which the client drops as a duplicate.
        const deleted = await retrying(this.clock, () =>
          jsm.streams.deleteMessage(MAIL_STREAM, seq, false),
        ).catch(() => false);
        if (deleted) removed.push(seq);
      }
    } catch (err) {
      this.log.warn('cluster mail delete failed', describeError(err));
    }
    if (removed.length === 0) return;
    for (const seq of removed) this.removed(recipientHex, seq);
    try {
      nc.publish(ACKED_SUBJECT, JSON.stringify({ r: recipientHex, s: removed }));
    } catch {
      // Closing: the other relays' sender quotas forget this mail at its TTL instead.
    }
  }
}
