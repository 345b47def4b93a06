/**
 * Moves the outbox to the relay: seals entries when their recipient's key is
 * known and trusted, sends them, and applies the relay's SendAck
 * (docs/protocol.md "Refusals"): stored → done; unknown recipient or too large →
 * failed for good; quota, disk full, internal → kept, retried with backoff, and
 * announced at once as 'message:refused' with a stable code (refusals.ts), so a
 * user is never left guessing at a timeout (issue 8).
 *
 * Everything still queued goes out again after each Ready: an ack lost with the
 * connection means the relay may or may not have the message, and the receiver
 * drops duplicates by msg id.
 */
import type { BoxKeyring } from '../crypto/box.js';
import { bytesEqual, fromHex, toHex } from '../util/bytes.js';
import { type Clock, systemClock, type Timer } from '../util/clock.js';
import { describeError } from '../util/errors.js';
import { type Logger, silentLogger } from '../util/logger.js';
import { pseudonymKey } from '../wire/text.js';
import type { Frame, FrameOf, Inner } from '../wire/types.js';
import type { Contacts } from './contacts.js';
import { sealInner } from './envelope.js';
import type { OutgoingState, PeerEvents } from './events.js';
import { conversationId, type History } from './history.js';
import type { Lookups } from './lookups.js';
import type { Outbox, OutboxEntry, SealedPayload } from './outbox.js';
import {
  describeRefusal,
  isPermanentRefusal,
  isTemporaryRefusal,
  type TemporaryRefusal,
} from './refusals.js';

/** First retry ceiling after a temporary refusal; doubles per attempt. */
export const RETRY_BASE_MS = 1_000;
/** Largest retry ceiling: a full relay gets polled about once a minute per message. */
export const RETRY_MAX_MS = 60_000;

export interface SenderDeps {
  outbox: Outbox;
  history: History;
  contacts: Contacts;
  lookups: Lookups;
  keyring: BoxKeyring;
  events: PeerEvents;
  me: { userId: Uint8Array; pseudonym: string };
  /** Sends a frame on the live session; false when offline. */
  send: (frame: Frame) => boolean;
  isReady: () => boolean;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
}

export class OutboxSender {
  private readonly inFlight = new Set<string>();
  /** Recipients whose card was checked with the relay in this session. */
  private readonly checked = new Set<string>();
  private readonly writes: Promise<unknown>[] = [];
  private readonly notBefore = new Map<string, number>();
  private running = false;
  private again = false;
  private retryTimer: Timer | null = null;
  private refusedSends = 0;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: () => number;

  constructor(private readonly d: SenderDeps) {
    this.clock = d.clock ?? systemClock;
    this.log = d.logger ?? silentLogger;
    this.random = d.random ?? Math.random;
  }

  /** Sends whatever can go now. Cheap to call often: runs coalesce. */
  kick(): void {
    if (!this.d.isReady()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run()
      .catch((err: unknown) => this.log.warn('outbox run failed', describeError(err)))
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** A new session: whatever was in flight may or may not have arrived, so resend it all. */
  onReady(): void {
    this.inFlight.clear();
    this.checked.clear();
    this.kick();
  }

  onOffline(): void {
    this.inFlight.clear();
  }

  /** Refusals for now since this object was made (part of PeerStats). */
  refusals(): number {
    return this.refusedSends;
  }

  stop(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  async onSendAck(ack: FrameOf<'send-ack'>): Promise<void> {
    const msgId = toHex(ack.msgId);
    const entry = this.d.outbox.get(msgId);
    this.inFlight.delete(msgId);
    if (entry === undefined) return;
    if (ack.code === 'stored') {
      // History first: once the outbox entry is gone, flush() callers read the state.
      await this.setStatus(entry, 'stored');
      await this.d.outbox.remove(msgId);
      this.notBefore.delete(msgId);
    } else if (isPermanentRefusal(ack.code)) {
      await this.fail(entry, ack.code);
    } else if (isTemporaryRefusal(ack.code)) {
      await this.refusedForNow(entry, ack.code);
    }
  }

  /** The recipient's key changed: hold their queued messages (shown as 'held'). */
  async holdFor(name: string): Promise<void> {
    const held = await this.d.outbox.holdFor(name);
    for (const e of held) this.inFlight.delete(e.msgId);
    await Promise.all(held.map((e) => this.setStatus(e, 'held')));
  }

  /** The user accepted the new key: held messages are sealed to it and sent. */
  async releaseFor(name: string): Promise<number> {
    const released = await this.d.outbox.releaseFor(name);
    await Promise.all(released.map((e) => this.setStatus(e, 'queued')));
    this.kick();
    return released.length;
  }

  private async run(): Promise<void> {
    const now = this.clock.now();
    /** Recipients whose lookup failed in this run: their other entries wait for the retry. */
    const unresolved = new Set<string>();
    for (const entry of this.d.outbox.list('queued')) {
      if (!this.d.isReady()) break;
      if (this.inFlight.has(entry.msgId) || (this.notBefore.get(entry.msgId) ?? 0) > now) continue;
      if (unresolved.has(pseudonymKey(entry.toName))) continue;
      const sealed = entry.sealed ?? (await this.seal(entry, unresolved));
      if (sealed === null || this.d.outbox.get(entry.msgId)?.state !== 'queued') continue;
      const frame: Frame = {
        type: 'send',
        to: fromHex(sealed.to),
        msgId: fromHex(entry.msgId),
        nonce: fromHex(sealed.nonce),
        ciphertext: new Uint8Array(Buffer.from(sealed.ciphertext, 'base64')),
      };
      if (this.d.send(frame)) this.inFlight.add(entry.msgId);
    }
    const writes = this.writes.splice(0);
    await Promise.all(writes);
  }

  /**
   * Resolves the recipient and seals; null if it cannot go now. The relay's card is
   * looked up once per session per recipient even for known contacts: that is how
   * a key change is noticed before anything is sealed to a stale key.
   */
  private async seal(entry: OutboxEntry, unresolved: Set<string>): Promise<SealedPayload | null> {
    const name = pseudonymKey(entry.toName);
    const known = this.d.contacts.get(entry.toName) !== undefined;
    if (!this.checked.has(name)) {
      let answer: Awaited<ReturnType<Lookups['request']>>;
      try {
        answer = await this.d.lookups.request({ pseudonym: entry.toName });
      } catch (err) {
        // Unanswered (or the link dropped): try this recipient again later, not per entry now.
        this.log.info('recipient lookup failed', describeError(err));
        unresolved.add(name);
        this.notBefore.set(entry.msgId, this.clock.now() + RETRY_BASE_MS);
        this.scheduleRetry();
        return null;
      }
      const card = answer.card;
      if (card !== null && pseudonymKey(card.pseudonym) === name) {
        try {
          await this.d.contacts.observe(card);
        } catch (err) {
          this.log.warn('relay returned a bad card', describeError(err));
          return null;
        }
      } else if (!known) {
        await this.fail(entry, 'unknown-recipient');
        return null;
      }
      this.checked.add(name);
    }
    const contact = this.d.contacts.get(entry.toName);
    if (contact === undefined) return null;
    if (contact.pending !== null) {
      await this.holdFor(entry.toName);
      return null;
    }
    if (bytesEqual(contact.card.userId, this.d.me.userId)) {
      await this.fail(entry, 'self');
      return null;
    }
    const inner: Inner = {
      sender: this.d.me.userId,
      recipient: contact.card.userId,
      msgId: fromHex(entry.msgId),
      counter: entry.counter,
      sentAtMs: entry.sentAtMs,
      senderName: this.d.me.pseudonym,
      content:
        entry.kind === 'text'
          ? { kind: 'text', body: entry.body ?? '' }
          : { kind: 'receipt', msgIds: (entry.receiptFor ?? []).map(fromHex) },
    };
    const box = sealInner(this.d.keyring, contact.card.boxPk, inner);
    const sealed: SealedPayload = {
      to: toHex(contact.card.userId),
      nonce: toHex(box.nonce),
      ciphertext: Buffer.from(box.ciphertext).toString('base64'),
    };
    // Not awaited one by one: a run seals many entries and their writes share one
    // batch (run() awaits them together). Sending before the sealed form is durable
    // is safe: after a crash it is sealed again under the same msg id, and the
    // receiver drops duplicates by id.
    this.writes.push(this.d.outbox.update(entry.msgId, { sealed }));
    if (entry.kind === 'text') {
      this.writes.push(
        this.d.history.update(entry.msgId, 'queued', {
          peer: { pseudonym: contact.pseudonym, userId: sealed.to },
        }),
      );
    }
    return sealed;
  }

  /**
   * Refused for now: the entry stays queued (with the reason, for status()), the
   * next try waits for a jittered, doubling backoff, and the user hears of it at once.
   */
  private async refusedForNow(entry: OutboxEntry, refusal: TemporaryRefusal): Promise<void> {
    const attempts = entry.attempts + 1;
    await this.d.outbox.update(entry.msgId, { attempts, reason: refusal });
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts, 16));
    const retryAtMs = this.clock.now() + Math.floor(this.random() * ceiling);
    this.notBefore.set(entry.msgId, retryAtMs);
    this.refusedSends++;
    this.log.info('relay refused message for now', { code: refusal, attempts });
    this.scheduleRetry();
    // Receipts are never shown, so a refused one is nobody's news; it is retried all the same.
    if (entry.kind !== 'text') return;
    this.d.events.emit('message:refused', {
      msgId: entry.msgId,
      conversation: conversationId(entry.toName),
      refusal,
      ...describeRefusal(refusal),
      attempts,
      retryAtMs,
    });
  }

  /** Refused for good: the history keeps the verdict, the outbox lets go of it. */
  private async fail(entry: OutboxEntry, reason: string): Promise<void> {
    await this.setStatus(entry, 'failed', reason);
    await this.d.outbox.remove(entry.msgId);
    this.notBefore.delete(entry.msgId);
  }

  private async setStatus(
    entry: OutboxEntry,
    state: OutgoingState,
    reason?: string,
  ): Promise<void> {
    if (entry.kind !== 'text') return;
    const updated = await this.d.history.update(
      entry.msgId,
      state,
      reason === undefined ? {} : { reason },
    );
    if (updated === undefined && state !== 'queued') return;
    this.d.events.emit('message:status', {
      msgId: entry.msgId,
      conversation: conversationId(entry.toName),
      state,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** One timer for all delayed retries; each firing resends what is due and re-arms for the rest. */
  private scheduleRetry(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.notBefore.size === 0) return;
    const wait = Math.max(0, Math.min(...this.notBefore.values()) - this.clock.now());
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = null;
      const now = this.clock.now();
      for (const [id, at] of this.notBefore) if (at <= now) this.notBefore.delete(id);
      this.kick();
      this.scheduleRetry();
    }, wait);
  }
}
