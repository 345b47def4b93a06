/**
 * Searching a conversation's whole local history (the chat's /search): its messages read
 * newest first straight from the store, as many as it holds, keeping those `matches`
 * accepts, up to `maxHits`. No index: a scan reads each entry once (15,000 in about
 * 70 ms from LevelDB, JSON included), and the iterator's batches are awaited, so the
 * process goes on serving keys and events in between. Group changes are not searched
 * (docs/decisions.md, "/search does not match change lines").
 */
import type { ConversationId } from '../conversations/ids.js';
import type { PeerStore } from '../store.js';
import type { HistoryEntry } from './history.js';
import { messagesPrefix } from './history-events.js';

export interface HistorySearch {
  /** The matching messages, newest first, at most maxHits of them. */
  hits: HistoryEntry[];
  /** Messages read: the whole conversation, unless maxHits stopped the scan first. */
  scanned: number;
}

export async function searchHistory(
  store: PeerStore,
  conversation: ConversationId,
  matches: (entry: HistoryEntry) => boolean,
  maxHits: number,
): Promise<HistorySearch> {
  const hits: HistoryEntry[] = [];
  let scanned = 0;
  if (maxHits <= 0) return { hits, scanned };
  for await (const [, entry] of store.scan<HistoryEntry>(messagesPrefix(conversation), {
    reverse: true,
  })) {
    scanned++;
    if (!matches(entry)) continue;
    hits.push(entry);
    if (hits.length >= maxHits) break;
  }
  return { hits, scanned };
}
