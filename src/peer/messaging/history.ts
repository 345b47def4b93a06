/**
 * Local message history, per conversation, in the profile's LevelDB.
 *
 *   v1!hist!<conv hex>!<time, 16 digits>!<local seq, 16 digits>  → entry   (sorted per conversation)
 *   v2!histid!out!<msg id hex>                                 → hist key (my messages: status updates)
 *   v2!histid!in!<sender user id hex>!<msg id hex>             → hist key (received messages)
 *   v1!unread!<local seq, 16 digits>                           → hist key (not yet shown by `inbox`)
 *   (group changes beside them, on the same clock and counter: history-events.ts)
 *
 * Message ids are chosen by their senders, so they are looked up in the sender's
 * namespace (issue 10): a message from someone else that carries the id of mine,
 * or of another sender's, neither replaces nor is taken for it. Before issue 10
 * the index was one namespace (v1!histid!<msg id hex>); those keys are still read,
 * and what they point to is used only if its direction and sender match.
 *
 * The local sequence number breaks ties between equal timestamps and keeps keys
 * unique; it is persisted with every batch that uses it (meta!seq).
 */
import type { ConversationId } from '../conversations/ids.js';
import type { OutgoingState } from '../events.js';
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';
import {
  messagesPrefix as convPrefix,
  eventOps,
  type GroupEventEntry,
  type HistoryItem,
  hasEvent,
  newest,
} from './history-events.js';
import { findEntry, idKey, indexKeys, inKey, outKey } from './history-keys.js';
import { readPage } from './history-pages.js';
import { RecentOutgoing } from './history-recent.js';

export interface HistoryEntry {
  conversation: ConversationId;
  direction: 'in' | 'out';
  /** Hex. */
  msgId: string;
  /** The other party. `userId` (hex) is empty for an outgoing message not yet resolved. */
  peer: { pseudonym: string; userId: string };
  text: string;
  sentAtMs: number;
  /** Incoming: when it became durable here. */
  receivedAtMs?: number;
  /** Outgoing only. */
  state?: OutgoingState;
  reason?: string;
}

const SEQ_KEY = `${PREFIX.meta}seq`;
const noop = () => undefined;

export { RECENT_OUTGOING_ENTRIES } from './history-recent.js';

/** Later states win; a late SendAck must not turn 'delivered' back into 'stored'. */
const RANK: Record<OutgoingState, number> = {
  queued: 0,
  held: 1,
  failed: 2,
  stored: 3,
  delivered: 4,
};

export { indexKeys };

export class History {
  private seq = 0;
  private taking: Promise<unknown> = Promise.resolve();
  private rewriting: Promise<unknown> = Promise.resolve();
  private readonly updating = new Map<string, Promise<void>>();
  private readonly recent = new RecentOutgoing();
  /** Keys of my messages being deleted (writeDeletion()): no update() writes them back. */
  private readonly deleting = new Set<string>();

  private constructor(private readonly store: PeerStore) {}

  static async load(store: PeerStore): Promise<History> {
    const h = new History(store);
    h.seq = Number((await store.get(SEQ_KEY)) ?? 0);
    return h;
  }

  /** Ops that append `entry` (and mark it unread if asked). Write them in the caller's batch. */
  appendOps(entry: HistoryEntry, options: { unread?: boolean; atMs: number }): KvOp[] {
    const seq = ++this.seq;
    const key = `${convPrefix(entry.conversation)}${fixedWidth(options.atMs)}!${fixedWidth(seq)}`;
    const ops: KvOp[] = [
      putJson(key, entry),
      putJson(idKey(entry), key),
      { type: 'put', key: SEQ_KEY, value: String(this.seq) },
    ];
    if (options.unread) ops.push(putJson(PREFIX.unread + fixedWidth(seq), key));
    if (entry.direction === 'out') this.recent.remember(entry.msgId, key, entry);
    return ops;
  }

  /** One of my messages, by its id (hex); one erase() took away is still answered for. */
  async outgoing(msgId: string): Promise<HistoryEntry | undefined> {
    const gone = this.recent.endedAs(msgId);
    if (gone !== undefined) return gone;
    const recent = this.recent.get(msgId);
    if (recent !== undefined) return recent.entry;
    return (await findEntry(this.store, outKey(msgId), msgId, (e) => e.direction === 'out'))?.entry;
  }

  /** A message received from `senderUserId` (hex), by its id (hex). */
  async incoming(senderUserId: string, msgId: string): Promise<HistoryEntry | undefined> {
    const mine = (e: HistoryEntry) => e.direction === 'in' && e.peer.userId === senderUserId;
    return (await findEntry(this.store, inKey(senderUserId, msgId), msgId, mine))?.entry;
  }

  /**
   * Moves one of my messages to `state` (never backwards, see RANK) and applies
   * `patch`. Returns the updated entry, or undefined if unknown or unchanged.
   */
  update(
    msgId: string,
    state: OutgoingState,
    patch: Partial<Pick<HistoryEntry, 'peer' | 'reason'>> = {},
  ): Promise<HistoryEntry | undefined> {
    return this.inTurn([msgId], () => this.apply(msgId, state, patch));
  }

  /**
   * Read-modify-write: two updates of one message in flight at once (the sealer
   * filling in the peer id, a SendAck marking it stored) would lose one of them.
   * Updates of the same message run one after another.
   */
  private inTurn<T>(msgIds: readonly string[], step: () => Promise<T>): Promise<T> {
    const run = Promise.all(msgIds.map((id) => this.updating.get(id))).then(step);
    const settled = run.then(noop, noop);
    for (const id of msgIds) this.updating.set(id, settled);
    void settled.then(() => {
      for (const id of msgIds) if (this.updating.get(id) === settled) this.updating.delete(id);
    });
    return run;
  }

  /**
   * Runs `step`, which moves entries to another conversation's keys (history-move.ts), with
   * no update of my messages `msgIds` and no unread take under way; what this process
   * remembers of those messages is then read from the store again.
   */
  exclusive<T>(msgIds: readonly string[], step: () => Promise<T>): Promise<T> {
    return this.inTurn(msgIds, () =>
      this.takeTurn(async () => {
        const done = await step();
        for (const id of msgIds) this.recent.forget(id);
        return done;
      }),
    );
  }

  /** Runs deletions and moves of whole conversations (history-delete.ts, -move.ts) in turn. */
  rewrite<T>(step: () => Promise<T>): Promise<T> {
    const run = this.rewriting.then(step);
    this.rewriting = run.catch(noop);
    return run;
  }

  /** The local seq of the last entry appended (a move takes entries up to it). */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Takes one of my messages out of the history for good (its recipient does not
   * exist: docs/decisions.md), after moving it to `state` with `reason`. This
   * process still answers outgoing() for it, so a command waiting on it reads why
   * (up to RECENT_OUTGOING_ENTRIES such answers); later update()s change nothing.
   */
  erase(msgId: string, state: OutgoingState, reason: string): Promise<HistoryEntry | undefined> {
    return this.inTurn([msgId], async () => {
      const found =
        this.recent.get(msgId) ??
        (await findEntry(this.store, outKey(msgId), msgId, (e) => e.direction === 'out'));
      if (found === undefined) return undefined;
      const ended: HistoryEntry = { ...found.entry, state, reason };
      await this.store.write([del(found.key), del(outKey(msgId)), del(PREFIX.historyById + msgId)]);
      this.recent.end(msgId, ended);
      return ended;
    });
  }

  private async apply(
    msgId: string,
    state: OutgoingState,
    patch: Partial<Pick<HistoryEntry, 'peer' | 'reason'>>,
  ): Promise<HistoryEntry | undefined> {
    if (this.recent.endedAs(msgId) !== undefined) return undefined;
    const found =
      this.recent.get(msgId) ??
      (await findEntry(this.store, outKey(msgId), msgId, (e) => e.direction === 'out'));
    if (found === undefined) return undefined;
    const { key, entry } = found;
    const current = entry.state ?? 'queued';
    const forward = RANK[state] > RANK[current] || (current === 'held' && state === 'queued');
    if (!forward && patch.peer === undefined) return undefined;
    const updated: HistoryEntry = { ...entry, ...patch, state: forward ? state : current };
    // Checked with no await before the write is queued: see writeDeletion().
    if (this.deleting.has(key)) return undefined;
    await this.store.write([putJson(key, updated)]);
    this.recent.remember(msgId, key, updated);
    return forward ? updated : undefined;
  }

  /**
   * Writes `ops`, which delete history entries (history-delete.ts); `mine` are my messages
   * among them. This process forgets them, and an update() that read one before the
   * delete was queued does not put it back after it: it checks `deleting` just before
   * queueing its write, and the keys stay there until every update in flight has ended.
   */
  async writeDeletion(ops: KvOp[], mine: readonly { msgId: string; key: string }[]) {
    for (const m of mine) {
      this.recent.forget(m.msgId);
      this.deleting.add(m.key);
    }
    try {
      await this.store.write(ops);
      await Promise.all(this.updating.values());
    } finally {
      for (const m of mine) this.deleting.delete(m.key);
    }
  }

  /** Ops that keep a group change in its group's history (history-events.ts); none if kept already. */
  async eventOps(event: GroupEventEntry): Promise<KvOp[]> {
    if (await hasEvent(this.store, event.groupId, event.seq)) return [];
    return [...eventOps(event, ++this.seq), { type: 'put', key: SEQ_KEY, value: String(this.seq) }];
  }

  /** The last `limit` messages of a conversation, oldest first. */
  async list(conversation: ConversationId, limit = 100): Promise<HistoryEntry[]> {
    return (await newest<HistoryEntry>(this.store, convPrefix(conversation), limit)).reverse();
  }

  /** The last `limit` messages and group changes of a conversation, oldest first. */
  async timeline(conversation: ConversationId, limit = 100): Promise<HistoryItem[]> {
    if (limit <= 0) return [];
    return (await readPage(this.store, conversation, { newest: true }, limit)).items;
  }

  /**
   * Every unread incoming entry (the oldest `limit` when given), oldest first, with the
   * mark markRead() clears; clears nothing. A UI that must not lose a message to a failed
   * write (`natter inbox | head -1`, issue 13) shows the entries first and then clears the
   * marks of those it showed.
   */
  unread(limit?: number): Promise<{ mark: string; entry: HistoryEntry }[]> {
    return this.takeTurn(async () => {
      const marks: [string, string][] = [];
      const range = limit === undefined ? {} : { limit };
      for await (const pair of this.store.scan<string>(PREFIX.unread, range)) marks.push(pair);
      const out: { mark: string; entry: HistoryEntry }[] = [];
      for (const [mark, key] of marks) {
        const entry = await this.store.getJson<HistoryEntry>(key);
        if (entry !== undefined) out.push({ mark, entry });
      }
      return out;
    });
  }

  /** Durably clears unread marks from unread(); marks of other keys are ignored. */
  markRead(marks: readonly string[]): Promise<void> {
    const ops = marks.filter((m) => m.startsWith(PREFIX.unread)).map((m) => del(m));
    return this.takeTurn(() => this.store.write(ops));
  }

  /**
   * Takes every unread incoming entry, oldest first, and durably clears the unread
   * marks before returning, so a message is shown at most once even if the caller
   * crashes while printing (it stays in history either way).
   */
  takeUnread(): Promise<HistoryEntry[]> {
    return this.takeTurn(async () => {
      const ops: KvOp[] = [];
      const keys: string[] = [];
      for await (const [unreadKey, histKey] of this.store.scan<string>(PREFIX.unread)) {
        ops.push(del(unreadKey));
        keys.push(histKey);
      }
      const entries: HistoryEntry[] = [];
      for (const key of keys) {
        const e = await this.store.getJson<HistoryEntry>(key);
        if (e !== undefined) entries.push(e);
      }
      await this.store.write(ops);
      return entries;
    });
  }

  /** Serialised: two overlapping takes must not both return the same entries. */
  private takeTurn<T>(step: () => Promise<T>): Promise<T> {
    const run = this.taking.then(step);
    this.taking = run.catch(() => undefined);
    return run;
  }
}
