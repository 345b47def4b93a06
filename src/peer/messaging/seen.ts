/**
 * The durable set of accepted message ids (DESIGN.md §3, docs/protocol.md
 * "Delivery guarantees" 4): the relay delivers at least once, and a resend can
 * store a message twice, so the receiver drops any id it has accepted before.
 *
 * An id is added in memory the moment it is accepted (a duplicate in the same
 * batch must already be caught) and written in the same batch as its history
 * entry, before the DeliverAck goes out.
 */
import { toHex } from '../../util/bytes.js';
import type { SeenLookup } from '../conversations/envelope.js';
import { type KvOp, type PeerStore, PREFIX } from '../store.js';

export class SeenSet implements SeenLookup {
  /** Ids accepted by this process; older ones are read from the store. */
  private readonly recent = new Set<string>();

  constructor(private readonly store: PeerStore) {}

  async has(msgId: Uint8Array): Promise<boolean> {
    const hex = toHex(msgId);
    if (this.recent.has(hex)) return true;
    return (await this.store.get(PREFIX.seen + hex)) !== undefined;
  }

  /** Marks an id seen now; returns the op that makes it durable (write it with the history entry). */
  addOps(msgId: Uint8Array, atMs: number): KvOp[] {
    const hex = toHex(msgId);
    this.recent.add(hex);
    return [{ type: 'put', key: PREFIX.seen + hex, value: String(atMs) }];
  }

  /** The batch that would have made these durable failed: they were never accepted. */
  forget(msgIds: Uint8Array[]): void {
    for (const id of msgIds) this.recent.delete(toHex(id));
  }
}
