/**
 * A conversation's history read a page at a time by cursor (the chat's scrolling): the
 * newest page, the page before or after an item, or a page around one message. Each read
 * is a range read of the store from where it starts, so paging through a conversation
 * reads each entry once (docs/decisions.md, "Paging by cursor"); reading the newest N
 * again with a larger N each time read O(n²) entries to reach the first.
 *
 * A cursor is an item's key suffix, time then local seq (both fixed width): messages and a
 * group's changes are numbered by one counter (history-events.ts), so one cursor orders
 * both ranges and a page merges them (History.timeline() is the newest page). Cursors are
 * opaque to callers.
 */
import type { ConversationId } from '../conversations/ids.js';
import type { PeerStore } from '../store.js';
import type { HistoryEntry } from './history.js';
import { indexKeys } from './history.js';
import { eventsPrefix, type HistoryItem, messagesPrefix } from './history-events.js';

export interface HistoryPage {
  /** Oldest first. */
  items: HistoryItem[];
  /** Where each item is: cursors[i] is items[i]'s, for the next read. */
  cursors: string[];
  /** Older items are kept than the first of this page. */
  older: boolean;
  /** Newer items are kept than the last of this page. */
  newer: boolean;
}

/**
 * Where a page is read: the newest items; those before or after a cursor (not including
 * it); or around a message, the page ending just after it with up to half a page newer.
 */
export type PageAt =
  | { newest: true }
  | { before: string }
  | { after: string }
  | { around: HistoryEntry };

interface Keyed {
  cursor: string;
  item: HistoryItem;
}

/** The page of `conversation` at `at`, `limit` items at most (at least 1). */
export async function readPage(
  store: PeerStore,
  conversation: ConversationId,
  at: PageAt,
  limit: number,
): Promise<HistoryPage> {
  const n = Math.max(1, Math.floor(limit));
  if ('before' in at) {
    const older = await backward(store, conversation, at.before, n + 1);
    return page(older.slice(0, n).reverse(), older.length > n, true);
  }
  if ('after' in at) {
    const newer = await forward(store, conversation, `${at.after}\x00`, n + 1);
    return page(newer.slice(0, n), true, newer.length > n);
  }
  if ('around' in at) {
    const cursor = await cursorOf(store, conversation, at.around);
    if (cursor !== undefined) {
      // The message and what follows it, up to half a page; the rest of the page above it.
      const below = Math.max(1, Math.ceil(n / 2));
      const newer = await forward(store, conversation, cursor, below + 1);
      const above = n - Math.min(below, newer.length);
      const older = await backward(store, conversation, cursor, above + 1);
      return page(
        [...older.slice(0, above).reverse(), ...newer.slice(0, below)],
        older.length > above,
        newer.length > below,
      );
    }
  }
  const newest = await backward(store, conversation, '\xff', n + 1);
  return page(newest.slice(0, n).reverse(), newest.length > n, false);
}

function page(keyed: Keyed[], older: boolean, newer: boolean): HistoryPage {
  return {
    items: keyed.map((k) => k.item),
    cursors: keyed.map((k) => k.cursor),
    older,
    newer,
  };
}

/** Where message `entry` of `conversation` is kept, through its id key; none if it is not. */
async function cursorOf(
  store: PeerStore,
  conversation: ConversationId,
  entry: HistoryEntry,
): Promise<string | undefined> {
  const prefix = messagesPrefix(conversation);
  for (const indexKey of indexKeys(entry)) {
    const key = await store.getJson<string>(indexKey);
    if (key === undefined || !key.startsWith(prefix)) continue;
    const found = await store.getJson<HistoryEntry>(key);
    if (found?.msgId === entry.msgId && found.direction === entry.direction)
      return key.slice(prefix.length);
  }
  return undefined;
}

/** Up to `limit` items before `cursor`, newest first: both ranges, merged. */
async function backward(
  store: PeerStore,
  conversation: ConversationId,
  cursor: string,
  limit: number,
): Promise<Keyed[]> {
  const range = (prefix: string) => ({ gte: prefix, lt: prefix + cursor, reverse: true, limit });
  const a = await scan(store, messagesPrefix(conversation), range);
  const b = await scan(store, eventsPrefix(conversation), range);
  return merge(a, b, limit, (x, y) => x.cursor > y.cursor);
}

/** Up to `limit` items from `from` on (a cursor, included), oldest first. */
async function forward(
  store: PeerStore,
  conversation: ConversationId,
  from: string,
  limit: number,
): Promise<Keyed[]> {
  const range = (prefix: string) => ({ gte: prefix + from, lt: `${prefix}\xff`, limit });
  const a = await scan(store, messagesPrefix(conversation), range);
  const b = await scan(store, eventsPrefix(conversation), range);
  return merge(a, b, limit, (x, y) => x.cursor < y.cursor);
}

async function scan(
  store: PeerStore,
  prefix: string,
  range: (prefix: string) => { gte: string; lt: string; reverse?: boolean; limit: number },
): Promise<Keyed[]> {
  const out: Keyed[] = [];
  for await (const [key, value] of store.kv.entries(range(prefix))) {
    out.push({ cursor: key.slice(prefix.length), item: JSON.parse(value) as HistoryItem });
  }
  return out;
}

/** The first `limit` of two runs, each in the order `first` keeps. */
function merge(
  a: Keyed[],
  b: Keyed[],
  limit: number,
  first: (x: Keyed, y: Keyed) => boolean,
): Keyed[] {
  const out: Keyed[] = [];
  let i = 0;
  let j = 0;
  while (out.length < limit && (i < a.length || j < b.length)) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && first(x, y))) {
      out.push(x!);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}
