/**
 * What each outgoing content kind is on the wire (STYLE.md §6: a table, typed over
 * the kinds, so a new kind without an entry does not compile): the content sealed
 * for one recipient (null: sealed once for a whole group when composed,
 * groups/send.ts), and whether the user sees it (history, status events).
 */
import { fromHex } from '../../util/bytes.js';
import type { InnerContent } from '../../wire/types.js';
import { type ConversationId, parseConversationId } from '../conversations/ids.js';
import { loadOffer } from '../files/records.js';
import type { OutgoingContent, OutgoingKind } from './outbox.js';

const KINDS: {
  [K in OutgoingKind]: {
    inner: ((c: Extract<OutgoingContent, { kind: K }>) => InnerContent) | null;
    shown: boolean;
  };
} = {
  text: { inner: (c) => ({ kind: 'text', body: c.body }), shown: true },
  // Receipts are never shown, so their fate is nobody's news; they are retried all the same.
  receipt: { inner: (c) => ({ kind: 'receipt', msgIds: c.msgIds.map(fromHex) }), shown: false },
  // A group's sender key for one member (groups/shares.ts): plumbing, never shown.
  'sender-key': {
    inner: (c) => ({
      kind: 'sender-key',
      groupId: fromHex(c.groupId),
      epoch: c.epoch,
      share: fromHex(c.share),
    }),
    shown: false,
  },
  'group-text': { inner: null, shown: true },
  // A file offer (docs/files.md): shown in history as "sent a file: ...".
  'file-offer': { inner: (c) => ({ kind: 'file-offer', offer: loadOffer(c.offer) }), shown: true },
  'group-file-offer': { inner: null, shown: true },
  // My answer to a file offer (files/replies.ts): its sender's transfer list shows it.
  'file-reply': {
    inner: (c) => ({ kind: 'file-reply', transferId: fromHex(c.transferId), outcome: c.outcome }),
    shown: false,
  },
  // My cancel of a file I offered, to one recipient (files/cancels.ts): their list shows it.
  'file-cancel': {
    inner: (c) => ({ kind: 'file-cancel', transferId: fromHex(c.transferId) }),
    shown: false,
  },
};

/** The group id (hex) of a group conversation's outbox entry. */
export function groupIdOf(conversation: ConversationId): string {
  const ref = parseConversationId(conversation);
  return ref.kind === 'group' ? ref.groupId : '';
}

/** The content to seal for one recipient; null for a kind that is not sealed so. */
export const innerContent = (c: OutgoingContent): InnerContent | null => {
  const inner = KINDS[c.kind].inner as ((c: OutgoingContent) => InnerContent) | null;
  return inner === null ? null : inner(c);
};

/** True for the kinds a user sees (history entries, status events). */
export const isShown = (c: OutgoingContent): boolean => KINDS[c.kind].shown;
