/**
 * Conversation ids (DESIGN.md §1: "the core hands out conversation ids, nobody
 * else builds them"). This module is their only producer; the type is branded,
 * so a plain string cannot pass for one by accident.
 *
 *   '@' + pseudonymKey(name)   a one-to-one conversation (what users think of as "the chat with bob")
 *   '#' + group id, hex        a group conversation (DESIGN.md §6, docs/groups.md)
 *
 * A direct id is a stored key (history keys, the outbox's counters): it must stay
 * exactly `@${pseudonymKey(name)}`, with the case-only fold of src/wire/text.ts.
 */
import { toHex, utf8 } from '../../util/bytes.js';
import { pseudonymKey } from '../../wire/text.js';
import { PeerCode, peerError } from '../errors.js';

declare const conversationBrand: unique symbol;

/** '@<case-folded pseudonym>' or '#<group id hex>'; made only by this module. */
export type ConversationId = string & { readonly [conversationBrand]: true };

/** What a conversation id names. */
export type ConversationRef =
  | {
      kind: 'direct';
      conversation: ConversationId /** pseudonymKey of the peer. */;
      peerKey: string;
    }
  | { kind: 'group'; conversation: ConversationId /** Lowercase hex. */; groupId: string };

export type ConversationKind = ConversationRef['kind'];

/** A group id is random and 128 bits (DESIGN.md §6): 32 lowercase hex digits. */
const GROUP_ID = /^[0-9a-f]{32}$/;

/**
 * The case-insensitive key of a pseudonym, under which the core files contacts,
 * conversations and the outbox. Exported so a UI compares names by the core's
 * rule instead of a copy of it.
 */
export { pseudonymKey };

/** The one-to-one conversation with `pseudonym` (any case or compatibility form). */
export function directConversation(pseudonym: string): ConversationId {
  return `@${pseudonymKey(pseudonym)}` as ConversationId;
}

/** The conversation of the group with id `groupIdHex` (32 hex digits). Throws E_BAD_CONVERSATION. */
export function groupConversation(groupIdHex: string): ConversationId {
  const id = groupIdHex.toLowerCase();
  if (!GROUP_ID.test(id)) {
    throw peerError(PeerCode.BadConversation, 'conversation: a group id is 32 hex digits');
  }
  return `#${id}` as ConversationId;
}

/**
 * Reads a conversation id that came from outside the core's types (a saved UI
 * state, a command line). Throws E_BAD_CONVERSATION unless it is exactly what
 * directConversation() or groupConversation() would have produced.
 */
export function parseConversationId(text: string): ConversationRef {
  const head = text.charAt(0);
  const rest = text.slice(1);
  if (head === '@' && rest.length > 0 && pseudonymKey(rest) === rest) {
    return { kind: 'direct', conversation: text as ConversationId, peerKey: rest };
  }
  if (head === '#' && GROUP_ID.test(rest)) {
    return { kind: 'group', conversation: text as ConversationId, groupId: rest };
  }
  throw peerError(
    PeerCode.BadConversation,
    `conversation: '${text.slice(0, 40)}' is not a conversation id ('@name' or '#group')`,
  );
}

/** True if `text` is a well-formed conversation id. */
export function isConversationId(text: string): text is ConversationId {
  try {
    parseConversationId(text);
    return true;
  } catch {
    return false;
  }
}

/** The peer's name key of a one-to-one conversation; undefined for a group. */
export function directPeerKey(conversation: ConversationId): string | undefined {
  return conversation.startsWith('@') ? conversation.slice(1) : undefined;
}

/**
 * The part of a store key that names a conversation (outbox counters, held
 * messages): the hex of a 1:1 peer key, as stored before conversation ids
 * existed; 'g' and the id for a group, which no hex key starts with.
 */
export function conversationStoreKey(conversation: ConversationId): string {
  const ref = parseConversationId(conversation);
  return ref.kind === 'direct' ? toHex(utf8(ref.peerKey)) : `g${ref.groupId}`;
}
