/**
 * One session's 1:1 mail in a cluster (issue 15): an ordered JetStream
 * consumer on the recipient's subject pushes the stored mail, from the oldest
 * still stored, in stream order, to whichever relay the recipient is on,
 * as soon as it is stored through any relay. The first BACKLOG_READ_MAX messages
 * waiting at login are read from the stream's leader instead (readBacklog), then
 * the consumer takes over after them: no live announcement is needed. It is made
 * again after the last seq pushed when it falls silent (kept-consumer.ts). It pulls
 * CONSUMER_BUFFER messages ahead at most and is not read while the session's
 * output is over its budget, so a slow reader costs the relay a bounded buffer.
 *
 * Acks: the seqs this session was pushed, in order; once a prefix of them is
 * acknowledged, its messages are deleted one by one (at most every
 * DELETE_COALESCE_MS, pipelined through the mailbox's publisher), and the other
 * relays are told everything below the next unacknowledged seq is gone. Not a
 * purge of the subject: nats-server 2.9 replays a purge limited to a subject as
 * a purge of the whole stream when a node recovers (docs/decisions.md "No
 * purges"). Seqs never pushed here are ignored, so an ack cannot delete
 * another user's mail.
 */
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { DeliveryLink, SessionDelivery } from '../delivery.js';
import { SessionCode } from '../errors.js';
import type { RelayLimits } from '../limits.js';
import { ACKED_SUBJECT, type ClusterLink, MAIL_STREAM } from './connection.js';
import { KeptConsumer } from './kept-consumer.js';
import { mailSubject, nextStoredMail } from './mail-stream.js';
import { retrying } from './retry.js';

/** Messages read from the stream's leader at once: at login, and when the consumer is behind. */
export const BACKLOG_READ_MAX = 64;
/** How long the consumer has to push mail stored for the user before it is read from the leader. */
export const NUDGE_GRACE_MS = 250;
/** Messages the consumer holds ahead of the session: enough for a burst, small per session. */
export const CONSUMER_BUFFER = 256;
/**
 * Acks of one session within this long are deleted together: a client acks each batch
 * it stored (every few ms under load). Acked mail not yet deleted when the session ends
 * is deleted at once; if the relay dies first it is delivered again and dropped by the
 * client as a copy.
 */
export const DELETE_COALESCE_MS = 100;

export interface StreamDeliveryDeps {
  link: ClusterLink;
  clock: Clock;
  limits: RelayLimits;
  log: Logger;
  withSeq: (record: Uint8Array, seq: number) => Uint8Array;
  /** The session is ready as `userHex`: the mailbox nudges this delivery from now on. */
  started: (delivery: StreamDelivery, userHex: string) => void;
  /** This delivery ended (the mailbox stops nudging it). */
  stopped: (delivery: StreamDelivery, userHex: string) => void;
  /** Work the mailbox waits for before its connection closes. */
  track: (work: Promise<unknown>) => void;
  /** Mail of `recipientHex` below `seq` is gone (this relay's sender quota hears it). */
  goneBelow: (recipientHex: string, belowSeq: number) => void;
  /** Deletes one stored message (resolves once done, or found gone). */
  deleteMail: (seq: number) => Promise<void>;
}

export class StreamDelivery implements SessionDelivery {
  private consumer: KeptConsumer | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  /** Seqs pushed to this session and not yet deleted, in order (`head` is the first). */
  private pushed: number[] = [];
  /** The highest seq pushed (also of skipped unreadable mail), and the reads from the leader. */
  private lastPushed = 0;
  private reading: Promise<void> | null = null;
  private nudgeTimer: Timer | null = null;
  private head = 0;
  /** Pushed and not yet acknowledged; acknowledged and waiting for the seqs before them. */
  private readonly unacked = new Set<number>();
  private readonly acked = new Set<number>();
  /** The acknowledged prefix's seqs, to delete at the next flush. */
  private toDelete: number[] = [];
  private deleting: Promise<void> = Promise.resolve();
  /** Deletes wanted up to below this seq, the last batch started, and the timer that starts the next. */
  private deleteBelow = 0;
  private deletedBelow = 0;
  private deleteTimer: Timer | null = null;

  constructor(
    private readonly session: DeliveryLink,
    private readonly d: StreamDeliveryDeps,
  ) {}

  start(): void {
    this.d.started(this, this.session.userHex);
    void this.run().catch((err: unknown) => {
      if (this.stopped) return;
      this.d.log.error('cluster mail consumer failed', describeError(err));
      this.session.fail(SessionCode.Internal, 'relay could not read stored mail');
    });
  }

  /** The consumer pushes everything stored: offers add nothing. */
  offer(): void {}
  offerEarly(): void {}

  resume(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  stop(): void {
    this.flushDeletes();
    if (this.nudgeTimer !== null) this.d.clock.clearTimeout(this.nudgeTimer);
    this.nudgeTimer = null;
    this.d.stopped(this, this.session.userHex);
    this.stopped = true;
    void this.consumer?.stop();
    this.resume();
  }

  ack(seqs: readonly number[]): void {
    // Only seqs pushed here and not yet acknowledged count: what this holds is bounded by
    // what was pushed, whatever a client acks.
    for (const seq of seqs) if (this.unacked.delete(seq)) this.acked.add(seq);
    let through = 0;
    while (this.head < this.pushed.length && this.acked.delete(this.pushed[this.head]!)) {
      through = this.pushed[this.head]!;
      this.toDelete.push(through);
      this.head++;
    }
    if (through === 0) return;
    if (this.head > 1024 && this.head * 2 > this.pushed.length) {
      this.pushed = this.pushed.slice(this.head);
      this.head = 0;
    }
    this.deleteBelow = through + 1;
    if (this.deleteTimer === null) {
      this.deleteTimer = this.d.clock.setTimeout(() => this.flushDeletes(), DELETE_COALESCE_MS);
      (this.deleteTimer as { unref?: () => void }).unref?.();
    }
  }

  /** Batches of deletes go one after another, each up to a higher seq. */
  private flushDeletes(): void {
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

  private get subject(): string {
    return mailSubject(this.session.userHex);
  }

  private full(): boolean {
    return this.session.bufferedBytes >= this.d.limits.maxSessionBufferedBytes;
  }

  /**
   * Mail was stored for this user at `seq` (cluster/mailbox.ts hears it from
   * every relay): if the consumer has not pushed it within NUDGE_GRACE_MS, it is
   * read from the stream's leader. A consumer made while a NATS node is down can
   * stall for seconds; normally it has pushed the mail long before.
   */
  nudge(seq: number): void {
    if (this.stopped || seq <= this.lastPushed || this.nudgeTimer !== null) return;
    this.nudgeTimer = this.d.clock.setTimeout(() => {
      this.nudgeTimer = null;
      if (this.lastPushed >= seq) return;
      // A read under way may stop short of `seq`: look again once it is done.
      if (this.reading === null) void this.readNow();
      else
        void this.reading.then(
          () => this.nudge(seq),
          () => this.nudge(seq),
        );
    }, NUDGE_GRACE_MS);
    (this.nudgeTimer as { unref?: () => void }).unref?.();
  }

  private async readNow(): Promise<void> {
    this.reading = this.readFromLeader().finally(() => {
      this.reading = null;
    });
    await this.reading.catch((err: unknown) =>
      this.d.log.warn('cluster mail read failed', describeError(err)),
    );
  }

  private async run(): Promise<void> {
    const { link, clock, log } = this.d;
    this.reading = this.readFromLeader().finally(() => {
      this.reading = null;
    });
    await this.reading;
    if (this.stopped) return;
    const consumer = new KeptConsumer({
      link,
      clock,
      log,
      stream: MAIL_STREAM,
      filter: this.subject,
      maxMessages: CONSUMER_BUFFER,
      position: () => this.lastPushed,
      take: async (m) => {
        if (!(await this.room())) return false;
        this.push(m.seq, m.data);
        return true;
      },
      // A consumer lost later is made again for as long as the session lasts (nudges
      // read from the leader meanwhile); the first failing ends the session (start()).
      failed: () => !this.stopped,
    });
    this.consumer = consumer;
    await consumer.start();
    if (this.stopped) await consumer.stop();
  }

  /**
   * Up to BACKLOG_READ_MAX messages after the last pushed, read from the stream's
   * leader one by one: at login before the consumer starts after them, and when a
   * nudge finds the consumer behind. A consumer made while a NATS node is down
   * can take seconds to deliver (a one-shot `natter inbox` then found nothing; a
   * new-user trial), where the leader answers at once.
   */
  private async readFromLeader(): Promise<void> {
    const { link, clock } = this.d;
    for (let n = 0; n < BACKLOG_READ_MAX; n++) {
      const m = await nextStoredMail(link, clock, this.subject, this.lastPushed + 1);
      if (m === null || !(await this.room())) return;
      this.push(m.seq, m.data);
    }
  }

  /** Waits while the session's output is over its budget; false once it is gone. */
  private async room(): Promise<boolean> {
    while (this.full() && !this.stopped) {
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
    return !this.stopped && this.session.ready;
  }

  /** Pushes the mail at `seq`, unless it (or a later one) was pushed: the consumer and reads meet here. */
  private push(seq: number, data: Uint8Array): void {
    if (seq <= this.lastPushed) return;
    this.lastPushed = seq;
    let record: Uint8Array;
    try {
      record = this.d.withSeq(data, seq);
    } catch (err) {
      // Only relays publish here; a record that does not decode is skipped, not served,
      // and deleted with the acknowledged prefix it is part of.
      this.d.log.warn('stored mail unreadable; skipped', { seq, ...describeError(err) });
      this.pushed.push(seq);
      this.acked.add(seq);
      return;
    }
    this.session.sendEncoded(record);
    this.pushed.push(seq);
    this.unacked.add(seq);
  }

  /** Deletes the acknowledged `seqs`; then everything below `below` is gone. */
  private async deleteAcked(seqs: readonly number[], below: number): Promise<void> {
    const { link, clock, log } = this.d;
    const recipientHex = this.session.userHex;
    try {
      // A delete lost is a redelivery, which the client drops as a duplicate.
      await Promise.all(seqs.map((seq) => retrying(clock, () => this.d.deleteMail(seq))));
    } catch (err) {
      log.warn('cluster mail delete failed', describeError(err));
      return;
    }
    this.d.goneBelow(recipientHex, below);
    try {
      link.nc.publish(ACKED_SUBJECT, JSON.stringify({ r: recipientHex, below }));
    } catch {
      // Closing: the other relays' sender quotas forget this mail at its TTL instead.
    }
  }
}
