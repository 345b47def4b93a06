/**
 * The id keys of history entries (history.ts): a message is looked up in the namespace of
 * whoever chose its id (issue 10), and in the one namespace of before, read, never written.
 */
import type { PeerStore } from '../store.js';
import { PREFIX } from '../store.js';
import type { HistoryEntry } from './history.js';

export const outKey = (msgId: string) => `${PREFIX.historyById2}out!${msgId}`;
export const inKey = (senderUserId: string, msgId: string) =>
  `${PREFIX.historyById2}in!${senderUserId}!${msgId}`;

/** The id key of an entry: in the namespace of whoever chose its id. */
export const idKey = (e: HistoryEntry) =>
  e.direction === 'out' ? outKey(e.msgId) : inKey(e.peer.userId, e.msgId);

/** Every id key that may point at an entry: its own, and the pre-issue-10 global one. */
export const indexKeys = (e: HistoryEntry) => [idKey(e), PREFIX.historyById + e.msgId];

/** The entry under `namespaced`, or under the pre-issue-10 global key if it is `wanted`. */
export async function findEntry(
  store: PeerStore,
  namespaced: string,
  msgId: string,
  wanted: (e: HistoryEntry) => boolean,
): Promise<{ key: string; entry: HistoryEntry } | undefined> {
  for (const indexKey of [namespaced, PREFIX.historyById + msgId]) {
    const key = await store.getJson<string>(indexKey);
    const entry = key === undefined ? undefined : await store.getJson<HistoryEntry>(key);
    if (key !== undefined && entry !== undefined && wanted(entry)) return { key, entry };
  }
  return undefined;
}
