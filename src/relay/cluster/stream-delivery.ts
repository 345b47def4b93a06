/**
 * One session's 1:1 mail in a cluster (issue 15): an ordered JetStream consumer on the
 * recipient's subject pushes the stored mail, from the oldest still stored, in stream
 * order, to whichever relay the recipient is on, as soon as it is stored through any
 * relay. The first BACKLOG_READ_MAX messages waiting at login are read from the stream's
 * leader instead (readBacklog), then the consumer takes over after them: no live
 * announcement is needed. It is made again after the last seq pushed when it falls
 * silent (kept-consumer.ts). It pulls CONSUMER_BUFFER messages ahead at most and is not
 * read while the session is full (output over budget, or its window: delivery-window.ts).
 *
 * Mail held for its ack (held-mail.ts) is pushed early, with an early seq, only
 * while the session has pushed every stored mail it knows of, so it never overtakes
 * one; its ack goes back to the hold, and its stored copy, if its hold ended first, is
 * not pushed again (early-copies.ts).
 *
 * Acks, and the deletes they lead to: pushed-mail.ts. A note of mail stored at
 * a seq this session already passed means the stream was reset: the session ends
 * and the next one reads from the start (checkReset).
 */
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { DeliveryLink, SessionDelivery } from '../delivery.js';
import { DeliveryWindow } from '../delivery-window.js';
import { SessionCode } from '../errors.js';
import type { RelayLimits } from '../limits.js';
import type { StoredMail } from '../mail-store.js';
import { type ClusterLink, MAIL_STREAM } from './connection.js';
import { EarlyCopies } from './early-copies.js';
import { KeptConsumer } from './kept-consumer.js';
import { mailSubject, nextStoredMail } from './mail-stream.js';
import { MSG_ID_HEADER } from './publisher.js';
import { PushedMail, type PushedMailDeps } from './pushed-mail.js';

/** Messages read from the stream's leader at once: at login, and when the consumer is behind. */
export const BACKLOG_READ_MAX = 64;
/** How long the consumer has to push mail stored for the user before it is read from the leader. */
export const NUDGE_GRACE_MS = 250;
/** Messages the consumer holds ahead of the session: enough for a burst, small per session. */
export const CONSUMER_BUFFER = 256;
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
  track: PushedMailDeps['track'];
  goneBelow: PushedMailDeps['goneBelow'];
  deleteMail: PushedMailDeps['deleteMail'];
  /** The session acked early mail it was pushed (held-mail.ts): true if no copy can follow. */
  earlyAcked: (seq: number) => boolean;
}

export class StreamDelivery implements SessionDelivery {
  private consumer: KeptConsumer | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  /** The highest seq pushed (also of skipped unreadable mail), and the reads from the leader. */
  private lastPushed = 0;
  private reading: Promise<void> | null = null;
  private nudgeTimer: Timer | null = null;
  private readonly mail: PushedMail;
  /** The highest seq of this user's mail known stored (nudges), and whether more may wait unread. */
  private noted = 0;
  private behind = true;
  private readonly early = new EarlyCopies();
  private readonly window: DeliveryWindow;

  constructor(
    private readonly session: DeliveryLink,
    private readonly d: StreamDeliveryDeps,
  ) {
    const { link, clock, log, track, goneBelow, deleteMail, limits } = d;
    this.mail = new PushedMail({ link, clock, log, user: session, track, goneBelow, deleteMail });
    this.window = new DeliveryWindow(limits.maxUnackedDeliveries, limits.maxUnackedDeliveryBytes);
  }

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

  /**
   * Mail held for its ack, with an early seq: pushed only while every stored mail known
   * of is pushed and the output is within its budget. True if pushed.
   */
  offerEarly(mail: StoredMail & { msgId?: string }): boolean {
    if (this.stopped || this.behind || this.lastPushed < this.noted) return false;
    if (!this.session.ready || this.full() || mail.msgId === undefined) return false;
    this.session.sendEncoded(mail.record);
    this.early.pushed(mail.seq, mail.msgId);
    return true;
  }

  resume(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  stop(): void {
    this.mail.flush();
    if (this.nudgeTimer !== null) this.d.clock.clearTimeout(this.nudgeTimer);
    this.nudgeTimer = null;
    this.d.stopped(this, this.session.userHex);
    this.stopped = true;
    void this.consumer?.stop();
    this.resume();
  }

  ack(seqs: readonly number[]): void {
    const stored = this.early.ackOf(seqs, this.d.earlyAcked);
    this.mail.ack(stored);
    if (this.window.acked(stored)) this.resume();
  }

  private get subject(): string {
    return mailSubject(this.session.userHex);
  }

  private full(): boolean {
    return this.session.bufferedBytes >= this.d.limits.maxSessionBufferedBytes || this.window.full;
  }

  /**
   * Mail was stored for this user at `seq` (cluster/mailbox.ts hears it from every
   * relay): if the consumer has not pushed it within NUDGE_GRACE_MS, it is read from the
   * stream's leader (a consumer made while a NATS node is down can stall for seconds).
   */
  nudge(seq: number, msgId: string | null = null): void {
    if (this.stopped) return;
    // The stored copy of early mail pushed here is no mail the client lacks: later early
    // mail may go before it (at saturation, one hold that ran out otherwise stopped this
    // session's early pushes until its consumer caught up, and the holds behind ran out).
    if (seq > this.noted && (msgId === null || !this.early.has(msgId))) this.noted = seq;
    if (seq <= this.lastPushed) {
      this.checkReset(seq, msgId);
      return;
    }
    if (this.nudgeTimer !== null) return;
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

  /**
   * A note for `seq`, at or below what was pushed. Normally the consumer pushed it first.
   * A seq that names another message than the one pushed there, or a message stored at a
   * seq already passed, means the stream was reset (nats-server 2.9 resets a stream's
   * replicas when a node rejoins, and seqs can be given again): the session ends, and the
   * client's next one reads everything stored from the start (docs/decisions.md "A reset
   * stream"); it drops what it already has as copies.
   */
  private checkReset(seq: number, msgId: string | null): void {
    if (msgId === null) return;
    const pushed = this.mail.idAt(seq);
    // The one pushed there, or one without an id to tell by (every mail publish has one).
    if (pushed === msgId || pushed === null) return;
    if (pushed !== undefined) {
      this.restart(seq);
      return;
    }
    // Not held: deleted after its ack (a late note), or never pushed. The leader says.
    void nextStoredMail(this.d.link, this.d.clock, this.subject, seq).then(
      (m) => {
        if (
          m?.seq === seq &&
          m.header?.get(MSG_ID_HEADER) === msgId &&
          this.mail.idAt(seq) === undefined
        ) {
          this.restart(seq);
        }
      },
      () => {},
    );
  }

  private restart(seq: number): void {
    if (this.stopped) return;
    // A reset stream, or a consumer on a replica out of step with the leader (seen in a trial).
    this.d.log.warn('mail seqs changed under a session; it starts again', { seq });
    this.session.fail(SessionCode.Internal, 'relay lost its place in your mail; log in again');
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
    // The read from the leader only gets the backlog out sooner: when it fails (a NATS node
    // that froze at this login: its 15 s of tries ended the session, and the test client's
    // Send waited in vain), the consumer below delivers the same mail from the same place.
    await this.reading.catch((err: unknown) => {
      if (!this.stopped)
        log.warn('cluster mail backlog read failed; the consumer reads it', describeError(err));
    });
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
        this.push(m.seq, m.data, m.headers?.get(MSG_ID_HEADER) || null);
        if (m.info.pending === 0) this.behind = false;
        return true;
      },
      // Made (again) for as long as the session lasts; nudges read from the leader meanwhile.
      failed: () => !this.stopped,
    });
    this.consumer = consumer;
    await consumer.start();
    if (this.stopped) await consumer.stop();
  }

  /**
   * Up to BACKLOG_READ_MAX messages after the last pushed, read from the stream's leader
   * one by one: at login before the consumer starts after them, and when a nudge finds
   * the consumer behind. A consumer made while a NATS node is down can take seconds (a
   * one-shot `natter inbox` then found nothing; a trial); the leader answers at once.
   */
  private async readFromLeader(): Promise<void> {
    const { link, clock } = this.d;
    for (let n = 0; n < BACKLOG_READ_MAX; n++) {
      const m = await nextStoredMail(link, clock, this.subject, this.lastPushed + 1);
      if (m === null) this.behind = false;
      if (m === null || !(await this.room())) return;
      this.push(m.seq, m.data, m.header?.get(MSG_ID_HEADER) || null);
    }
  }

  /** Waits while the session is full (output or window); false once it is gone. */
  private async room(): Promise<boolean> {
    while (this.full() && !this.stopped) {
      await new Promise<void>((r) => {
        this.wake = r;
      });
    }
    return !this.stopped && this.session.ready;
  }

  /** Pushes the mail at `seq`, unless it (or a later one) was pushed: the consumer and reads meet here. */
  private push(seq: number, data: Uint8Array, msgId: string | null): void {
    if (seq <= this.lastPushed) return;
    this.lastPushed = seq;
    const copy = this.early.stored(seq, msgId);
    if (copy !== 'push') {
      // The client has it, pushed early: acked already, or its ack will ack this too.
      this.mail.pushed(seq, msgId);
      if (copy === 'ack') this.mail.ack([seq]);
      return;
    }
    let record: Uint8Array;
    try {
      record = this.d.withSeq(data, seq);
    } catch (err) {
      // Only relays publish here; a record that does not decode is skipped, not served,
      // and deleted with the acknowledged prefix it is part of.
      this.d.log.warn('stored mail unreadable; skipped', { seq, ...describeError(err) });
      this.mail.pushed(seq, msgId, false);
      return;
    }
    this.session.sendEncoded(record);
    this.window.pushed(seq, record.length);
    this.mail.pushed(seq, msgId);
  }
}
