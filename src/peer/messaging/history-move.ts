/**
 * A renamed contact's history follows them (docs/decisions.md, "History follows the
 * person"): once the relay confirmed that a contact left a name (contacts.ts nameLeft),
 * what the one-to-one conversation under that name holds moves to the conversation under
 * the name they hold now, so that whoever registers the freed name next starts an empty
 * conversation instead of one that reads as theirs (a QA trial: carol, who took the
 * name bob left, wrote into bob's history). Each message keeps its `peer.pseudonym`: the
 * name it was written under.
 *
 *   v1!hmove!<from conv hex>  → { from, to, uptoSeq }   a move under way
 *
 * The marker is written in the batch that records the confirmation (Contacts asks
 * NameLeaves.ops), so a crash cannot leave a confirmed rename without its move. Only
 * entries whose local seq is at most `uptoSeq` move: anything appended later under the
 * name (the new holder's first message) is not the contact's. An entry keeps its time and
 * seq, so its new key is a function of its old one, and each batch takes its entries with
 * every key that points at them (id keys, unread marks): after any batch the store is
 * whole, and a move resumed at the next open (a process died midway) neither loses nor
 * duplicates an entry. The marker goes last. Moves run in turn with deletions of history
 * (History.rewrite), and each batch while none of its messages is being updated
 * (History.exclusive). A key accepted (trust) under an old name is a name left too.
 */
import { toHex, utf8 } from '../../util/bytes.js';
import { type ConversationId, directConversation } from '../conversations/ids.js';
import type { PeerEvents } from '../events.js';
import { del, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';
import { type History, type HistoryEntry, indexKeys } from './history.js';
import { messagesPrefix } from './history-events.js';

/** Entries per batch: as history-delete.ts, a batch of a few ops each, with few fsyncs. */
export const HISTORY_MOVE_CHUNK_ENTRIES = 1_000;

export interface MoveMarker {
  from: ConversationId;
  to: ConversationId;
  /** Entries appended after the move was decided (a higher local seq) stay where they are. */
  uptoSeq: number;
  /**
   * The contact's user id (hex): only their entries move (and outgoing ones not yet
   * resolved to a key), never another key's written under the name meanwhile (a new
   * holder's, kept under the name before moves existed). Absent in a marker of the first
   * version: every entry up to uptoSeq moves.
   */
  userId?: string;
}

/** What Contacts asks when it records that a contact left `from` for `to` (contacts.ts). */
export interface NameLeaves {
  /** Ops for the contact's batch: the move of `userId`'s entries, decided with it. */
  ops(from: string, to: string, userId: string): KvOp[];
  /** The batch is durable: the move may run. */
  written(): void;
}

const markerKey = (from: ConversationId) => `${PREFIX.historyMove}${toHex(utf8(from))}`;

/** The local seq of a history key (its last 16 digits). */
const seqOf = (key: string) => Number(key.slice(key.lastIndexOf('!') + 1));

/** The moves under way, in the order they were decided. */
async function pending(store: PeerStore): Promise<MoveMarker[]> {
  const all: MoveMarker[] = [];
  for await (const [, m] of store.scan<Partial<MoveMarker>>(PREFIX.historyMove)) {
    if (typeof m.from === 'string' && typeof m.to === 'string' && typeof m.uptoSeq === 'number')
      all.push({
        from: m.from,
        to: m.to,
        uptoSeq: m.uptoSeq,
        ...(typeof m.userId === 'string' ? { userId: m.userId } : {}),
      });
  }
  return all.sort((a, b) => a.uptoSeq - b.uptoSeq);
}

/**
 * Moves the entries of `m.from` (up to `m.uptoSeq`) to `m.to`, a batch at a time, then
 * deletes the marker. Returns how many moved.
 */
export async function moveHistory(
  store: PeerStore,
  history: Pick<History, 'exclusive'>,
  m: MoveMarker,
): Promise<number> {
  const [fromPrefix, toPrefix] = [messagesPrefix(m.from), messagesPrefix(m.to)];
  let moved = 0;
  let from = fromPrefix;
  for (;;) {
    const keys: string[] = [];
    const range = { gte: from, lt: `${fromPrefix}\xff`, limit: HISTORY_MOVE_CHUNK_ENTRIES };
    for await (const [key] of store.kv.entries(range)) keys.push(key);
    const last = keys.at(-1);
    const mine = keys.filter((k) => seqOf(k) <= m.uptoSeq);
    if (mine.length > 0) {
      // Read again inside exclusive(): no update of my messages or unread take runs meanwhile.
      const ids = await outgoingIds(store, mine);
      moved += await history.exclusive(ids, async () => {
        const marks = await unreadMarks(store, fromPrefix);
        const ops: KvOp[] = [];
        let count = 0;
        for (const key of mine) {
          const entry = await store.getJson<HistoryEntry>(key);
          if (entry === undefined || !theirs(entry, m)) continue;
          count++;
          const to = toPrefix + key.slice(fromPrefix.length);
          ops.push(putJson(to, { ...entry, conversation: m.to }), del(key));
          for (const index of indexKeys(entry))
            if ((await store.getJson(index)) === key) ops.push(putJson(index, to));
          const mark = marks.get(key);
          if (mark !== undefined) ops.push(putJson(mark, to));
        }
        await store.write(ops);
        return count;
      });
    }
    if (last === undefined || keys.length < HISTORY_MOVE_CHUNK_ENTRIES) break;
    from = `${last}\x00`;
  }
  await store.write([del(markerKey(m.from))]);
  return moved;
}

/** Whether `entry` is the moving contact's: their key, or an outgoing one not yet resolved. */
const theirs = (entry: HistoryEntry, m: MoveMarker): boolean =>
  m.userId === undefined || entry.peer.userId === m.userId || entry.peer.userId === '';

/** The msg ids of my messages among `keys`. */
async function outgoingIds(store: PeerStore, keys: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const key of keys) {
    const e = await store.getJson<HistoryEntry>(key);
    if (e?.direction === 'out') ids.push(e.msgId);
  }
  return ids;
}

/** The unread marks of entries under `prefix`: history key → mark. */
async function unreadMarks(store: PeerStore, prefix: string): Promise<Map<string, string>> {
  const marks = new Map<string, string>();
  for await (const [mark, key] of store.scan<string>(PREFIX.unread)) {
    if (typeof key === 'string' && key.startsWith(prefix)) marks.set(key, mark);
  }
  return marks;
}

/**
 * The client's moves: NameLeaves for Contacts, run one at a time in the background, and
 * finished at open. Emits 'history:moved' for each that moved anything.
 */
export class HistoryMoves implements NameLeaves {
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: PeerStore,
    private readonly history: History,
    private readonly events: PeerEvents,
  ) {}

  ops(fromName: string, toName: string, userId: string): KvOp[] {
    const [from, to] = [directConversation(fromName), directConversation(toName)];
    if (from === to) return [];
    const marker: MoveMarker = { from, to, uptoSeq: this.history.lastSeq, userId };
    return [putJson(markerKey(from), marker)];
  }

  written(): void {
    // A move that fails (the store closing) keeps its marker: the next open finishes it.
    this.run().catch(() => undefined);
  }

  /**
   * At open, before anything else reads or writes history: the moves a process that died
   * left under way, and those of names left before moves existed (`contacts`: an old name
   * the relay confirmed left, nameLeft, with its contact's name now), still under the old name.
   */
  async finish(
    contacts: readonly { pseudonym: string; userId: string; renamedTo?: string; nameLeft?: true }[],
  ): Promise<void> {
    const ops: KvOp[] = [];
    for (const c of contacts) {
      if (c.nameLeft !== true || c.renamedTo === undefined) continue;
      if (await this.holdsAny(directConversation(c.pseudonym)))
        ops.push(...this.ops(c.pseudonym, c.renamedTo, c.userId));
    }
    await this.store.write(ops);
    await this.run();
  }

  private async holdsAny(conversation: ConversationId): Promise<boolean> {
    const prefix = messagesPrefix(conversation);
    const range = { gte: prefix, lt: `${prefix}\xff`, limit: 1 };
    for await (const _entry of this.store.kv.entries(range)) return true;
    return false;
  }

  /** Settles once the moves under way (and any they found) are done. */
  idle(): Promise<unknown> {
    return this.running;
  }

  private run(): Promise<unknown> {
    const run = this.running.then(async () => {
      for (const m of await pending(this.store)) {
        const messages = await this.history.rewrite(() => moveHistory(this.store, this.history, m));
        if (messages > 0) this.events.emit('history:moved', { from: m.from, to: m.to, messages });
      }
    });
    this.running = run.catch(() => undefined);
    return run;
  }
}
