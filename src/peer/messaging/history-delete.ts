/**
 * Deleting a conversation's local history on this machine (docs/decisions.md, "Deleting
 * local history"): its messages and, in a group, its change lines, all of them or those
 * kept here before a time, each with every key that points at it: its id keys
 * (history.ts: v2!histid!, and the pre-issue-10 v1!histid! when that one points at it),
 * its unread mark (v1!unread!), a change's id key (v1!heventid!).
 *
 * Left alone: my messages still in the outbox (queued, or held for a key change), line
 * and all, since they are still sent and their line is where the user sees what becomes
 * of them; the seen set and the senders' counters, which keep replays out and gaps
 * counted whatever the history holds; contacts, keys, groups, file records; and the
 * local counter (meta!seq), so that no new entry ever takes a deleted one's key.
 *
 *   v1!hdel!<conv hex>  → { conversation, beforeMs }   a deletion under way
 *
 * Crash safety: the marker is written first; the entries then go in batches of
 * HISTORY_DELETE_CHUNK_ENTRIES, oldest first, each batch taking its entries together
 * with every key that points at them, so the store is whole after any batch (the
 * history just starts later); the marker goes last. A process that died midway finds
 * the marker when the profile is next opened, and finishes (resumeHistoryDeletions()).
 * Then the conversation's ranges are compacted, so the text leaves the files on disk
 * (compactDeleted()).
 */
import { toHex, utf8 } from '../../util/bytes.js';
import type { ConversationId } from '../conversations/ids.js';
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';
import { type History, type HistoryEntry, indexKeys } from './history.js';
import {
  eventIdKey,
  eventsPrefix,
  type GroupEventEntry,
  messagesPrefix,
} from './history-events.js';

/**
 * Entries per batch: one batch holds them and their keys (about four ops each), so a
 * deletion of 100,000 messages is not one 400,000-op batch held in memory at once,
 * while 1,000 keeps the fsyncs few (a hundred for those 100,000).
 */
export const HISTORY_DELETE_CHUNK_ENTRIES = 1_000;

/** What a deletion took (or, counted first, would take). */
export interface HistoryDeletion {
  /** Messages. */
  messages: number;
  /** A group's change lines. */
  events: number;
  /** My messages left because they are still in the outbox (queued or held). */
  kept: number;
  /** The entries kept here before this time (epoch ms, this machine's clock) were the ones. */
  beforeMs: number;
}

/** What a deletion works with. */
export interface DeletionParts {
  store: PeerStore;
  history: Pick<History, 'writeDeletion'>;
  /** True for a message of mine still in the outbox. */
  queued(msgId: string): boolean;
}

interface Marker {
  conversation: ConversationId;
  beforeMs: number;
}

const markerKey = (conversation: ConversationId) =>
  `${PREFIX.historyDelete}${toHex(utf8(conversation))}`;

/** What deleteHistory() would take now, with the same `beforeMs`; changes nothing. */
export function countHistory(
  p: DeletionParts,
  conversation: ConversationId,
  beforeMs: number,
): Promise<HistoryDeletion> {
  return walk(p, conversation, beforeMs, null);
}

/** Deletes the entries of `conversation` kept here before `beforeMs` (see the file comment). */
export async function deleteHistory(
  p: DeletionParts,
  conversation: ConversationId,
  beforeMs: number,
): Promise<HistoryDeletion> {
  const marker = markerKey(conversation);
  await p.store.write([putJson(marker, { conversation, beforeMs } satisfies Marker)]);
  const done = await walk(p, conversation, beforeMs, await unreadMarks(p.store, conversation));
  await p.store.write([del(marker)]);
  if (done.messages + done.events > 0) await compactDeleted(p.store, conversation);
  return done;
}

/**
 * What was deleted leaves the database's files too, not only what it reads: LevelDB keeps
 * a deleted value in its log and tables until a compaction passes over it, which may be
 * months away in a quiet profile. The conversation's two ranges hold every byte of its
 * text (the keys pointing at them hold only keys). A compaction that fails leaves the
 * deletion done, as it is; LevelDB's own compactions pass there in time.
 */
async function compactDeleted(store: PeerStore, conversation: ConversationId): Promise<void> {
  for (const prefix of [messagesPrefix(conversation), eventsPrefix(conversation)]) {
    await store.kv.compact({ gte: prefix, lt: `${prefix}\xff` }).catch(() => {});
  }
}

/** Finishes the deletions a process that died left under way (their markers). */
export async function resumeHistoryDeletions(p: DeletionParts): Promise<void> {
  const pending: Marker[] = [];
  for await (const [, m] of p.store.scan<Partial<Marker>>(PREFIX.historyDelete)) {
    if (typeof m.conversation === 'string' && typeof m.beforeMs === 'number')
      pending.push({ conversation: m.conversation, beforeMs: m.beforeMs });
  }
  for (const m of pending) await deleteHistory(p, m.conversation, m.beforeMs);
}

/** The unread marks of the conversation's messages: history key → mark. */
async function unreadMarks(store: PeerStore, conversation: ConversationId) {
  const prefix = messagesPrefix(conversation);
  const marks = new Map<string, string>();
  for await (const [mark, key] of store.scan<string>(PREFIX.unread)) {
    if (typeof key === 'string' && key.startsWith(prefix)) marks.set(key, mark);
  }
  return marks;
}

/**
 * Counts the entries before `beforeMs`, messages then changes, a batch at a time; with
 * `marks` (deleting), writes each batch's deletion before reading the next.
 */
async function walk(
  p: DeletionParts,
  conversation: ConversationId,
  beforeMs: number,
  marks: Map<string, string> | null,
): Promise<HistoryDeletion> {
  const sum: HistoryDeletion = { messages: 0, events: 0, kept: 0, beforeMs };
  const ranges = [messagesPrefix(conversation), eventsPrefix(conversation)];
  for (const [i, prefix] of ranges.entries()) {
    // Keys sort by the time they were kept (fixed width), so the range ends at beforeMs.
    const end = prefix + fixedWidth(beforeMs);
    let from = prefix;
    for (;;) {
      const chunk: [string, string][] = [];
      const range = { gte: from, lt: end, limit: HISTORY_DELETE_CHUNK_ENTRIES };
      for await (const pair of p.store.kv.entries(range)) chunk.push(pair);
      const ops: KvOp[] = [];
      const mine: { msgId: string; key: string }[] = [];
      for (const [key, raw] of chunk) {
        if (i === 1) {
          sum.events++;
          const e = JSON.parse(raw) as GroupEventEntry;
          if (marks !== null)
            ops.push(del(key), ...(await pointing(p.store, [eventIdKey(e.groupId, e.seq)], key)));
          continue;
        }
        const entry = JSON.parse(raw) as HistoryEntry;
        if (entry.direction === 'out' && p.queued(entry.msgId)) {
          sum.kept++;
          continue;
        }
        sum.messages++;
        if (marks === null) continue;
        ops.push(del(key), ...(await pointing(p.store, indexKeys(entry), key)));
        const mark = marks.get(key);
        if (mark !== undefined) ops.push(del(mark));
        if (entry.direction === 'out') mine.push({ msgId: entry.msgId, key });
      }
      if (ops.length > 0) await p.history.writeDeletion(ops, mine);
      const last = chunk[chunk.length - 1];
      if (last === undefined || chunk.length < HISTORY_DELETE_CHUNK_ENTRIES) break;
      // Past the last one read: entries kept (still in the outbox) are not read again.
      from = `${last[0]}\x00`;
    }
  }
  return sum;
}

/** Deletes of those of `indexes` that point at `key` (one pointing elsewhere is another's). */
async function pointing(store: PeerStore, indexes: string[], key: string): Promise<KvOp[]> {
  const ops: KvOp[] = [];
  for (const index of indexes) if ((await store.getJson(index)) === key) ops.push(del(index));
  return ops;
}
