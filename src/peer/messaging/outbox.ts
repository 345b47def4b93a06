/**
 * The persistent outbox (docs/protocol.md "Delivery guarantees" 4): every
 * outgoing message stays here until the relay answers ACK_STORED, and everything
 * still queued is resent after each reconnect.
 *
 * An entry is written before send() returns, addressed to a conversation and
 * with the content it needs to be sealed later: a message to someone not yet
 * looked up (or whose key changed) can wait here and be sealed to the right key
 * only when that key is known and trusted. Once sealed, the sealed bytes are
 * kept, so resends are byte-identical.
 *
 *   v2!outbox!<local seq, 16 digits>  → entry (bytes, outbox-record.ts)   (send order)
 *   v1!outbox!<local seq, 16 digits>  → entry (JSON, before issue 9; read, moved to v2 when written)
 *   meta!counter!<peer key hex>       → last counter used in that conversation
 */
import {
  type ConversationId,
  conversationStoreKey,
  directConversation,
} from '../conversations/ids.js';
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';
import {
  decodeOutboxRecord,
  encodeOutboxRecord,
  fromLegacyEntry,
  type LegacyOutboxEntry,
  type OutboxEntry,
  type OutboxState,
} from './outbox-record.js';

export type {
  OutboxEntry,
  OutboxState,
  OutgoingContent,
  OutgoingKind,
  SealedPayload,
} from './outbox-record.js';

export type NewEntry = Omit<OutboxEntry, 'counter' | 'state' | 'attempts'>;

const SEQ_KEY = `${PREFIX.meta}outseq`;
const COUNTER_PREFIX = `${PREFIX.meta}counter!`;

/** Before issue 9 this was the hex of the peer's name key: conversationStoreKey keeps it so. */
const counterKey = (conversation: ConversationId) =>
  COUNTER_PREFIX + conversationStoreKey(conversation);

interface Slot {
  seq: number;
  entry: OutboxEntry;
  /** Where a pre-issue-9 entry still lives; deleted when the entry is next written. */
  legacyKey?: string;
}

export class Outbox {
  /** In send order (Map keeps insertion order). */
  private readonly slots = new Map<string, Slot>();
  private readonly counters = new Map<string, number>();
  private seq = 0;
  private queued = 0;
  private readonly emptyWaiters = new Set<() => void>();

  private constructor(private readonly store: PeerStore) {}

  static async load(store: PeerStore): Promise<Outbox> {
    const box = new Outbox(store);
    box.seq = Number((await store.get(SEQ_KEY)) ?? 0);
    const found: Slot[] = [];
    for await (const [key, old] of store.scan<LegacyOutboxEntry>(PREFIX.outbox)) {
      const seq = Number(key.slice(PREFIX.outbox.length));
      found.push({ seq, entry: fromLegacyEntry(old), legacyKey: key });
    }
    for await (const [key, bytes] of store.scanBytes(PREFIX.outbox2)) {
      found.push({
        seq: Number(key.slice(PREFIX.outbox2.length)),
        entry: decodeOutboxRecord(bytes),
      });
    }
    // One sequence numbers both prefixes: sorting by it is the order the user sent in.
    found.sort((a, b) => a.seq - b.seq);
    for (const slot of found) {
      box.slots.set(slot.entry.msgId, slot);
      if (slot.entry.state === 'queued') box.queued++;
    }
    for await (const [key, n] of store.scan<number>(COUNTER_PREFIX)) box.counters.set(key, n);
    return box;
  }

  /**
   * Adds an entry (state queued) with the next counter of its conversation.
   * Returns the ops to write; the caller writes them in one batch with the history
   * entry, so a message is either in both or in neither.
   */
  enqueueOps(fresh: NewEntry): { entry: OutboxEntry; ops: KvOp[] } {
    const ck = counterKey(fresh.conversation);
    const counter = (this.counters.get(ck) ?? 0) + 1;
    this.counters.set(ck, counter);
    const entry: OutboxEntry = { ...fresh, counter, state: 'queued', attempts: 0 };
    const slot: Slot = { seq: ++this.seq, entry };
    this.slots.set(entry.msgId, slot);
    this.queued++;
    return {
      entry,
      ops: [
        ...this.writeOps(slot),
        putJson(ck, counter),
        { type: 'put', key: SEQ_KEY, value: String(this.seq) },
      ],
    };
  }

  /**
   * A contact renamed from `from` to `to` (contacts.ts): my numbering in the conversation
   * under the new name goes on from the old one's, so their client sees no rewound counter
   * (counters.ts); their client takes my numbering starting again at the rename (counters.ts
   * markWindowsOnRename), for a sender who wrote to the new name before learning it.
   */
  async continueCounter(from: string, to: string): Promise<void> {
    const last = this.counters.get(counterKey(directConversation(from))) ?? 0;
    const key = counterKey(directConversation(to));
    // Written to under the new name already (before we knew): that numbering goes on.
    if (this.counters.has(key) || last === 0) return;
    this.counters.set(key, last);
    await this.store.write([putJson(key, last)]);
  }

  get(msgId: string): OutboxEntry | undefined {
    return this.slots.get(msgId)?.entry;
  }

  /** Entries in send order, optionally only those in `state`. */
  list(state?: OutboxState): OutboxEntry[] {
    const all = [...this.slots.values()].map((s) => s.entry);
    return state === undefined ? all : all.filter((e) => e.state === state);
  }

  count(state: OutboxState): number {
    return state === 'queued' ? this.queued : this.slots.size - this.queued;
  }

  /**
   * Calls `listener` once, as soon as nothing is queued (at once if nothing is);
   * held entries wait for trust(), not for the relay. Returns a cancel function.
   */
  onNoneQueued(listener: () => void): () => void {
    if (this.queued === 0) {
      listener();
      return () => undefined;
    }
    this.emptyWaiters.add(listener);
    return () => this.emptyWaiters.delete(listener);
  }

  /** Replaces fields of an entry and writes it. */
  async update(
    msgId: string,
    patch: Partial<Omit<OutboxEntry, 'msgId'>>,
  ): Promise<OutboxEntry | undefined> {
    const slot = this.slots.get(msgId);
    if (slot === undefined) return undefined;
    this.replace(slot, { ...slot.entry, ...patch });
    await this.store.write(this.writeOps(slot));
    return slot.entry;
  }

  /**
   * Replaces fields of an entry in memory and returns the ops that store it, for the
   * caller's batch (a group message sealed again under a new epoch, with the chain
   * state that sealed it: groups/send.ts).
   */
  replaceOps(msgId: string, patch: Partial<Omit<OutboxEntry, 'msgId'>>): KvOp[] {
    const slot = this.slots.get(msgId);
    if (slot === undefined) return [];
    this.replace(slot, { ...slot.entry, ...patch });
    return this.writeOps(slot);
  }

  /** The relay stored it (or refused it for good): the outbox's job is done. */
  async remove(msgId: string): Promise<void> {
    const slot = this.slots.get(msgId);
    if (slot === undefined) return;
    this.slots.delete(msgId);
    if (slot.entry.state === 'queued') this.queued--;
    this.notify();
    const ops = [del(PREFIX.outbox2 + fixedWidth(slot.seq))];
    if (slot.legacyKey !== undefined) ops.push(del(slot.legacyKey));
    await this.store.write(ops);
  }

  /**
   * The recipient's key changed: hold everything of that conversation not yet
   * stored by the relay, and drop any sealed form, so nothing goes out until
   * trust() and a fresh seal.
   */
  holdFor(conversation: ConversationId): Promise<OutboxEntry[]> {
    return this.rewrite(conversation, 'queued', (e) => {
      const { sealed: _sealed, ...rest } = e;
      return { ...rest, state: 'held' };
    });
  }

  /** The user accepted the new key: held entries go back to the queue, to be sealed anew. */
  releaseFor(conversation: ConversationId): Promise<OutboxEntry[]> {
    return this.rewrite(conversation, 'held', (e) => ({ ...e, state: 'queued' }));
  }

  private async rewrite(
    conversation: ConversationId,
    from: OutboxState,
    change: (e: OutboxEntry) => OutboxEntry,
  ): Promise<OutboxEntry[]> {
    const ops: KvOp[] = [];
    const changed: OutboxEntry[] = [];
    for (const slot of this.slots.values()) {
      if (slot.entry.state !== from || slot.entry.conversation !== conversation) continue;
      this.replace(slot, change(slot.entry));
      ops.push(...this.writeOps(slot));
      changed.push(slot.entry);
    }
    await this.store.write(ops);
    return changed;
  }

  /** Swaps a slot's entry, keeping the queued count (and its waiters) right. */
  private replace(slot: Slot, next: OutboxEntry): void {
    this.queued += (next.state === 'queued' ? 1 : 0) - (slot.entry.state === 'queued' ? 1 : 0);
    slot.entry = next;
    this.notify();
  }

  /** The entry in today's format; a pre-issue-9 copy goes in the same batch. */
  private writeOps(slot: Slot): KvOp[] {
    const ops: KvOp[] = [
      {
        type: 'put',
        key: PREFIX.outbox2 + fixedWidth(slot.seq),
        value: encodeOutboxRecord(slot.entry),
      },
    ];
    if (slot.legacyKey !== undefined) {
      ops.push(del(slot.legacyKey));
      delete slot.legacyKey;
    }
    return ops;
  }

  private notify(): void {
    if (this.queued > 0 || this.emptyWaiters.size === 0) return;
    const waiters = [...this.emptyWaiters];
    this.emptyWaiters.clear();
    for (const listener of waiters) listener();
  }
}
