/**
 * A new outgoing text message: validated, then written to the outbox and the
 * history in one batch, so it is either in both or in neither. Sealing happens
 * later (sender.ts), when the recipient's key is known and trusted.
 */
import { randomBytes } from '../../crypto/random.js';
import { toHex } from '../../util/bytes.js';
import { MAX_TEXT_BYTES, MSG_ID_BYTES } from '../../wire/limits.js';
import { normalizePseudonym, pseudonymKey, pseudonymProblem } from '../../wire/text.js';
import type { Contacts } from '../contacts.js';
import { type ConversationId, directConversation } from '../conversations/ids.js';
import { PeerCode, peerError } from '../errors.js';
import type { KvOp } from '../store.js';
import type { History, HistoryEntry } from './history.js';
import type { Outbox, OutgoingContent } from './outbox.js';

export interface Composed {
  msgId: string;
  conversation: ConversationId;
  ops: KvOp[];
  /** The recipient's key changed: the message must be held, not sent. */
  held: boolean;
}

export interface ComposeDeps {
  outbox: Outbox;
  history: History;
  contacts: Contacts;
  myName: string;
}

/** Throws E_BAD_PSEUDONYM, E_SELF, E_EMPTY_MESSAGE or E_TOO_LARGE. */
export function composeText(deps: ComposeDeps, to: string, text: string, nowMs: number): Composed {
  const name = checkRecipient(deps, to);
  if (text.length === 0) throw peerError(PeerCode.EmptyMessage, 'send: the message is empty');
  if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) {
    throw peerError(PeerCode.TooLarge, `send: the message is over ${MAX_TEXT_BYTES} bytes`);
  }
  return compose(deps, name, { kind: 'text', body: text }, text, nowMs);
}

/**
 * A file offer to `to` (docs/files.md), queued like any message: `line` is what the
 * history shows ("sent a file: ..."). Throws E_BAD_PSEUDONYM, E_SELF.
 */
export function composeOffer(
  deps: ComposeDeps,
  to: string,
  content: Extract<OutgoingContent, { kind: 'file-offer' }>,
  line: string,
  nowMs: number,
): Composed {
  return compose(deps, checkRecipient(deps, to), content, line, nowMs);
}

/** The recipient's name, normalised. E_BAD_PSEUDONYM, E_SELF. */
function checkRecipient(deps: ComposeDeps, to: string): string {
  const typed = normalizePseudonym(to);
  const problem = pseudonymProblem(typed);
  if (problem !== null) throw peerError(PeerCode.BadPseudonym, `send: recipient name ${problem}`);
  // An old name of a contact who renamed themselves: their conversation under the new one.
  const name = deps.contacts.currentName(typed);
  if (pseudonymKey(name) === pseudonymKey(deps.myName)) {
    throw peerError(PeerCode.Self, 'send: you cannot message yourself');
  }
  return name;
}

function compose(
  deps: ComposeDeps,
  name: string,
  content: OutgoingContent,
  text: string,
  nowMs: number,
): Composed {
  const contact = deps.contacts.get(name);
  const msgId = toHex(randomBytes(MSG_ID_BYTES));
  const conversation = directConversation(name);
  const { ops } = deps.outbox.enqueueOps({
    msgId,
    conversation,
    peerName: name,
    content,
    sentAtMs: nowMs,
  });
  const entry: HistoryEntry = {
    conversation,
    direction: 'out',
    msgId,
    peer: {
      pseudonym: contact?.pseudonym ?? name,
      userId: contact ? toHex(contact.card.userId) : '',
    },
    text,
    sentAtMs: nowMs,
    state: 'queued',
  };
  return {
    msgId,
    conversation,
    ops: [...ops, ...deps.history.appendOps(entry, { atMs: nowMs })],
    held: contact?.pending != null,
  };
}
