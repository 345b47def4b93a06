/**
 * The outbox as the user sees it (issue 13: `natter outbox`): the messages they
 * wrote that the relay has not stored yet. Receipts and a group's sender keys are
 * plumbing (outgoing-kinds.ts) and are neither listed nor cancellable.
 */
import type { ConversationId } from '../conversations/ids.js';
import type { OutboxEntry, OutboxState } from './outbox.js';

export interface QueuedMessage {
  /** Hex, 16 bytes. */
  msgId: string;
  /** '@name' one-to-one, '#<group id>' for a group (conversations/ids.ts). */
  conversation: ConversationId;
  /** One-to-one: the recipient's name as typed (NFKC). Absent for a group message. */
  to?: string;
  text: string;
  sentAtMs: number;
  /** queued: goes out when connected; held: waits for trust() after a key change. */
  state: OutboxState;
  /** The last refusal for now (relay-disk-full, ...), if the relay refused it so. */
  reason?: string;
  /** Refusals for now so far. */
  attempts: number;
}

/** The entry as a QueuedMessage, or null for plumbing the user never wrote. */
export function toQueued(e: OutboxEntry): QueuedMessage | null {
  const c = e.content;
  if (c.kind !== 'text' && c.kind !== 'group-text') return null;
  return {
    msgId: e.msgId,
    conversation: e.conversation,
    ...(c.kind === 'text' && e.peerName !== undefined ? { to: e.peerName } : {}),
    text: c.body,
    sentAtMs: e.sentAtMs,
    state: e.state,
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    attempts: e.attempts,
  };
}
