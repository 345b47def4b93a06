/**
 * The end-to-end envelope (DESIGN.md §3): an `Inner` sealed with nacl.box for one
 * recipient, and the checks a receiver makes after opening one.
 *
 * A box from A to B also opens on A's side (the shared key is symmetric), the relay
 * chooses `from` and `msg_id`, and it can replay stored mail. So after the box opens
 * the receiver checks that the authenticated plaintext agrees with the routing:
 * sender = the key that opened it (reflection), addressed to a conversation I am
 * in (misrouting: for 1:1, recipient = me), msg id = the outer one, and the id
 * was never seen before (replay).
 */
import type { BoxKeyring } from '../../crypto/box.js';
import { verifyBoxKey } from '../../crypto/keys.js';
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

/** Anything that can say whether a message id was already accepted (seen.ts). */
export interface SeenLookup {
  has(msgId: Uint8Array): boolean | Promise<boolean>;
}

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
 * Opens one delivered message for `audience`. Never throws: every failure is a
 * typed reason, so one hostile message costs its own drop and nothing else.
 */
export async function openDeliver(
  keyring: BoxKeyring,
  audience: Audience,
  deliver: FrameOf<'deliver'>,
  seen: SeenLookup,
): Promise<OpenResult> {
  const from = deliver.from;
  try {
    if (!verifyBoxKey(from.userId, from.boxPk, from.boxSig)) {
      return reject('bad-card', "the sender's box key is not signed by their identity key");
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
    if (await seen.has(inner.msgId)) return reject('replay', 'message id already accepted');
    return { ok: true, inner, from, conversation };
  } catch (err) {
    return reject('malformed', `unexpected: ${(err as Error).message}`);
  }
}
