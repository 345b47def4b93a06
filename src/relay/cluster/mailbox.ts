/**
 * Stored 1:1 mail in a cluster of relays (issue 15): one JetStream stream, one subject per
 * recipient (natter.1.mail.<recipient hex>), so the stream's order is each recipient's
 * delivery order and its sequence number is the mail's seq. mailbox.ts's MailStore, but:
 * - `stored` is answered after JetStream acknowledged the publish, with the replication
 *   the stream is configured for (DESIGN.md §4, guarantee 1).
 * - The seq is known only then: the record is stored with seq 0 and given its seq when
 *   delivered (`withSeq`). Mail pushed early is held for its ack with an early seq
 *   instead (held-mail.ts), here or through the recipient's relay.
 * - Sessions are fed by a JetStream consumer each (stream-delivery.ts), on whichever relay
 *   they are, and nudged by a note on natter.1.live.<recipient> to read from the leader
 *   what the consumer has not pushed soon enough.
 * - The recipient quota by count is the stream's own limit (mail-stream.ts), the TTL its
 *   max age, the sender quotas per relay (sender-quota.ts); an ack deletes a message only
 *   if its subject is the acknowledging user's.
 */
import type { Subscription } from '@nats-io/transport-node';
import { randomBytes } from '../../crypto/random.js';
import { toHex, toHexCached } from '../../util/bytes.js';
import type { Clock, Timer } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { DeliveryLink, SessionDelivery } from '../delivery.js';
import type { RelayLimits } from '../limits.js';
import type { EarlyPush, MailDone, MailStore, Refusal, StoredMail } from '../mail-store.js';
import { REFUSED_CLOSED } from '../store/index.js';
import { ACKED_SUBJECT, type ClusterLink, LIVE_SUBJECT_PREFIX, MAIL_STREAM } from './connection.js';
import { HeldMail } from './held-mail.js';
import { Lanes } from './lanes.js';
import { MailAcks } from './mail-acks.js';
import {
  ensureMailStream,
  mailSubject,
  nextStoredMail,
  pendingMail,
  refusalOf,
} from './mail-stream.js';
import { Publisher } from './publisher.js';
import { retrying } from './retry.js';
import { SenderQuota } from './sender-quota.js';
import { type StoreReach, watchMailStore } from './store-watch.js';
import { StreamDelivery } from './stream-delivery.js';

/** How often the stored-message count (stats only) is read from the stream. */
export const SIZE_REFRESH_MS = 5_000;

export interface ClusterMailboxOptions {
  limits: RelayLimits;
  clock: Clock;
  log: Logger;
  /** The stored record (built with seq 0) as the recipient receives it, with its seq. */
  withSeq: (record: Uint8Array, seq: number) => Uint8Array;
  /** This relay's node id in the roster, and where the roster says a user is (held-mail.ts). */
  node?: string;
  locate?: (userHex: string) => string | undefined;
}

export class ClusterMailbox implements MailStore {
  private closed = false;
  private count = 0;
  private sizeTimer: Timer | null = null;
  private readonly subs: Subscription[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly senders: SenderQuota;
  private readonly lanes = new Lanes();
  private readonly publisher: Publisher;
  /** This relay's publishes get ids `<node>-<n>`, so a publish tried again is stored once. */
  private readonly node = toHex(randomBytes(8));
  private published = 0;
  private readonly acks: MailAcks;
  /** This relay's sessions, by user: told of mail stored through any relay (nudge). */
  private readonly local = new Map<string, Set<StreamDelivery>>();
  private readonly held: HeldMail;
  /** Whether the mail stream answers: sessions are told when it does not (store-reach.ts). */
  readonly reach: StoreReach;

  constructor(
    private readonly link: ClusterLink,
    private readonly options: ClusterMailboxOptions,
  ) {
    this.senders = new SenderQuota(options.limits);
    this.reach = watchMailStore(link, options.clock);
    this.publisher = new Publisher(link.nc, options.clock);
    this.acks = new MailAcks(
      link,
      options.clock,
      options.log,
      options.limits.maxMailboxMessages,
      (recipientHex, seq) => this.senders.gone(recipientHex, seq),
    );
    this.held = new HeldMail({
      link,
      limits: options.limits,
      node: options.node ?? this.node,
      locate: options.locate ?? (() => undefined),
      pushLocal: (mail) => {
        let pushed = false;
        for (const d of this.local.get(mail.recipientHex) ?? [])
          if (d.offerEarly(mail)) pushed = true;
        return pushed;
      },
      withSeq: options.withSeq,
    });
  }

  get size(): number {
    return this.count;
  }

  async open(): Promise<void> {
    await ensureMailStream(this.link, this.options.limits, this.options.clock);
    this.held.open();
    this.subs.push(
      this.link.nc.subscribe(`${LIVE_SUBJECT_PREFIX}*`, {
        callback: (err, msg) => {
          if (err) return;
          // "<seq> <msg id>": the id lets a session tell a seq reused after a reset.
          const [seqText, msgId] = msg.string().split(' ');
          const seq = Number(seqText);
          if (Number.isSafeInteger(seq) && seq > 0) {
            this.nudge(msg.subject.slice(LIVE_SUBJECT_PREFIX.length), seq, msgId ?? null);
          }
        },
      }),
      this.link.nc.subscribe(ACKED_SUBJECT, {
        callback: (err, msg) => {
          if (!err) this.senders.heard(msg);
        },
      }),
    );
    await this.refreshSize();
  }

  enqueue(
    senderId: Uint8Array,
    recipientHex: string,
    build: (seq: number, storedAtMs: number) => Uint8Array,
    msgId: Uint8Array | undefined,
    early: EarlyPush | undefined,
    done: MailDone,
  ): { code: 'queued' } | Refusal {
    if (this.closed) return REFUSED_CLOSED;
    const senderHex = toHexCached(senderId);
    const storedAtMs = this.options.clock.now();
    const record = build(0, storedAtMs);
    const refused = this.senders.refusal(senderHex, recipientHex, record.length);
    if (refused) return refused;
    const claim = this.senders.claim(senderHex, recipientHex, record.length);
    // The same message sent again (its ack lost with a relay or a NATS node) is stored
    // once, whichever relay it comes through (JetStream's duplicate window).
    const msgID = msgId
      ? `${senderHex}.${recipientHex}.${toHex(msgId)}`
      : `${this.node}-${++this.published}`;
    // One lane per conversation: a sender's counters to a recipient must arrive in order;
    // mail from different senders to one recipient has no order to keep between them.
    const lane = this.lanes.name(senderHex, recipientHex);
    const publish = () =>
      this.lanes
        .run(lane, () =>
          retrying(this.options.clock, () =>
            this.publisher.publish(mailSubject(recipientHex), record, msgID),
          ),
        )
        .then(
          (ack) => {
            const seq = ack.seq;
            if (!ack.duplicate) this.senders.stored(claim, seq, storedAtMs);
            // Sessions get the record from their consumer; this note only lets them check
            // it came (stream-delivery.ts nudge), here and on the other relays.
            this.nudge(recipientHex, seq, msgID);
            try {
              this.link.nc.publish(LIVE_SUBJECT_PREFIX + recipientHex, `${seq} ${msgID}`);
            } catch {
              // Closing: the consumers deliver without it.
            }
            return { code: 'stored' as const, mail: { seq, recipientHex, record } };
          },
          (err: unknown) => refusalOf(err, this.options.log),
        );
    // Held only behind nothing of its conversation still publishing: it must not overtake.
    const held =
      early?.mayHold && msgId && !this.lanes.busy(lane)
        ? this.held.hold(recipientHex, lane, record, msgID, publish)
        : null;
    if (held === null && this.held.holds(lane)) this.held.releaseFor(lane);
    const durable = held ?? publish();
    this.track(durable);
    void durable.then((result) => {
      this.senders.settled(claim);
      done(result, msgId);
    });
    return { code: 'queued' };
  }

  async read(
    recipientHex: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ mails: StoredMail[]; done: boolean }> {
    const subject = mailSubject(recipientHex);
    const mails: StoredMail[] = [];
    let next = afterSeq + 1;
    while (mails.length < limit) {
      const m = await nextStoredMail(this.link, this.options.clock, subject, next);
      if (m === null) return { mails, done: true };
      next = m.seq + 1;
      let record: Uint8Array;
      try {
        record = this.options.withSeq(m.data, m.seq);
      } catch (err) {
        // Only relays publish here; a record that does not decode is skipped, not served.
        this.options.log.warn('stored mail unreadable; skipped', {
          seq: m.seq,
          ...describeError(err),
        });
        continue;
      }
      mails.push({ seq: m.seq, recipientHex, record });
      this.acks.delivered(recipientHex, m.seq);
    }
    return { mails, done: false };
  }

  ack(recipientHex: string, seqs: readonly number[]): number {
    const { count, done } = this.acks.ack(recipientHex, seqs);
    this.track(done);
    return count;
  }

  deliveryFor(session: DeliveryLink, limits: RelayLimits, log: Logger): SessionDelivery {
    return new StreamDelivery(session, {
      link: this.link,
      clock: this.options.clock,
      limits,
      log,
      withSeq: this.options.withSeq,
      goneBelow: (recipientHex, below) => this.senders.goneBelow(recipientHex, below),
      earlyAcked: (seq) => this.held.acked(seq),
      // Only if it still is the one delivered (docs/decisions.md "A reset stream").
      deleteMail: async (seq, subject, msgId) => {
        if (await this.publisher.deleteIfStill(MAIL_STREAM, seq, subject, msgId)) return;
        this.options.log.warn('the leader holds other mail at an acked seq; not deleted', { seq });
      },
      track: (work) => this.track(work),
      // Known by user once the session is ready (it is made before login).
      started: (d, userHex) => {
        this.local.set(userHex, (this.local.get(userHex) ?? new Set<StreamDelivery>()).add(d));
      },
      stopped: (d, userHex) => this.local.get(userHex)?.delete(d),
    });
  }

  /** Mail stored for `recipientHex` at `seq`: this relay's sessions of that user check they have it. */
  private nudge(recipientHex: string, seq: number, msgId: string | null): void {
    const mine = this.local.get(recipientHex);
    if (!mine) return;
    if (mine.size === 0) this.local.delete(recipientHex);
    for (const d of mine) d.nudge(seq, msgId);
  }

  pending(recipientHex: string): Promise<number | null> {
    return pendingMail(this.link, recipientHex, this.reach);
  }

  /** The stream expires mail itself (max age); here only this relay's own notes of it go. */
  sweep(): number {
    this.senders.expire(this.options.clock.now() - this.options.limits.mailTtlMs);
    return 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reach.close();
    this.held.close(); // first: what it holds is published before the connection goes
    if (this.sizeTimer) this.options.clock.clearTimeout(this.sizeTimer);
    this.sizeTimer = null;
    await Promise.allSettled([...this.inflight]);
    this.publisher.close();
    for (const sub of this.subs) sub.unsubscribe();
    this.subs.length = 0;
  }

  private track(p: Promise<unknown>): void {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private async refreshSize(): Promise<void> {
    try {
      this.count = (await this.link.jsm.streams.info(MAIL_STREAM)).state.messages;
    } catch {
      // Stats only: keep the last count.
    }
    if (this.closed) return;
    this.sizeTimer = this.options.clock.setTimeout(() => void this.refreshSize(), SIZE_REFRESH_MS);
    (this.sizeTimer as { unref?: () => void }).unref?.();
  }
}
