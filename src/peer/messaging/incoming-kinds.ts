/**
 * What a delivered plaintext does, by content kind (STYLE.md §6: dispatch is a
 * table). The table is typed over the Inner content union, so a new kind (group
 * control, file offer) without a handler here does not compile. Each handler
 * adds to the batch it is part of; incoming.ts writes the batch, acknowledges
 * it, and only then announces what the handlers collected.
 */
import { toHex } from '../../util/bytes.js';
import type { Card, Frame, Inner, InnerContent } from '../../wire/types.js';
import type { Observation } from '../contacts.js';
import type { ConversationId } from '../conversations/ids.js';
import type { ConversationNotice, ReceivedMessage } from '../events.js';
import type { CancelIn } from '../files/cancels.js';
import type { OfferSink } from '../files/offer-sink.js';
import { offerLine } from '../files/offers.js';
import type { IncomingRecord } from '../files/records.js';
import type { ReplyIn } from '../files/replies.js';
import type { IncomingShare } from '../groups/shares-in.js';
import type { KvOp } from '../store.js';
import type { HeldMessages } from './held.js';
import type { History, HistoryEntry } from './history.js';
import { toReceived } from './received-entry.js';

export type InnerKind = InnerContent['kind'];

/** One delivery that opened and checked out (envelope.ts), with its content narrowed to K. */
export interface Accepted<K extends InnerKind = InnerKind> {
  inner: Inner & { content: Extract<InnerContent, { kind: K }> };
  /** The sender's card, authenticated by the box. */
  from: Card;
  /** The conversation the envelope check placed it in. */
  conversation: ConversationId;
  /** What observing the sender's card meant (contacts.ts). */
  seenAs: Observation;
  /**
   * Nothing from this key was accepted before (its numbering starts here): the first word
   * from it, even when its card was pinned already by a lookup (`natter fingerprint NAME`).
   */
  firstWord?: boolean;
}

/** What one batch of deliveries collects before it is written. */
export class IncomingBatch {
  readonly ops: KvOp[] = [];
  /** To announce as 'message:received' (and receipt) once durable and acknowledged. */
  readonly shown: ReceivedMessage[] = [];
  /** From a changed key: announced as 'message:held'. */
  readonly held: HistoryEntry[] = [];
  /** Receipts for our messages: from whom (user id hex), in which conversation. */
  readonly receipts: { from: string; conversation: ConversationId; ids: string[] }[] = [];
  /** Gaps and rewinds in senders' numbering, announced as 'conversation:notice'. */
  readonly notices: ConversationNotice[] = [];
  /** Group sender keys (groups/shares-in.ts), made durable before this batch is acknowledged. */
  readonly senderKeys: IncomingShare[] = [];
  /** File offers (docs/files.md), recorded in this batch, decided once it is durable. */
  readonly offers: IncomingRecord[] = [];
  /** Answers to my file offers (files/replies.ts), taken once this batch is durable. */
  readonly fileReplies: ReplyIn[] = [];
  /** Senders' cancels of files they offered me (files/cancels.ts), taken once durable. */
  readonly fileCancels: CancelIn[] = [];
  /** Transfers offered by a blocked sender: declined once acknowledged, so their uploads go. */
  readonly refused: Uint8Array[] = [];

  constructor(readonly now: number) {}

  /**
   * A delivery from a blocked key (blocks.ts): true when it is dropped, nothing of it kept or
   * shown; a file offer is noted to be declined, so the relay releases the upload rather than
   * keep it for its TTL (a decline is what any recipient may answer: the sender learns
   * nothing new). A group sender key is not dropped: it shows nothing, and without it their
   * group messages would wait in the held store (groups/held.ts), which they could fill.
   */
  dropBlocked(content: InnerContent): boolean {
    if (content.kind === 'sender-key') return false;
    if (content.kind === 'file-offer') this.refused.push(content.offer.transferId);
    return true;
  }

  /** Declines the refused offers at the relay (no record kept, no answer to the sender). */
  declineRefused(link: { send(frame: Frame): boolean }): void {
    for (const transferId of this.refused)
      link.send({ type: 'file-done', transferId, outcome: 'declined' });
  }
}

export interface KindDeps {
  history: History;
  held: HeldMessages;
  /** Where file offers go (files/transfers.ts); without it an offer is only a history line. */
  offers?: OfferSink;
}

type Handler<K extends InnerKind> = (msg: Accepted<K>, batch: IncomingBatch, d: KindDeps) => void;

/** Changed or pending: the card is not the pinned one, so nothing it says is shown yet. */
const trusted = (seenAs: Observation) => seenAs === 'new' || seenAs === 'known';

/** A line in the conversation's history, held while the sender's key is in question. */
function historyLine(
  msg: { inner: Inner; from: Card; conversation: ConversationId; seenAs: Observation },
  text: string,
  batch: IncomingBatch,
  d: KindDeps,
): boolean {
  const { inner, from, conversation, seenAs } = msg;
  const entry: HistoryEntry = {
    conversation,
    direction: 'in',
    msgId: toHex(inner.msgId),
    peer: { pseudonym: inner.senderName, userId: toHex(from.userId) },
    text,
    sentAtMs: inner.sentAtMs,
    receivedAtMs: batch.now,
  };
  if (!trusted(seenAs)) {
    batch.ops.push(...d.held.holdOps(entry, from, batch.now));
    batch.held.push(entry);
    return false;
  }
  batch.ops.push(...d.history.appendOps(entry, { unread: true, atMs: batch.now }));
  batch.shown.push(toReceived(entry));
  return true;
}

export const CONTENT_KINDS: { [K in InnerKind]: Handler<K> } = {
  text: (msg, batch, d) => {
    historyLine(msg, msg.inner.content.body, batch, d);
  },

  // A file offer: a history line, and the offer to the transfer service. From a key in
  // question the line is held like a text and the offer is not taken: nothing is fetched
  // for a sender nobody vouched for (the sender offers again after trust()).
  'file-offer': (msg, batch, d) => {
    const { offer } = msg.inner.content;
    const line = offerLine(offer);
    if (!historyLine(msg, line, batch, d) || d.offers === undefined) return;
    const taken = d.offers.intakeOps(offer, {
      from: msg.inner.senderName,
      fromUserId: msg.from.userId,
      conversation: msg.conversation,
      group: null,
      nowMs: batch.now,
      sentAtMs: msg.inner.sentAtMs,
      // Not on the card's first sight alone: a key pinned by a lookup has said nothing yet
      // (a trial's auto-accept took a squatter's first file after `natter fingerprint`).
      firstContact: msg.seenAs === 'new' || msg.firstWord === true,
    });
    if (taken === null) return;
    batch.ops.push(...taken.ops);
    batch.offers.push(taken.record);
  },

  // Receipts from a key we have not accepted prove nothing: ignored.
  receipt: ({ inner, from, conversation, seenAs }, batch) => {
    if (!trusted(seenAs)) return;
    batch.receipts.push({
      from: toHex(from.userId),
      conversation,
      ids: inner.content.msgIds.map(toHex),
    });
  },

  // An answer to one of my file offers. From a key we have not accepted: proves nothing.
  'file-reply': ({ inner, from, seenAs }, batch) => {
    if (!trusted(seenAs)) return;
    const { transferId, outcome } = inner.content;
    batch.fileReplies.push({
      from: toHex(from.userId),
      name: inner.senderName,
      transferId: toHex(transferId),
      outcome,
    });
  },

  // A sender cancelled a file it offered me. From a key we have not accepted: proves nothing.
  // Only the key the offer came from may cancel it (files/cancels.ts checks).
  'file-cancel': ({ inner, from, seenAs }, batch) => {
    if (!trusted(seenAs)) return;
    batch.fileCancels.push({
      from: toHex(from.userId),
      transferId: toHex(inner.content.transferId),
    });
  },

  // A member's chain for a group epoch. From a key we have not accepted: proves nothing, ignored.
  'sender-key': ({ inner, from, seenAs }, batch) => {
    if (!trusted(seenAs)) return;
    const { groupId, epoch, share } = inner.content;
    batch.senderKeys.push({ from: from.userId, groupId, epoch, share });
  },
};

/** Hands `msg` to the handler of its content kind. */
export function routeContent(msg: Accepted, batch: IncomingBatch, d: KindDeps): void {
  const handler = CONTENT_KINDS[msg.inner.content.kind] as Handler<InnerKind>;
  handler(msg, batch, d);
}
