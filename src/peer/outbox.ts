/**
 * The persistent outbox (docs/protocol.md "Delivery guarantees" 4): every
 * outgoing message stays here until the relay answers ACK_STORED, and everything
 * still queued is resent after each reconnect.
 *
 * An entry is written before send() returns, with the plaintext it needs to be
 * sealed later: a message to someone not yet looked up (or whose key changed)
 * can wait here and be sealed to the right key only when that key is known and
 * trusted. Once sealed, the sealed form is kept, so resends are byte-identical.
 *
 *   outbox!<local seq, 16 digits>  → entry       (send order)
 *   meta!counter!<name hex>        → last counter used in that conversation
 */
import { toHex, utf8 } from '../util/bytes.js';
import { pseudonymKey } from '../wire/text.js';
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from './store.js';

/**
 * queued: to be sent; held: the recipient's key changed, waits for trust().
 * Refused messages leave the outbox; their history entry says 'failed' and why.
 */
export type OutboxState = 'queued' | 'held';

export interface SealedPayload {
  /** Recipient user id, hex. */
  to: string;
  nonce: string;
  /** Base64. */
  ciphertext: string;
}

export interface OutboxEntry {
  /** Hex, 16 bytes. */
  msgId: string;
  kind: 'text' | 'receipt';
  /** Recipient pseudonym as the user typed it (NFKC). */
  toName: string;
  body?: string;
  /** Receipts: the acknowledged message ids, hex. */
  receiptFor?: string[];
  counter: number;
  sentAtMs: number;
  sealed?: SealedPayload;
  state: OutboxState;
  attempts: number;
  reason?: string;
}

export type NewEntry = Omit<OutboxEntry, 'counter' | 'state' | 'attempts'>;

const SEQ_KEY = `${PREFIX.meta}outseq`;
const COUNTER_PREFIX = `${PREFIX.meta}counter!`;
const counterKey = (name: string) => COUNTER_PREFIX + toHex(utf8(pseudonymKey(name)));

export class Outbox {
  /** In send order (Map keeps insertion order); value holds the store key too. */
  private readonly entries = new Map<string, { key: string; entry: OutboxEntry }>();
  private readonly counters = new Map<string, number>();
  private seq = 0;

  private constructor(private readonly store: PeerStore) {}

  static async load(store: PeerStore): Promise<Outbox> {
    const box = new Outbox(store);
    box.seq = Number((await store.get(SEQ_KEY)) ?? 0);
    for await (const [key, entry] of store.scan<OutboxEntry>(PREFIX.outbox)) {
      box.entries.set(entry.msgId, { key, entry });
    }
    for await (const [key, n] of store.scan<number>(COUNTER_PREFIX)) {
      box.counters.set(key, n);
    }
    return box;
  }

  /**
   * Adds an entry (state queued) with the next counter of its conversation.
   * Returns the ops to write; the caller writes them in one batch with the history
   * entry, so a message is either in both or in neither.
   */
  enqueueOps(fresh: NewEntry): { entry: OutboxEntry; ops: KvOp[] } {
    const ck = counterKey(fresh.toName);
    const counter = (this.counters.get(ck) ?? 0) + 1;
    this.counters.set(ck, counter);
    const entry: OutboxEntry = { ...fresh, counter, state: 'queued', attempts: 0 };
    const key = PREFIX.outbox + fixedWidth(++this.seq);
    this.entries.set(entry.msgId, { key, entry });
    return {
      entry,
      ops: [
        putJson(key, entry),
        putJson(ck, counter),
        { type: 'put', key: SEQ_KEY, value: String(this.seq) },
      ],
    };
  }

  get(msgId: string): OutboxEntry | undefined {
    return this.entries.get(msgId)?.entry;
  }

  /** Entries in send order, optionally only those in `state`. */
  list(state?: OutboxState): OutboxEntry[] {
    const all = [...this.entries.values()].map((v) => v.entry);
    return state === undefined ? all : all.filter((e) => e.state === state);
  }

  count(state: OutboxState): number {
    let n = 0;
    for (const { entry } of this.entries.values()) if (entry.state === state) n++;
    return n;
  }

  /** Replaces fields of an entry and writes it. */
  async update(
    msgId: string,
    patch: Partial<Omit<OutboxEntry, 'msgId'>>,
  ): Promise<OutboxEntry | undefined> {
    const slot = this.entries.get(msgId);
    if (slot === undefined) return undefined;
    slot.entry = { ...slot.entry, ...patch };
    await this.store.write([putJson(slot.key, slot.entry)]);
    return slot.entry;
  }

  /** The relay stored it: the outbox's job is done. */
  async remove(msgId: string): Promise<void> {
    const slot = this.entries.get(msgId);
    if (slot === undefined) return;
    this.entries.delete(msgId);
    await this.store.write([del(slot.key)]);
  }

  /**
   * The recipient's key changed: hold everything not yet stored by the relay, and
   * drop any sealed form, so nothing goes out until trust() and a fresh seal.
   */
  async holdFor(name: string): Promise<OutboxEntry[]> {
    return this.rewrite(name, 'queued', (e) => {
      const { sealed: _sealed, ...rest } = e;
      return { ...rest, state: 'held' };
    });
  }

  /** The user accepted the new key: held entries go back to the queue, to be sealed anew. */
  async releaseFor(name: string): Promise<OutboxEntry[]> {
    return this.rewrite(name, 'held', (e) => ({ ...e, state: 'queued' }));
  }

  private async rewrite(
    name: string,
    from: OutboxState,
    change: (e: OutboxEntry) => OutboxEntry,
  ): Promise<OutboxEntry[]> {
    const target = pseudonymKey(name);
    const ops: KvOp[] = [];
    const changed: OutboxEntry[] = [];
    for (const slot of this.entries.values()) {
      if (slot.entry.state !== from || pseudonymKey(slot.entry.toName) !== target) continue;
      slot.entry = change(slot.entry);
      ops.push(putJson(slot.key, slot.entry));
      changed.push(slot.entry);
    }
    await this.store.write(ops);
    return changed;
  }
}
