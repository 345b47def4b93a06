/**
 * Delivered mail, from frame to screen. Deliveries that arrive together are
 * handled as one batch: each is opened and checked (conversations/envelope.ts),
 * its sender observed (contacts.ts), and routed by content kind
 * (incoming-kinds.ts); everything the batch accepted is written with its seen-ids
 * in one synced batch; only then does the DeliverAck go out (so the relay deletes
 * only what is safe here) and are the messages announced.
 *
 * Every delivery is acknowledged, rejected ones too: they will never open, and
 * leaving them in the mailbox would redeliver them forever. A rejected one that
 * was damaged or forged (anything but a duplicate) is not dropped silently: a
 * report is written with the batch (damaged.ts), counted, and announced as
 * 'message:damaged' (issue 8). Old mail replayed is one of those (issue 10): a
 * send time outside the mail lifetime (envelope.ts) or a counter its sender
 * already used (counters.ts). A gap or rewind in a sender's counters is a
 * notice, written and announced like a report (notices.ts). Messages from a
 * contact whose key changed are kept aside, undisplayed, until trust() (held.ts). Mail
 * from a blocked key is acknowledged like the rest and dropped (blocks.ts, dropBlocked).
 */
import type { BoxKeyring } from '../../crypto/box.js';
import { toHex } from '../../util/bytes.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import { TickBatcher } from '../../util/tick-batcher.js';
import { MAX_ACK_SEQS } from '../../wire/limits.js';
import type { Card, Frame, FrameOf } from '../../wire/types.js';
import type { BackgroundTasks } from '../background.js';
import type { Blocks } from '../blocks.js';
import type { Contacts, Observation } from '../contacts.js';
import { type Audience, openDeliver } from '../conversations/envelope.js';
import type { ConversationId } from '../conversations/ids.js';
import type { PeerEvents, PeerStats, ReceivedMessage, RejectReason } from '../events.js';
import type { OfferSink } from '../files/offer-sink.js';
import type { IncomingShare } from '../groups/shares-in.js';
import type { PeerStore } from '../store.js';
import type { CounterWindows } from './counters.js';
import { type DamagedReports, damagedReport } from './damaged.js';
import type { HeldMessages } from './held.js';
import type { History } from './history.js';
import { InboxProgress } from './inbox-wait.js';
import { type Accepted, IncomingBatch, routeContent } from './incoming-kinds.js';
import { type ConversationNotices, noticeOf } from './notices.js';
import type { Receipts } from './receipts.js';
import { toReceived } from './received-entry.js';
import type { SeenSet } from './seen.js';

/**
 * The most deliveries one batch takes (one synced write, one DeliverAck): a client
 * coming back to thousands of waiting messages holds the relay's window of them
 * (relay/delivery-window.ts) and opens a batch's worth at a time, not the window's.
 */
export const MAX_BATCH_DELIVERIES = 512;

export interface IncomingDeps {
  store: PeerStore;
  contacts: Contacts;
  /** Keys whose mail is acknowledged and dropped unseen (blocks.ts). */
  blocks?: Pick<Blocks, 'has'>;
  history: History;
  held: HeldMessages;
  seen: SeenSet;
  counters: CounterWindows;
  damaged: DamagedReports;
  notices: ConversationNotices;
  keyring: BoxKeyring;
  /** The conversations this client is in (conversations/direct.ts). */
  audience: Audience;
  events: PeerEvents;
  /** Where DeliverAcks go. */
  link: { send(frame: Frame): boolean };
  receipts: Pick<Receipts, 'send' | 'received'>;
  /** Where file offers go (files/transfers.ts): recorded in the batch, decided after it. */
  offers?: OfferSink;
  /** Where group sender keys go (groups/groups.ts); durable when the promise resolves. */
  senderKeys?: { acceptShares(shares: readonly IncomingShare[]): Promise<void> };
  tasks: BackgroundTasks;
  clock?: Clock;
  logger?: Logger;
}

export class Incoming {
  /** Deliveries of one event-loop turn join one batch. */
  private readonly arrivals: TickBatcher<FrameOf<'deliver'>>;
  private queue: FrameOf<'deliver'>[] = [];
  private running: Promise<void> | null = null;
  private readonly progress: InboxProgress;
  private damagedMessages = 0;
  private duplicateDeliveries = 0;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly d: IncomingDeps) {
    this.clock = d.clock ?? systemClock;
    this.log = d.logger ?? silentLogger;
    this.progress = new InboxProgress(this.clock);
    this.arrivals = new TickBatcher((frames) => this.enqueue(frames));
  }

  push(deliver: FrameOf<'deliver'>): void {
    this.progress.delivered();
    this.arrivals.push(deliver);
  }

  /** Something else came from the relay for us (a group item): the inbox is not idle yet. */
  activity(): void {
    this.progress.delivered();
  }

  /** A new session: the relay has `pending` messages waiting for us. */
  newSession(pending: number): void {
    this.progress.newSession(pending);
  }

  /**
   * Resolves once the mail waiting at login has been handled, or when nothing has
   * been delivered for `idleMs`, or at `timeoutMs` (inbox-wait.ts).
   */
  async drained(idleMs: number, timeoutMs: number): Promise<void> {
    await this.progress.wait(idleMs, timeoutMs);
    await this.idle();
  }

  /** Rejected deliveries since this object was made (they are part of PeerStats). */
  stats(): Pick<PeerStats, 'damagedMessages' | 'duplicateDeliveries'> {
    return {
      damagedMessages: this.damagedMessages,
      duplicateDeliveries: this.duplicateDeliveries,
    };
  }

  /** Resolves when every delivery received so far has been handled. */
  async idle(): Promise<void> {
    this.arrivals.flushNow();
    while (this.running !== null) await this.running;
  }

  /**
   * The user accepted `card` for `conversation`: messages held from exactly that
   * key join the history (unread); those held from the `discarded` keys (user ids,
   * hex: the ones trust() forgot) are dropped; any from a key still pending stay held.
   */
  async releaseHeld(
    conversation: ConversationId,
    card: Card,
    discarded: readonly { userId: string }[],
  ): Promise<number> {
    const now = this.clock.now();
    const { entries, ops } = await this.d.held.release(
      conversation,
      card,
      discarded.map((k) => k.userId),
    );
    for (const e of entries) ops.push(...this.d.history.appendOps(e, { unread: true, atMs: now }));
    await this.d.store.write(ops);
    if (entries.length > 0) {
      this.announce(entries.map(toReceived));
      this.d.events.emit('message:released', { conversation, count: entries.length });
    }
    return entries.length;
  }

  private enqueue(frames: FrameOf<'deliver'>[]): void {
    this.queue.push(...frames);
    this.running ??= this.drain();
  }

  /** One batch at a time; what arrives meanwhile is the next batch. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const frames =
          this.queue.length <= MAX_BATCH_DELIVERIES
            ? this.queue
            : this.queue.splice(0, MAX_BATCH_DELIVERIES);
        if (frames === this.queue) this.queue = [];
        try {
          await this.handleBatch(frames);
        } catch (err) {
          // Unacknowledged mail stays on the relay and comes back next session.
          this.log.error('could not handle delivered messages', describeError(err));
          this.d.events.emit('error', { ...describeError(err), fatal: false });
        }
      }
    } finally {
      this.running = null;
    }
  }

  private async handleBatch(frames: FrameOf<'deliver'>[]): Promise<void> {
    try {
      await this.acceptBatch(frames);
    } finally {
      // Written or not (a failed batch was never accepted), the store now answers
      // for the ids this batch held in memory (seen.ts).
      this.d.seen.settled();
    }
  }

  private async acceptBatch(frames: FrameOf<'deliver'>[]): Promise<void> {
    const batch = new IncomingBatch(this.clock.now());
    const counters = this.d.counters.draft();
    const damaged: ReturnType<typeof damagedReport>[] = [];
    let duplicates = 0;
    const reject = (deliver: FrameOf<'deliver'>, reason: RejectReason) => {
      this.d.events.emit('message:rejected', { msgId: toHex(deliver.msgId), reason });
      if (reason === 'replay') {
        this.log.info('dropped a duplicate delivery', { seq: deliver.seq });
        duplicates++;
        return;
      }
      this.log.warn('dropped a damaged or forged delivery', { reason, seq: deliver.seq });
      const report = damagedReport(deliver, reason, batch.now);
      batch.ops.push(...this.d.damaged.recordOps(report));
      damaged.push(report);
    };
    batch.ops.push(...(await this.d.seen.pruneOps(batch.now)));
    for (const deliver of frames) {
      const r = await openDeliver(this.d.keyring, this.d.audience, deliver, this.d.seen, batch.now);
      if (!r.ok) {
        reject(deliver, r.reason);
        continue;
      }
      // Before observe(): a replayed old card must not raise a key change.
      const judged = await counters.judge(r.from.userId, r.conversation, r.inner);
      if (judged.verdict.kind === 'duplicate' || judged.verdict.kind === 'reused') {
        reject(deliver, judged.verdict.kind === 'duplicate' ? 'replay' : 'counter-reused');
        continue;
      }
      let seenAs: Observation;
      try {
        seenAs = await this.d.contacts.observe(r.from, { delivered: true });
      } catch {
        reject(deliver, 'bad-card');
        continue;
      }
      counters.accept(judged);
      if (this.d.blocks?.has(toHex(r.from.userId)) === true && batch.dropBlocked(r.inner.content))
        continue;
      const notice = noticeOf(judged.verdict, r, batch.now);
      if (notice !== undefined) {
        batch.ops.push(...this.d.notices.recordOps(notice));
        batch.notices.push(notice);
      }
      batch.ops.push(...this.d.seen.addOps(r.inner.sender, r.inner.msgId, r.inner.sentAtMs));
      const v = judged.verdict;
      const firstWord = v.kind === 'new' && v.previous === 0;
      routeContent({ ...r, seenAs, firstWord } as Accepted, batch, this.d);
    }
    batch.ops.push(...counters.ops());
    try {
      // Shares first, in the groups' own batch: a redelivery after a crash between the
      // two writes finds the chain already held, which changes nothing (shares-in.ts).
      if (batch.senderKeys.length > 0) await this.d.senderKeys?.acceptShares(batch.senderKeys);
      await this.d.store.write(batch.ops);
    } catch (err) {
      // Not durable, so not acknowledged: the relay keeps the mail and redelivers it.
      this.log.error('could not store delivered messages', describeError(err));
      this.d.events.emit('error', { ...describeError(err), fatal: false });
      return;
    }
    counters.commit();
    const seqs = frames.map((f) => f.seq);
    for (let i = 0; i < seqs.length; i += MAX_ACK_SEQS) {
      this.d.link.send({ type: 'deliver-ack', seqs: seqs.slice(i, i + MAX_ACK_SEQS) });
    }
    batch.declineRefused(this.d.link);
    this.progress.handledBatch(frames.length);
    this.duplicateDeliveries += duplicates;
    this.damagedMessages += damaged.length;
    for (const report of damaged) this.d.events.emit('message:damaged', report);
    for (const notice of batch.notices) this.d.events.emit('conversation:notice', notice);
    this.announce(batch.shown);
    if (batch.offers.length > 0) this.d.offers?.arrived(batch.offers);
    if (batch.fileReplies.length > 0) this.d.offers?.replied(batch.fileReplies);
    if (batch.fileCancels.length > 0) this.d.offers?.cancelled(batch.fileCancels);
    for (const e of batch.held) {
      const { from } = toReceived(e);
      this.d.events.emit('message:held', { conversation: e.conversation, msgId: e.msgId, from });
    }
    for (const r of batch.receipts) await this.d.receipts.received(r.from, r.conversation, r.ids);
  }

  /** Announces shown messages and queues one receipt per conversation for them. */
  private announce(messages: ReceivedMessage[]): void {
    const byConversation = new Map<ConversationId, { name: string; ids: string[] }>();
    for (const m of messages) {
      this.d.events.emit('message:received', m);
      const slot = byConversation.get(m.conversation) ?? { name: m.from.pseudonym, ids: [] };
      slot.ids.push(m.msgId);
      byConversation.set(m.conversation, slot);
    }
    for (const [conversation, { name, ids }] of byConversation) {
      this.d.tasks.run(this.d.receipts.send(conversation, name, ids));
    }
  }
}
