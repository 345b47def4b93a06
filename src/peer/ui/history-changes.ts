/**
 * What the core's events do to the entries the screen holds (history-view.ts): one more
 * entry, or a new state for one of my messages. Entries are never changed in place: the
 * line cache (line-cache.ts) knows them by identity.
 */
import {
  type HistoryEntry,
  type HistoryItem,
  type HistoryPage,
  isGroupEvent,
  type OutgoingState,
  type ReceivedMessage,
} from '../index.js';

/** What an event does to the entries: one more entry, or a new state for one. */
export type Change =
  | { type: 'add'; entry: HistoryItem }
  | { type: 'state'; msgId: string; state: OutgoingState; reason?: string };

/** The history entry the core stored for a received message (history.ts). */
export function receivedEntry(m: ReceivedMessage): HistoryEntry {
  return {
    conversation: m.conversation,
    direction: 'in',
    msgId: m.msgId,
    peer: { pseudonym: m.from.pseudonym, userId: m.from.userId },
    text: m.text,
    sentAtMs: m.sentAtMs,
    receivedAtMs: m.receivedAtMs,
  };
}

/** What makes an item one: a message's id, or a change's group and log seq. */
export function itemKey(e: HistoryItem): string {
  return isGroupEvent(e) ? `#${e.groupId}!${e.seq}` : e.msgId;
}

/** `entries` with `change` made; the same array when it changes nothing. Entries are never mutated. */
export function apply(entries: HistoryItem[], change: Change): HistoryItem[] {
  if (change.type === 'add') {
    const key = itemKey(change.entry);
    if (entries.some((e) => itemKey(e) === key)) return entries;
    return [...entries, change.entry];
  }
  const at = entries.findIndex(
    (e) => !isGroupEvent(e) && e.msgId === change.msgId && e.direction === 'out',
  );
  const old = entries[at];
  if (old === undefined || isGroupEvent(old)) return entries;
  const updated: HistoryEntry = {
    ...old,
    state: change.state,
    ...(change.reason === undefined ? {} : { reason: change.reason }),
  };
  return [...entries.slice(0, at), updated, ...entries.slice(at + 1)];
}

/** Where each entry held is kept (by itemKey()), for the next page's read; events carry none. */
export class Cursors {
  private map = new Map<string, string>();

  clear(): void {
    this.map = new Map();
  }

  /** `entries` are held now, `page` just read among them: its cursors, and those still held. */
  keep(entries: readonly HistoryItem[], page: HistoryPage): void {
    const map = new Map<string, string>();
    page.items.forEach((e, i) => {
      const cursor = page.cursors[i];
      if (cursor !== undefined) map.set(itemKey(e), cursor);
    });
    for (const e of entries) {
      const key = itemKey(e);
      const known = this.map.get(key);
      if (known !== undefined && !map.has(key)) map.set(key, known);
    }
    this.map = map;
  }

  /** The cursor of the first (last) of `entries` that came from a read. */
  at(entries: readonly HistoryItem[], end: 'first' | 'last'): string | undefined {
    const n = entries.length;
    for (let i = 0; i < n; i++) {
      const cursor = this.map.get(itemKey(entries[end === 'first' ? i : n - 1 - i]!));
      if (cursor !== undefined) return cursor;
    }
    return undefined;
  }
}

/** `items` put before (`older`) or after `entries`, the far end cut to `most`; and whether it was. */
export function join(
  entries: readonly HistoryItem[],
  items: readonly HistoryItem[],
  older: boolean,
  most: number,
): { entries: HistoryItem[]; cut: boolean } {
  const all = older ? [...items, ...entries] : [...entries, ...items];
  if (all.length <= most) return { entries: all, cut: false };
  return { entries: older ? all.slice(0, most) : all.slice(all.length - most), cut: true };
}
