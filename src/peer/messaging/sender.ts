/**
 * Moves the outbox to the relay: seals entries when their conversation's keys are known and
 * trusted (conversations/direct.ts), sends them, and applies the relay's SendAck
 * (docs/protocol.md "Refusals"): stored → done; unknown recipient or too large → failed for
 * good; quota, disk full, internal → kept, retried with backoff, and announced at once as
 * 'message:refused' with a stable code (refusals.ts), so a user is never left guessing at a
 * timeout (issue 8). outcomes.ts records each verdict and owns the retry times and the window
 * of sends unanswered (MAX_SENDS_IN_FLIGHT). Everything still queued goes out again after
 * each Ready: an ack lost with the connection means the relay may or may not have the
 * message, and the receiver drops duplicates by msg id. An entry written longer ago than
 * recipients accept (envelope.ts MAX_MESSAGE_AGE_MS: mail lifetime plus slack) is never
 * sent: it fails for good as 'expired', as a permanent refusal would.
 *
 * Group messages (issue 11) leave as GroupSend, byte for byte as composed (sealed once for
 * every member: groups/send.ts), their SendAcks applied like any other; a group's sender
 * keys are 1:1 messages sealed to one member's key only (outgoing-kinds.ts: each kind).
 */

import { fromHex, toHex } from '../../util/bytes.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import { type Frame, type FrameOf, isKeptAck } from '../../wire/types.js';
import type { DirectConversations } from '../conversations/direct.js';
import { MAX_MESSAGE_AGE_MS } from '../conversations/envelope.js';
import { type ConversationId, parseConversationId } from '../conversations/ids.js';
import type { PeerEvents } from '../events.js';
import type { History } from './history.js';
import type { Outbox, OutboxEntry, SealedPayload } from './outbox.js';
import { MAX_SENDS_IN_FLIGHT, SendOutcomes } from './outcomes.js';
import { groupIdOf, innerContent, isShown } from './outgoing-kinds.js';
import { awaitsReseal, isPermanentRefusal, isTemporaryRefusal, NOT_A_MEMBER } from './refusals.js';

/** The relay link as the sender sees it (link/). */
export interface Uplink {
  /** Queues a frame on the live session; false when offline. */
  send(frame: Frame): boolean;
  /** Ready, and not pushing back (the link's writer is below its high-water mark). */
  readonly writable: boolean;
}

export interface SenderDeps {
  outbox: Outbox;
  history: History;
  direct: DirectConversations;
  events: PeerEvents;
  link: Uplink;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
}

/** Older than any recipient accepts (envelope.ts refuses it as 'expired'). */
const isExpired = (entry: OutboxEntry, nowMs: number): boolean =>
  entry.sentAtMs < nowMs - MAX_MESSAGE_AGE_MS;

export class OutboxSender {
  private readonly inFlight = new Set<string>();
  private readonly writes: Promise<unknown>[] = [];
  /** Stored, failed, or waiting to retry: each answer's effect on the entry. */
  private readonly outcomes: SendOutcomes;
  private running = false;
  private again = false;
  private windowFull = false; // a run stopped at MAX_SENDS_IN_FLIGHT: a SendAck kicks
  /**
   * Bumped by every new session and every loss: a run that began on another
   * session stops, and the run after Ready starts again from the oldest entry.
   * Otherwise a run still going through the outbox when the link came back would
   * send its later entries first, and receivers would see counters jump and then
   * go back (issue 15: a client that moved to another relay mid-send).
   */
  private session = 0;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly d: SenderDeps) {
    this.clock = d.clock ?? systemClock;
    this.log = d.logger ?? silentLogger;
    this.outcomes = new SendOutcomes({
      outbox: d.outbox,
      history: d.history,
      events: d.events,
      clock: this.clock,
      logger: this.log,
      ...(d.random === undefined ? {} : { random: d.random }),
      due: () => this.kick(),
      withSomeone: (entry) => d.direct.withSomeone(entry),
    });
  }

  /** Sends whatever can go now. Cheap to call often: runs coalesce. */
  kick(): void {
    this.windowFull = false;
    if (!this.d.link.writable) return;
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
    this.session++;
    this.inFlight.clear();
    this.d.direct.newSession();
    this.kick();
  }

  onOffline(): void {
    this.session++;
    this.inFlight.clear();
  }

  /** Refusals for now since this object was made (part of PeerStats). */
  refusals(): number {
    return this.outcomes.refusals();
  }

  stop(): void {
    this.outcomes.stop();
  }

  async onSendAck(ack: FrameOf<'send-ack'>): Promise<void> {
    const msgId = toHex(ack.msgId);
    const entry = this.d.outbox.get(msgId);
    if (entry !== undefined) {
      if (isKeptAck(ack.code)) {
        await this.outcomes.stored(entry);
      } else if (ack.code === 'unknown-recipient') {
        await this.unknownRecipient(entry);
      } else if (isPermanentRefusal(ack.code)) {
        await this.outcomes.fail(entry, ack.code);
      } else if (isTemporaryRefusal(ack.code)) {
        await this.outcomes.refusedForNow(entry, ack.code);
      } else if (awaitsReseal(ack.code)) {
        this.outcomes.awaitReseal(entry);
      }
    }
    if (this.inFlight.delete(msgId) && this.windowFull) this.kick(); // applied first: no run resends it
  }

  /** The conversation's key changed: hold its queued messages (shown as 'held'). */
  async holdFor(conversation: ConversationId): Promise<void> {
    const held = await this.d.outbox.holdFor(conversation);
    for (const e of held) this.inFlight.delete(e.msgId);
    await Promise.all(held.map((e) => this.outcomes.setStatus(e, 'held')));
  }

  /** The user accepted the new key: held messages are sealed to it and sent. */
  async releaseFor(conversation: ConversationId): Promise<number> {
    const released = await this.d.outbox.releaseFor(conversation);
    await Promise.all(released.map((e) => this.outcomes.setStatus(e, 'queued')));
    this.kick();
    return released.length;
  }

  /**
   * The user cancelled one of their queued or held messages (issue 13): it fails as
   * 'cancelled' and is never sent again. False if it is not in the outbox, or is
   * plumbing (a receipt, a sender key). One already written to a live session may
   * still reach the relay; `natter outbox cancel` runs without one.
   */
  async cancel(msgId: string): Promise<boolean> {
    const entry = this.d.outbox.get(msgId);
    if (entry === undefined || !isShown(entry.content)) return false;
    this.inFlight.delete(msgId);
    await this.outcomes.fail(entry, 'cancelled');
    return true;
  }

  private async run(): Promise<void> {
    const now = this.clock.now();
    /** Conversations that cannot be sealed for in this run: their other entries wait too. */
    const blocked = new Set<ConversationId>();
    const session = this.session;
    for (const entry of this.d.outbox.list('queued')) {
      if (!this.d.link.writable || this.session !== session) break;
      if (this.inFlight.has(entry.msgId)) continue;
      if (this.inFlight.size >= MAX_SENDS_IN_FLIGHT) {
        this.windowFull = true;
        break;
      }
      if (isExpired(entry, now)) {
        // Its recipient would refuse it by its send time: say so now, not never.
        await this.outcomes.fail(entry, 'expired');
        continue;
      }
      if (this.outcomes.waiting(entry.msgId, now)) {
        // Refused for now: the conversation's later messages wait behind it, so a
        // recipient gets them in the order written (issue 15).
        blocked.add(entry.conversation);
        continue;
      }
      if (blocked.has(entry.conversation)) continue;
      if (entry.sealedGroup !== undefined) {
        // Sealed once for the whole group when composed (groups/send.ts); the relay fans out.
        this.sendFrame(entry.msgId, {
          type: 'group-send',
          groupId: fromHex(groupIdOf(entry.conversation)),
          msgId: fromHex(entry.msgId),
          body: entry.sealedGroup,
        });
        continue;
      }
      const sealed = entry.sealed ?? (await this.seal(entry, blocked));
      // The link may have come back while sealing: the run after Ready sends this one in turn.
      if (this.session !== session) break;
      if (sealed === null || this.d.outbox.get(entry.msgId)?.state !== 'queued') continue;
      const frame: Frame = {
        type: 'send',
        to: sealed.to,
        msgId: fromHex(entry.msgId),
        nonce: sealed.nonce,
        ciphertext: sealed.ciphertext,
      };
      this.sendFrame(entry.msgId, frame);
    }
    await Promise.all(this.writes.splice(0));
  }

  private sendFrame(msgId: string, frame: Frame): void {
    if (this.d.link.send(frame)) this.inFlight.add(msgId);
  }

  /** Resolves whom to seal to and seals; null if the entry cannot go now. */
  private async seal(
    entry: OutboxEntry,
    blocked: Set<ConversationId>,
  ): Promise<SealedPayload | null> {
    const content = entry.content;
    const inner = innerContent(content);
    if (parseConversationId(entry.conversation).kind !== 'direct' || inner === null) {
      // A group message without its sealed form: nothing this version can send.
      await this.outcomes.fail(entry, 'unsupported-conversation');
      return null;
    }
    // A kind addressed to one key (`to`) goes to that member's key only, never a new one's.
    const to =
      'to' in content
        ? await this.d.direct.resolveMember(entry, content.to)
        : await this.d.direct.resolve(entry);
    if (!to.ok) {
      blocked.add(entry.conversation);
      if (to.why === 'retry') {
        this.outcomes.retrySoon(entry.msgId);
      } else if (to.why === 'held') {
        await this.holdFor(entry.conversation);
      } else if (to.why !== 'bad-card') {
        blocked.delete(entry.conversation);
        await this.outcomes.fail(entry, to.why);
      }
      return null;
    }
    const { contact } = to;
    const box = this.d.direct.seal(contact, {
      msgId: fromHex(entry.msgId),
      counter: entry.counter,
      sentAtMs: entry.sentAtMs,
      content: inner,
    });
    const sealed: SealedPayload = { to: contact.card.userId, ...box };
    // Not awaited one by one: a run seals many entries and their writes share one
    // batch (run() awaits them together). Sending before the sealed form is durable
    // is safe: after a crash it is sealed again under the same msg id, and the
    // receiver drops duplicates by id.
    this.writes.push(this.d.outbox.update(entry.msgId, { sealed }));
    if (isShown(entry.content)) {
      const peer = { pseudonym: contact.pseudonym, userId: toHex(contact.card.userId) };
      this.writes.push(this.d.history.update(entry.msgId, 'queued', { peer }));
    }
    return sealed;
  }

  /**
   * unknown-recipient: final, unless the message went to a pinned card without a
   * lookup and the relay now has another key for the name; then the conversation
   * is held for trust(), as a key change found before sealing would have been.
   */
  private async unknownRecipient(entry: OutboxEntry): Promise<void> {
    // A group message: the relay does not know me in the group (removed meanwhile; a QA trial).
    if (parseConversationId(entry.conversation).kind === 'group') {
      await this.outcomes.fail(entry, NOT_A_MEMBER);
      return;
    }
    const verdict = await this.d.direct.recheck(entry);
    if (verdict === 'held') await this.holdFor(entry.conversation);
    else if (verdict === 'retry') this.outcomes.retrySoon(entry.msgId);
    else await this.outcomes.fail(entry, 'unknown-recipient');
  }
}
