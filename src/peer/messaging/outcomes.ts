/**
 * What became of each outbox entry the sender tried (sender.ts), recorded where
 * the user and flush() see it: stored → done; failed for good → the history keeps
 * the verdict, the outbox lets go; refused for now (docs/protocol.md "Refusals")
 * → kept, retried after a jittered, doubling backoff and announced at once as
 * 'message:refused' with a stable code (refusals.ts, issue 8).
 *
 * Owns when each waiting entry may go again (retry.ts), the backoff that spaces
 * refusals for now, and their count (part of PeerStats). The sender decides what
 * to send; this module decides what an answer means for the entry's state.
 */
import { Backoff } from '../../util/backoff.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { OutgoingState, PeerEvents } from '../events.js';
import type { History } from './history.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import { isShown } from './outgoing-kinds.js';
import { describeRefusal, type TemporaryRefusal } from './refusals.js';
import { RetrySchedule } from './retry.js';

/** First retry ceiling after a temporary refusal; doubles per attempt. */
export const RETRY_BASE_MS = 1_000;
/** Largest retry ceiling: a full relay gets polled about once a minute per message. */
export const RETRY_MAX_MS = 60_000;
/**
 * First wait before a group message refused as sealed for an old epoch goes again: the
 * change that ended the epoch is already on its way in the group's stream, and is applied
 * within milliseconds. Doubles while the answer stays the same, up to RETRY_MAX_MS.
 */
export const RESEAL_RETRY_MS = 250;

/**
 * Sends a session keeps unanswered: past it the rest wait in the outbox for SendAcks. The
 * link is one ordered stream, so everything written to it waits behind what the relay has
 * not yet read, this client's own DeliverAcks included; a backlog of thousands of Sends
 * kept the relay from hearing them in time, and past its capacity it stayed on its slowest
 * path (docs/decisions.md, "Why the acks stay late"). 64 carries about 4,000 messages a
 * second at a 15 ms ack, and is within the relay's share of sends in flight (which the
 * relay reads up to) while up to 512 senders are busy at once; 128 was not, measured.
 */
export const MAX_SENDS_IN_FLIGHT = 64;

export interface SendOutcomesDeps {
  outbox: Outbox;
  history: History;
  events: PeerEvents;
  clock: Clock;
  logger: Logger;
  /** The backoff's jitter, uniform in [0, 1). Default: Backoff's. */
  random?: () => number;
  /** Some waiting entries became due (once per timer firing): time to send again. */
  due: () => void;
  /**
   * Whether the entry's conversation is with someone: a group, or a contact. A message
   * refused as unknown-recipient to no one of these leaves no trace (fail()). Default: always.
   */
  withSomeone?: (entry: OutboxEntry) => boolean;
}

export class SendOutcomes {
  private readonly retries: RetrySchedule;
  private readonly backoff: Backoff;
  private refusedSends = 0;
  /** Stale-epoch answers in a row, by message. */
  private readonly staleAnswers = new Map<string, number>();

  constructor(private readonly d: SendOutcomesDeps) {
    this.retries = new RetrySchedule(d.clock, d.due);
    this.backoff = new Backoff({
      baseMs: RETRY_BASE_MS,
      maxMs: RETRY_MAX_MS,
      ...(d.random === undefined ? {} : { random: d.random }),
    });
  }

  /** True while `msgId` must wait for its next try. */
  waiting(msgId: string, now: number): boolean {
    return this.retries.waiting(msgId, now);
  }

  /** Not now, but soon: tries `msgId` again after RETRY_BASE_MS (an unanswered lookup). */
  retrySoon(msgId: string): void {
    this.retries.delay(msgId, this.d.clock.now() + RETRY_BASE_MS);
  }

  /** Refusals for now since this object was made. */
  refusals(): number {
    return this.refusedSends;
  }

  stop(): void {
    this.retries.stop();
  }

  /** The relay stored it: the history says so, the outbox lets go of it. */
  async stored(entry: OutboxEntry): Promise<void> {
    // History first: once the outbox entry is gone, flush() callers read the state.
    await this.setStatus(entry, 'stored');
    await this.d.outbox.remove(entry.msgId);
    this.retries.forget(entry.msgId);
    this.staleAnswers.delete(entry.msgId);
  }

  /**
   * A group message sealed for an epoch a change ended (the change is on its way in the
   * group's stream): it stays queued, and goes again after RESEAL_RETRY_MS, by when the
   * change has usually been applied and the message sealed again (groups/send.ts
   * reseal). Nothing is said to the user: it is neither failed nor refused, only late.
   */
  awaitReseal(entry: OutboxEntry): void {
    const n = (this.staleAnswers.get(entry.msgId) ?? 0) + 1;
    this.staleAnswers.set(entry.msgId, n);
    this.d.logger.info('group message sealed for an old epoch; sent again once sealed anew');
    const wait = Math.min(RESEAL_RETRY_MS * 2 ** (n - 1), RETRY_MAX_MS);
    this.retries.delay(entry.msgId, this.d.clock.now() + wait);
  }

  /**
   * Refused for good: the history keeps the verdict, the outbox lets go of it. A
   * message to a name that is neither a contact nor registered (unknown-recipient) is
   * said once ('message:status') and leaves no trace: the history lets go of it too,
   * so a typo opens no conversation (docs/decisions.md, "A message to nobody").
   */
  async fail(entry: OutboxEntry, reason: string): Promise<void> {
    if (
      reason === 'unknown-recipient' &&
      isShown(entry.content) &&
      this.d.withSomeone?.(entry) === false
    ) {
      const ended = await this.d.history.erase(entry.msgId, 'failed', reason);
      if (ended !== undefined) {
        const { msgId, conversation } = entry;
        this.d.events.emit('message:status', { msgId, conversation, state: 'failed', reason });
      }
    } else {
      await this.setStatus(entry, 'failed', reason);
    }
    await this.d.outbox.remove(entry.msgId);
    this.retries.forget(entry.msgId);
    this.staleAnswers.delete(entry.msgId);
  }

  /**
   * Refused for now: the entry stays queued (with the reason, for status()), the
   * next try waits for a jittered, doubling backoff, and the user hears of it at once.
   */
  async refusedForNow(entry: OutboxEntry, refusal: TemporaryRefusal): Promise<void> {
    const attempts = entry.attempts + 1;
    await this.d.outbox.update(entry.msgId, { attempts, reason: refusal });
    const retryAtMs = this.d.clock.now() + this.backoff.delayAfter(attempts);
    this.retries.delay(entry.msgId, retryAtMs);
    this.refusedSends++;
    this.d.logger.info('relay refused message for now', { code: refusal, attempts });
    if (!isShown(entry.content)) return;
    this.d.events.emit('message:refused', {
      msgId: entry.msgId,
      conversation: entry.conversation,
      refusal,
      ...describeRefusal(refusal),
      attempts,
      retryAtMs,
    });
  }

  /** Records a shown message's new state and tells the user; plumbing has none. */
  async setStatus(entry: OutboxEntry, state: OutgoingState, reason?: string): Promise<void> {
    if (!isShown(entry.content)) return;
    const patch = reason === undefined ? {} : { reason };
    const updated = await this.d.history.update(entry.msgId, state, patch);
    if (updated === undefined && state !== 'queued') return;
    this.d.events.emit('message:status', {
      msgId: entry.msgId,
      conversation: entry.conversation,
      state,
      ...patch,
    });
  }
}
