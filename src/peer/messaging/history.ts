/**
 * Local message history, per conversation, in the profile's LevelDB.
 *
 *   hist!<conv hex>!<time, 16 digits>!<local seq, 16 digits>  → entry   (sorted per conversation)
 *   histid!<msg id hex>                                       → hist key (status updates)
 *   unread!<local seq, 16 digits>                             → hist key (not yet shown by `inbox`)
 *
 * The local sequence number breaks ties between equal timestamps and keeps keys
 * unique; it is persisted with every batch that uses it (meta!seq).
 */
import { fingerprint } from '../../crypto/keys.js';
import { fromHex, toHex, utf8 } from '../../util/bytes.js';
import type { ConversationId } from '../conversations/ids.js';
import type { OutgoingState, ReceivedMessage } from '../events.js';
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';

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

/** Later states win; a late SendAck must not turn 'delivered' back into 'stored'. */
const RANK: Record<OutgoingState, number> = {
  queued: 0,
  held: 1,
  failed: 2,
  stored: 3,
  delivered: 4,
};

const convPrefix = (conversation: ConversationId) =>
  `${PREFIX.history}${toHex(utf8(conversation))}!`;

export class History {
  private seq = 0;
  private taking: Promise<unknown> = Promise.resolve();
  private readonly updating = new Map<string, Promise<void>>();

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
      putJson(PREFIX.historyById + entry.msgId, key),
      { type: 'put', key: SEQ_KEY, value: String(this.seq) },
    ];
    if (options.unread) ops.push(putJson(PREFIX.unread + fixedWidth(seq), key));
    return ops;
  }

  async byMsgId(msgId: string): Promise<HistoryEntry | undefined> {
    const key = await this.store.getJson<string>(PREFIX.historyById + msgId);
    return key === undefined ? undefined : this.store.getJson<HistoryEntry>(key);
  }

  /**
   * Moves an outgoing message to `state` (never backwards, see RANK) and applies
   * `patch`. Returns the updated entry, or undefined if unknown or unchanged.
   */
  update(
    msgId: string,
    state: OutgoingState,
    patch: Partial<Pick<HistoryEntry, 'peer' | 'reason'>> = {},
  ): Promise<HistoryEntry | undefined> {
    // Read-modify-write: two updates of one message in flight at once (the sealer
    // filling in the peer id, a SendAck marking it stored) would lose one of them.
    // Updates of the same message run one after another.
    const previous = this.updating.get(msgId) ?? Promise.resolve();
    const run = previous.then(() => this.apply(msgId, state, patch));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.updating.set(msgId, settled);
    void settled.then(() => {
      if (this.updating.get(msgId) === settled) this.updating.delete(msgId);
    });
    return run;
  }

  private async apply(
    msgId: string,
    state: OutgoingState,
    patch: Partial<Pick<HistoryEntry, 'peer' | 'reason'>>,
  ): Promise<HistoryEntry | undefined> {
    const key = await this.store.getJson<string>(PREFIX.historyById + msgId);
    if (key === undefined) return undefined;
    const entry = await this.store.getJson<HistoryEntry>(key);
    if (entry === undefined || entry.direction !== 'out') return undefined;
    const current = entry.state ?? 'queued';
    const forward = RANK[state] > RANK[current] || (current === 'held' && state === 'queued');
    if (!forward && patch.peer === undefined) return undefined;
    const updated: HistoryEntry = { ...entry, ...patch, state: forward ? state : current };
    await this.store.write([putJson(key, updated)]);
    return forward ? updated : undefined;
  }

  /** The last `limit` entries of a conversation, oldest first. */
  async list(conversation: ConversationId, limit = 100): Promise<HistoryEntry[]> {
    const out: HistoryEntry[] = [];
    for await (const [, e] of this.store.scan<HistoryEntry>(convPrefix(conversation), {
      reverse: true,
      limit,
    })) {
      out.push(e);
    }
    return out.reverse();
  }

  /**
   * Takes every unread incoming entry, oldest first, and durably clears the unread
   * marks before returning, so a message is shown at most once even if the caller
   * crashes while printing (it stays in history either way).
   */
  takeUnread(): Promise<HistoryEntry[]> {
    // Serialised: two overlapping calls must not both return the same entries.
    const run = this.taking.then(() => this.takeUnreadNow());
    this.taking = run.catch(() => undefined);
    return run;
  }

  private async takeUnreadNow(): Promise<HistoryEntry[]> {
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
  }
}

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
