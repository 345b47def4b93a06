/** History entries for tests of the local history (deleting it, keeping it for a time). */
import type { ConversationId } from '../../src/peer/conversations/ids.js';
import type { HistoryEntry } from '../../src/peer/messaging/history.js';

let ids = 0;
/** A fresh message id (hex), unique in the test process. */
export const nextMsgId = () => (++ids).toString(16).padStart(32, '0');

/** A message received at `at` in `conversation`, from `from` (hex id) named `who`. */
export function incomingEntry(
  conversation: ConversationId,
  from: string,
  at: number,
  who = 'bob',
): HistoryEntry {
  return {
    conversation,
    direction: 'in',
    msgId: nextMsgId(),
    peer: { pseudonym: who, userId: from },
    text: `hello at ${at}`,
    sentAtMs: at,
    receivedAtMs: at,
  };
}
