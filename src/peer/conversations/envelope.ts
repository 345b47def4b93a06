/**
 * The end-to-end envelope (DESIGN.md §3): an `Inner` sealed with nacl.box for one
 * recipient, and the checks a receiver makes after opening one.
 *
 * A box from A to B also opens on A's side (the shared key is symmetric), the relay
 * chooses `from` and `msg_id`, and it can replay stored mail. So after the box opens
 * the receiver checks that the authenticated plaintext agrees with the routing:
 * sender = the key that opened it (reflection), addressed to a conversation I am
 * in (misrouting: for 1:1, recipient = me), msg id = the outer one, the sender
 * never had this id accepted before (replay; ids are the sender's namespace, so
 * another user's message with the same id is not a copy of it), and the send time
 * is within the mail lifetime (issue 10: without it, a relay that kept old mail
 * could replay it to a profile whose seen-set is gone). The sender's counter is
 * checked next, against what was accepted from them before (messaging/counters.ts).
 */
import type { BoxKeyring } from '../../crypto/box.js';
import { verifyCard } from '../../crypto/card.js';
import { bytesEqual } from '../../util/bytes.js';
import { decodeInner, encodeInner } from '../../wire/codec.js';
import { pseudonymKey } from '../../wire/text.js';
import type { Card, FrameOf, Inner } from '../../wire/types.js';
import type { RejectReason } from '../events.js';
import type { ConversationId } from './ids.js';

export interface Sealed {
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

export type OpenResult =
  | { ok: true; inner: Inner; from: Card; conversation: ConversationId }
  | { ok: false; reason: RejectReason; detail: string };

/**
 * The conversations a receiver is in. The sealed plaintext names its recipient
 * (a user id, or a group id later); the audience says which of this client's
 * conversations that is, or null when it is none of them (misrouted).
 */
export interface Audience {
  /** My user id: a box sealed by me and delivered back to me is a reflection. */
  readonly me: Uint8Array;
  conversationOf(inner: Inner): ConversationId | null;
}

/** Anything that can say whether a sender's message id was already accepted (seen.ts). */
export interface SeenLookup {
  has(sender: Uint8Array, msgId: Uint8Array): boolean | Promise<boolean>;
}

/**
 * How long the relay keeps undelivered mail: its TTL (src/relay/limits.ts
 * `mailTtlMs`; a test holds the two equal). Mail older than this plus the slack
 * cannot come from an honest relay.
 */
export const MAIL_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Send time is when the message was written, not when the relay stored it: it may
 * wait in its sender's outbox first (a laptop closed over a week off, a contact
 * held for trust(), a full relay), and clocks drift. Older than lifetime + slack
 * is refused as 'expired'.
 */
export const SEND_TIME_SLACK_MS = 7 * 24 * 60 * 60 * 1000;

/** The oldest send time accepted, as an age: also how long a seen id must be kept (seen.ts). */
export const MAX_MESSAGE_AGE_MS = MAIL_LIFETIME_MS + SEND_TIME_SLACK_MS;

/**
 * How far ahead of ours a sender's clock may run before its message is refused as
 * 'future-dated': a machine whose time zone is set wrong is whole hours off. It
 * also bounds how long a seen id can outlive its pruning window.
 */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * The send-time window of every message, 1:1 (openDeliver) and group
 * (groups/receive.ts): older than MAX_MESSAGE_AGE_MS is 'expired', further ahead
 * of `nowMs` than MAX_FUTURE_SKEW_MS is 'future-dated', else null.
 */
export function sendTimeRefusal(
  sentAtMs: number,
  nowMs: number,
): 'expired' | 'future-dated' | null {
  if (sentAtMs < nowMs - MAX_MESSAGE_AGE_MS) return 'expired';
  if (sentAtMs > nowMs + MAX_FUTURE_SKEW_MS) return 'future-dated';
  return null;
}

const SEND_TIME_DETAIL = {
  expired: 'sent before the oldest mail a relay may still hold',
  'future-dated': "sent further ahead of our clock than a sender's may run",
} as const;

/** Seals `inner` for the holder of `recipientBoxPk`; the keyring picks the nonce. */
export function sealInner(keyring: BoxKeyring, recipientBoxPk: Uint8Array, inner: Inner): Sealed {
  return keyring.seal(recipientBoxPk, encodeInner(inner));
}

const reject = (reason: RejectReason, detail: string): OpenResult => ({
  ok: false,
  reason,
  detail,
});

/**
 * Opens one delivered message for `audience`, at `nowMs` on our clock. Never
 * throws: every failure is a typed reason, so one hostile message costs its own
 * drop and nothing else.
 */
export async function openDeliver(
  keyring: BoxKeyring,
  audience: Audience,
  deliver: FrameOf<'deliver'>,
  seen: SeenLookup,
  nowMs: number,
): Promise<OpenResult> {
  const from = deliver.from;
  try {
    if (!verifyCard(from)) {
      return reject(
        'bad-card',
        "the sender's card is not signed by their identity key as it reads",
      );
    }
    const opened = keyring.open(from.boxPk, deliver.nonce, deliver.ciphertext);
    if (!opened.ok) return reject('open-failed', `box did not open: ${opened.reason}`);
    let inner: Inner;
    try {
      inner = decodeInner(opened.plaintext);
    } catch (err) {
      return reject('malformed', `inner envelope: ${(err as Error).message}`);
    }
    if (bytesEqual(inner.sender, audience.me)) {
      return reject('reflected', 'my own message was delivered back to me');
    }
    if (!bytesEqual(inner.sender, from.userId)) {
      return reject('sender-mismatch', 'inner sender is not the key that sealed the box');
    }
    if (pseudonymKey(inner.senderName) !== pseudonymKey(from.pseudonym)) {
      return reject('sender-mismatch', 'inner sender name does not match the relay card');
    }
    const conversation = audience.conversationOf(inner);
    if (conversation === null) {
      return reject('misrouted', 'inner recipient is not a conversation I am in');
    }
    if (!bytesEqual(inner.msgId, deliver.msgId)) {
      return reject('msg-id-mismatch', 'inner message id differs from the outer one');
    }
    if (inner.counter < 1) return reject('malformed', 'inner counter must start at 1');
    if (await seen.has(inner.sender, inner.msgId)) {
      return reject('replay', "the sender's message id was already accepted");
    }
    // After the seen-set: a copy of a message accepted here is a quiet duplicate
    // while its id is remembered, and ids are kept exactly as long as this refuses.
    const late = sendTimeRefusal(inner.sentAtMs, nowMs);
    if (late !== null) return reject(late, SEND_TIME_DETAIL[late]);
    return { ok: true, inner, from, conversation };
  } catch (err) {
    return reject('malformed', `unexpected: ${(err as Error).message}`);
  }
}
