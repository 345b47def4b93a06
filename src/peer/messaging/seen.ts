/**
 * The durable set of accepted messages, by (sender, message id) (DESIGN.md §3,
 * docs/protocol.md "Delivery guarantees" 4): the relay delivers at least once,
 * and a resend can store a message twice, so the receiver drops a message whose
 * sender already had that id accepted. Senders choose their ids, so each sender's
 * ids are a namespace of their own: another user who learns an id cannot make
 * the genuine message look like a copy by sending one with that id first (issue 10).
 *
 *   v2!seen!<sender hex>!<msg id hex>                            → send time (ms)
 *   v2!seenat!<send time, 16 digits>!<sender hex>!<msg id hex>   → ''  (pruning order)
 *   v1!seen!<msg id hex>                                         → receive time (ms)
 *
 * v1 entries were written before issue 10 and name no sender: they still count,
 * for any sender (nothing adds to them, so nobody can pre-empt an id through them).
 *
 * Pruned by send time: an entry goes once its send time is older than
 * MAX_MESSAGE_AGE_MS, because from then on a copy of its message is refused by
 * that time (envelope.ts), so the set holds at most that window's messages. A v1
 * entry goes once its receive time is older than the window plus
 * MAX_FUTURE_SKEW_MS (its send time, not stored, was at most that far ahead).
 *
 * An id is remembered in memory the moment it is accepted (a copy in the same
 * batch must already be caught) and written in the same batch as its history
 * entry, before the DeliverAck goes out.
 */
import { toHex } from '../../util/bytes.js';
import {
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
  type SeenLookup,
} from '../conversations/envelope.js';
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX } from '../store.js';

/** Prune at most this often: entries expire by the day, and each prune reads the legacy set. */
export const SEEN_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Entries deleted by one prune: it rides in a delivery batch and must not make that
 * batch slow after a long time offline. What is left goes with the next batch.
 */
export const MAX_SEEN_PRUNE_ENTRIES = 2_000;

const seenKey = (sender: string, msgId: string) => `${PREFIX.seen2}${sender}!${msgId}`;

export class SeenSet implements SeenLookup {
  /** Accepted in the batch being handled, not yet durable (settled() empties it). */
  private readonly pending = new Set<string>();
  private nextPruneAtMs = 0;

  constructor(private readonly store: PeerStore) {}

  async has(sender: Uint8Array, msgId: Uint8Array): Promise<boolean> {
    const id = toHex(msgId);
    const key = seenKey(toHex(sender), id);
    if (this.pending.has(key)) return true;
    if ((await this.store.get(key)) !== undefined) return true;
    return (await this.store.get(PREFIX.seen + id)) !== undefined;
  }

  /** Marks a message accepted; returns the ops that make it durable (write them with its history). */
  addOps(sender: Uint8Array, msgId: Uint8Array, sentAtMs: number): KvOp[] {
    const who = toHex(sender);
    const id = toHex(msgId);
    const key = seenKey(who, id);
    this.pending.add(key);
    return [
      { type: 'put', key, value: String(sentAtMs) },
      { type: 'put', key: `${PREFIX.seenByTime}${fixedWidth(sentAtMs)}!${who}!${id}`, value: '' },
    ];
  }

  /**
   * The batch holding the pending ids was written, or failed (then they were never
   * accepted, and a redelivery must be taken): the store answers for them from now on.
   */
  settled(): void {
    this.pending.clear();
  }

  /**
   * The ops that forget entries older than the window, at most MAX_SEEN_PRUNE_ENTRIES,
   * when a prune is due (none otherwise): write them with a delivery batch.
   */
  async pruneOps(nowMs: number): Promise<KvOp[]> {
    if (nowMs < this.nextPruneAtMs) return [];
    const cutoff = nowMs - MAX_MESSAGE_AGE_MS;
    const ops: KvOp[] = [];
    let entries = 0;
    const range = {
      gte: PREFIX.seenByTime,
      lt: PREFIX.seenByTime + fixedWidth(cutoff),
      limit: MAX_SEEN_PRUNE_ENTRIES,
    };
    for await (const [key] of this.store.kv.entries(range)) {
      const [, sender, id] = key.slice(PREFIX.seenByTime.length).split('!');
      ops.push(del(key));
      if (sender !== undefined && id !== undefined) ops.push(del(seenKey(sender, id)));
      entries++;
    }
    if (entries < MAX_SEEN_PRUNE_ENTRIES) {
      for await (const [key, receivedAt] of this.store.kv.entries({
        gte: PREFIX.seen,
        lt: `${PREFIX.seen}\xff`,
      })) {
        if (!(Number(receivedAt) < cutoff - MAX_FUTURE_SKEW_MS)) continue;
        ops.push(del(key));
        if (++entries === MAX_SEEN_PRUNE_ENTRIES) break;
      }
    }
    // Full: more may be left, so the next batch prunes again.
    this.nextPruneAtMs = entries < MAX_SEEN_PRUNE_ENTRIES ? nowMs + SEEN_PRUNE_INTERVAL_MS : nowMs;
    return ops;
  }
}
