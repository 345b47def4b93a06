/**
 * What a session was pushed of its mail in a cluster (stream-delivery.ts), and
 * the deletes its acks lead to. Acks: the seqs pushed, in order; once a prefix
 * of them is acknowledged, its messages are deleted one by one (at most every
 * DELETE_COALESCE_MS, pipelined through the mailbox's publisher), each only if
 * it still is the message pushed there (a reset stream can give a seq again:
 * docs/decisions.md "A reset stream"), and the other relays are told everything
 * below the next unacknowledged seq is gone. Not a purge of the subject:
 * nats-server 2.9 replays a purge limited to a subject as a purge of the whole
 * stream when a node recovers (docs/decisions.md "No purges"). Seqs never pushed
 * here are ignored, so an ack cannot delete another user's mail.
 */
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { ACKED_SUBJECT, type ClusterLink } from './connection.js';
import { mailSubject } from './mail-stream.js';
import { retrying } from './retry.js';

/**
 * Acks of one session within this long are deleted together: a client acks each batch
 * it stored (every few ms under load). Acked mail not yet deleted when the session ends
 * is deleted at once; if the relay dies first it is delivered again and dropped by the
 * client as a copy.
 */
export const DELETE_COALESCE_MS = 100;

export interface PushedMailDeps {
  link: ClusterLink;
  clock: Clock;
  log: Logger;
  /** The session's user (known once it is ready: the delivery is made before login). */
  user: { readonly userHex: string };
  /** Work the mailbox waits for before its connection closes. */
  track: (work: Promise<unknown>) => void;
  /** Mail of `recipientHex` below `seq` is gone (this relay's sender quota hears it). */
  goneBelow: (recipientHex: string, belowSeq: number) => void;
  /**
   * Deletes the message at `seq` if it still is the one pushed (its subject and message
   * id); resolves once done, found gone, or found to be another message.
   */
  deleteMail: (seq: number, subject: string, msgId: string | null) => Promise<void>;
}

export class PushedMail {
  /** Seqs pushed and not yet deleted, in order (`head` is the first). */
  private order: number[] = [];
  private head = 0;
  /** Pushed and not yet acknowledged; acknowledged and waiting for the seqs before them. */
  private readonly unacked = new Set<number>();
  private readonly acked = new Set<number>();
  /** The message id (Nats-Msg-Id) of each seq pushed and not yet deleted. */
  private readonly ids = new Map<number, string | null>();
  /** The acknowledged prefix's seqs, to delete at the next flush. */
  private toDelete: number[] = [];
  private deleting: Promise<void> = Promise.resolve();
  /** Deletes wanted up to below this seq, the last batch started, and the timer that starts the next. */
  private deleteBelow = 0;
  private deletedBelow = 0;
  private deleteTimer: Timer | null = null;

  constructor(private readonly d: PushedMailDeps) {}

  /** `seq` went to the session; `readable` false: skipped (deleted with the prefix it is in). */
  pushed(seq: number, msgId: string | null, readable = true): void {
    this.order.push(seq);
    this.ids.set(seq, msgId);
    if (readable) this.unacked.add(seq);
    else this.acked.add(seq);
  }

  /** The message id pushed at `seq` (null: it had none), or undefined if none is held there. */
  idAt(seq: number): string | null | undefined {
    return this.ids.get(seq);
  }

  ack(seqs: readonly number[]): void {
    // Only seqs pushed here and not yet acknowledged count: what this holds is bounded by
    // what was pushed, whatever a client acks.
    for (const seq of seqs) if (this.unacked.delete(seq)) this.acked.add(seq);
    let through = 0;
    while (this.head < this.order.length && this.acked.delete(this.order[this.head]!)) {
      through = this.order[this.head]!;
      this.toDelete.push(through);
      this.head++;
    }
    if (through === 0) return;
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    this.deleteBelow = through + 1;
    if (this.deleteTimer === null) {
      this.deleteTimer = this.d.clock.setTimeout(() => this.flush(), DELETE_COALESCE_MS);
      (this.deleteTimer as { unref?: () => void }).unref?.();
    }
  }

  /** Starts deleting what is acknowledged now; batches go one after another, each up to a higher seq. */
  flush(): void {
    if (this.deleteTimer !== null) this.d.clock.clearTimeout(this.deleteTimer);
    this.deleteTimer = null;
    const below = this.deleteBelow;
    if (below <= this.deletedBelow) return;
    this.deletedBelow = below;
    const seqs = this.toDelete;
    this.toDelete = [];
    this.deleting = this.deleting.then(() => this.deleteAcked(seqs, below));
    this.d.track(this.deleting);
  }

  /** Deletes the acknowledged `seqs`; then everything below `below` is gone. */
  private async deleteAcked(seqs: readonly number[], below: number): Promise<void> {
    const { link, clock, log } = this.d;
    const userHex = this.d.user.userHex;
    const subject = mailSubject(userHex);
    try {
      // A delete lost is a redelivery, which the client drops as a duplicate.
      await Promise.all(
        seqs.map(async (seq) => {
          await retrying(clock, () => this.d.deleteMail(seq, subject, this.ids.get(seq) ?? null));
          this.ids.delete(seq);
        }),
      );
    } catch (err) {
      log.warn('cluster mail delete failed', describeError(err));
      return;
    }
    this.d.goneBelow(userHex, below);
    try {
      link.nc.publish(ACKED_SUBJECT, JSON.stringify({ r: userHex, below }));
    } catch {
      // Closing: the other relays' sender quotas forget this mail at its TTL instead.
    }
  }
}
