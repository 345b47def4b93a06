/** A received history entry as the UI sees it (events.ts ReceivedMessage). */
import { fingerprint } from '../../crypto/keys.js';
import { fromHex } from '../../util/bytes.js';
import type { ReceivedMessage } from '../events.js';
import type { HistoryEntry } from './history.js';

/** An incoming history entry as the UI sees it. */
export function toReceived(e: HistoryEntry): ReceivedMessage {
  return {
    conversation: e.conversation,
    from: {
      pseudonym: e.peer.pseudonym,
      userId: e.peer.userId,
      fingerprint: fingerprint(fromHex(e.peer.userId)),
    },
    text: e.text,
    sentAtMs: e.sentAtMs,
    receivedAtMs: e.receivedAtMs ?? 0,
    msgId: e.msgId,
  };
}
