/**
 * Group changes kept in a group's history beside its messages (docs/decisions.md,
 * "A group's changes are kept in its history"): one entry per change the core
 * applied and announced, written in the batch that applied it.
 *
 *   v1!hevent!<conv hex>!<time, 16 digits>!<local seq, 16 digits>  → GroupEventEntry
 *   v1!heventid!<gid hex>!<log seq, 10 digits>                     → its hevent key
 *
 * The time and local sequence are those of the message history (history.ts, one
 * counter), so an event and a message compare by the same suffix and a merge of the
 * two ranges keeps the order they were taken in. Kept under their own prefix so that a
 * store from before has none (and reads as it did) and an older natter reading a newer
 * store sees only messages. The id key holds one entry per change: a change applied
 * again (it cannot be, the state's seq forbids it; this is the store's own guard) adds none.
 */
import { toHex, utf8 } from '../../util/bytes.js';
import type { ConversationId } from '../conversations/ids.js';
import type { GroupNotice } from '../group-events.js';
import { fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';
import type { HistoryEntry } from './history.js';

/** What a conversation's history holds: messages and, in a group, its changes. */
export type HistoryItem = HistoryEntry | GroupEventEntry;

/** One membership change as its group's history keeps it. */
export interface GroupEventEntry {
  kind: 'event';
  conversation: ConversationId;
  /** Hex. */
  groupId: string;
  /** The change's place in the group's log: with groupId, what makes it one. */
  seq: number;
  /** Names are pseudonyms as they were then: peer text, sanitise before display. */
  notice: GroupNotice;
  /** Our clock, when it was applied (the item's arrival stamp, GroupWork.stamp()). */
  atMs: number;
}

/** True for a group change, false for a message (entries stored before events have no kind). */
export function isGroupEvent(item: HistoryItem): item is GroupEventEntry {
  return (item as { kind?: unknown }).kind === 'event';
}

/**
 * When an item happened on this machine's clock: received (incoming), written (mine), or
 * applied (a group's change). The order the chat and `natter history` show items in.
 */
export function itemTime(item: HistoryItem): number {
  if (isGroupEvent(item)) return item.atMs;
  return item.direction === 'in' ? (item.receivedAtMs ?? item.sentAtMs) : item.sentAtMs;
}

/** Where a conversation's messages are (history.ts). */
export const messagesPrefix = (conversation: ConversationId) =>
  `${PREFIX.history}${toHex(utf8(conversation))}!`;

/** Where a group's changes are. */
export const eventsPrefix = (conversation: ConversationId) =>
  `${PREFIX.historyEvent}${toHex(utf8(conversation))}!`;

/** The id key of change `seq` of group `gid` (hex): points at its hevent key. */
export const eventIdKey = (gid: string, seq: number) =>
  `${PREFIX.historyEventById}${gid}!${fixedWidth(seq, 10)}`;

/** The ops that keep `event`, numbered `localSeq` (history.ts's counter). */
export function eventOps(event: GroupEventEntry, localSeq: number): KvOp[] {
  const key = `${eventsPrefix(event.conversation)}${fixedWidth(event.atMs)}!${fixedWidth(localSeq)}`;
  return [putJson(key, event), putJson(eventIdKey(event.groupId, event.seq), key)];
}

/** True when change `seq` of group `gid` (hex) has its entry already. */
export async function hasEvent(store: PeerStore, gid: string, seq: number): Promise<boolean> {
  return (await store.get(eventIdKey(gid, seq))) !== undefined;
}

/** The newest `limit` values under `prefix`, newest first. */
export async function newest<T>(store: PeerStore, prefix: string, limit: number): Promise<T[]> {
  const out: T[] = [];
  for await (const [, entry] of store.scan<T>(prefix, { reverse: true, limit })) out.push(entry);
  return out;
}
