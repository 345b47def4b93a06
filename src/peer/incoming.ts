/**
 * Delivered mail, from frame to screen. Deliveries that arrive together are
 * handled as one batch: each is opened and checked (envelope.ts), its sender
 * observed (contacts.ts), and the accepted ones are written with their seen-ids
 * in one synced batch; only then does the DeliverAck go out (so the relay deletes
 * only what is safe here) and are the messages announced.
 *
 * Every delivery is acknowledged, rejected ones too: they will never open, and
 * leaving them in the mailbox would redeliver them forever. A rejected one that
 * was damaged or forged (anything but a duplicate) is not dropped silently: a
 * report is written with the batch (damaged.ts), counted, and announced as
 * 'message:damaged' (issue 8). Messages from a contact whose key changed are
 * kept aside, undisplayed, until trust().
 */
import type { BoxKeyring } from '../crypto/box.js';
import { fingerprint } from '../crypto/keys.js';
import { bytesEqual, fromHex, toHex, utf8 } from '../util/bytes.js';
import { describeError } from '../util/errors.js';
import { type Logger, silentLogger } from '../util/logger.js';
import { MAX_ACK_SEQS } from '../wire/limits.js';
import { pseudonymKey } from '../wire/text.js';
import type { Card, FrameOf } from '../wire/types.js';
import type { Contacts } from './contacts.js';
import type { DamagedReports } from './damaged.js';
import { openDeliver } from './envelope.js';
import {
  type DamagedMessage,
  MESSAGE_DAMAGED_CODE,
  type PeerEvents,
  type PeerStats,
  type ReceivedMessage,
  type RejectReason,
} from './events.js';
import { conversationId, type History, type HistoryEntry, toReceived } from './history.js';
import type { SeenSet } from './seen.js';
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from './store.js';

export interface IncomingDeps {
  store: PeerStore;
  contacts: Contacts;
  history: History;
  seen: SeenSet;
  damaged: DamagedReports;
  keyring: BoxKeyring;
  events: PeerEvents;
  me: Uint8Array;
  /** Sends one DeliverAck (at most MAX_ACK_SEQS seqs). */
  ack: (seqs: number[]) => void;
  /** Text messages accepted from `name`: send them a receipt. */
  accepted: (name: string, msgIds: string[]) => void;
  /** `fromUserId` (hex) says it has these of our messages. */
  receipt: (fromUserId: string, msgIds: string[]) => Promise<void>;
  now?: () => number;
  logger?: Logger;
}

interface HeldMessage {
  card: { userId: string; boxPk: string };
  entry: HistoryEntry;
}

const heldPrefix = (name: string) => `${PREFIX.heldIn}${toHex(utf8(pseudonymKey(name)))}!`;

export class Incoming {
  private queue: FrameOf<'deliver'>[] = [];
  private running: Promise<void> | null = null;
  /** Deliveries fully handled (written and acknowledged) in this session. */
  private handled = 0;
  /** Ready.pending of this session: what the relay had waiting at login. */
  private pendingAtReady = 0;
  private lastDeliveryMs = 0;
  private damagedMessages = 0;
  private duplicateDeliveries = 0;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly d: IncomingDeps) {
    this.now = d.now ?? Date.now;
    this.log = d.logger ?? silentLogger;
  }

  push(deliver: FrameOf<'deliver'>): void {
    this.lastDeliveryMs = Date.now();
    this.queue.push(deliver);
    if (this.running === null) this.running = this.drain();
  }

  /** A new session: the relay has `pending` messages waiting for us. */
  newSession(pending: number): void {
    this.handled = 0;
    this.pendingAtReady = pending;
    this.lastDeliveryMs = Date.now();
  }

  /**
   * Resolves once the mail waiting at login has been handled, or when nothing has
   * been delivered for `idleMs` (the relay may hold some back for backpressure, or
   * have lost the session), or at `timeoutMs`.
   */
  async drained(idleMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.idle();
      const now = Date.now();
      if (this.handled >= this.pendingAtReady) return;
      if (now - this.lastDeliveryMs >= idleMs || now >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
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
    while (this.running !== null) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      // Start on the next turn: everything delivered in this one joins the batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.handleBatch(batch);
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

  private async handleBatch(batch: FrameOf<'deliver'>[]): Promise<void> {
    const now = this.now();
    const ops: KvOp[] = [];
    const accepted: ReceivedMessage[] = [];
    const acceptedIds: Uint8Array[] = [];
    const receiptsIn: { from: string; ids: string[] }[] = [];
    const heldBack: HistoryEntry[] = [];
    const damaged: DamagedMessage[] = [];
    let duplicates = 0;
    const reject = (deliver: FrameOf<'deliver'>, reason: RejectReason) => {
      this.d.events.emit('message:rejected', { msgId: toHex(deliver.msgId), reason });
      if (reason === 'replay') {
        this.log.info('dropped a duplicate delivery', { seq: deliver.seq });
        duplicates++;
        return;
      }
      this.log.warn('dropped a damaged or forged delivery', { reason, seq: deliver.seq });
      const report = damagedReport(deliver, reason, now);
      ops.push(...this.d.damaged.recordOps(report));
      damaged.push(report);
    };
    for (const deliver of batch) {
      const r = await openDeliver(this.d.keyring, this.d.me, deliver, this.d.seen);
      if (!r.ok) {
        reject(deliver, r.reason);
        continue;
      }
      let seenAs: Awaited<ReturnType<Contacts['observe']>>;
      try {
        seenAs = await this.d.contacts.observe(r.from);
      } catch {
        reject(deliver, 'bad-card');
        continue;
      }
      const { inner, from } = r;
      ops.push(...this.d.seen.addOps(inner.msgId, now));
      acceptedIds.push(inner.msgId);
      if (inner.content.kind === 'receipt') {
        // Receipts from a key we have not accepted prove nothing: ignore them.
        if (seenAs === 'new' || seenAs === 'known') {
          receiptsIn.push({ from: toHex(from.userId), ids: inner.content.msgIds.map(toHex) });
        }
        continue;
      }
      const entry: HistoryEntry = {
        conversation: conversationId(inner.senderName),
        direction: 'in',
        msgId: toHex(inner.msgId),
        peer: { pseudonym: inner.senderName, userId: toHex(from.userId) },
        text: inner.content.body,
        sentAtMs: inner.sentAtMs,
        receivedAtMs: now,
      };
      if (seenAs === 'changed' || seenAs === 'pending') {
        const held: HeldMessage = {
          card: { userId: toHex(from.userId), boxPk: toHex(from.boxPk) },
          entry,
        };
        ops.push(putJson(`${heldPrefix(inner.senderName)}${fixedWidth(now)}!${entry.msgId}`, held));
        heldBack.push(entry);
        continue;
      }
      ops.push(...this.d.history.appendOps(entry, { unread: true, atMs: now }));
      accepted.push(toReceived(entry));
    }
    try {
      await this.d.store.write(ops);
    } catch (err) {
      // Not durable, so not acknowledged: the relay keeps the mail and redelivers it.
      this.d.seen.forget(acceptedIds);
      this.log.error('could not store delivered messages', describeError(err));
      this.d.events.emit('error', { ...describeError(err), fatal: false });
      return;
    }
    const seqs = batch.map((b) => b.seq);
    for (let i = 0; i < seqs.length; i += MAX_ACK_SEQS) this.d.ack(seqs.slice(i, i + MAX_ACK_SEQS));
    this.handled += batch.length;
    this.duplicateDeliveries += duplicates;
    this.damagedMessages += damaged.length;
    for (const report of damaged) this.d.events.emit('message:damaged', report);
    this.announce(accepted);
    for (const e of heldBack) {
      const { from } = toReceived(e);
      this.d.events.emit('message:held', { conversation: e.conversation, msgId: e.msgId, from });
    }
    for (const r of receiptsIn) await this.d.receipt(r.from, r.ids);
  }

  /**
   * The user accepted `card` for `name`: messages held from exactly that key join
   * the history (unread); any held from another key are dropped.
   */
  async releaseHeld(name: string, card: Card): Promise<number> {
    const now = this.now();
    const ops: KvOp[] = [];
    const released: ReceivedMessage[] = [];
    for await (const [key, held] of this.d.store.scan<HeldMessage>(heldPrefix(name))) {
      ops.push(del(key));
      if (
        bytesEqual(fromHex(held.card.userId), card.userId) &&
        bytesEqual(fromHex(held.card.boxPk), card.boxPk)
      ) {
        ops.push(...this.d.history.appendOps(held.entry, { unread: true, atMs: now }));
        released.push(toReceived(held.entry));
      }
    }
    await this.d.store.write(ops);
    if (released.length > 0) {
      this.announce(released);
      this.d.events.emit('message:released', {
        conversation: conversationId(name),
        count: released.length,
      });
    }
    return released.length;
  }

  private announce(messages: ReceivedMessage[]): void {
    const bySender = new Map<string, string[]>();
    for (const m of messages) {
      this.d.events.emit('message:received', m);
      const ids = bySender.get(m.from.pseudonym) ?? [];
      ids.push(m.msgId);
      bySender.set(m.from.pseudonym, ids);
    }
    for (const [name, ids] of bySender) this.d.accepted(name, ids);
  }
}

/** The report of a dropped delivery; the sender named is only the relay's claim. */
function damagedReport(
  deliver: FrameOf<'deliver'>,
  reason: Exclude<RejectReason, 'replay'>,
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
    conversation: conversationId(claimed.pseudonym),
    msgId: toHex(deliver.msgId),
    seq: deliver.seq,
    receivedAtMs: now,
  };
}
