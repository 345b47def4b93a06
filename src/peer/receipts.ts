/**
 * End-to-end delivery receipts: "I have your message" (proto Receipt), sealed
 * like any message, so only the real recipient can mark a message delivered.
 * One receipt per sender per incoming batch (up to MAX_RECEIPT_IDS ids each);
 * receipts themselves are never receipted and never shown.
 */
import { randomBytes } from '../crypto/random.js';
import { toHex } from '../util/bytes.js';
import { MAX_RECEIPT_IDS, MSG_ID_BYTES } from '../wire/limits.js';
import type { PeerEvents } from './events.js';
import type { History } from './history.js';
import type { Outbox } from './outbox.js';
import type { PeerStore } from './store.js';

export interface ReceiptDeps {
  store: PeerStore;
  outbox: Outbox;
  history: History;
  events: PeerEvents;
  /** Called after receipts were queued, to get them sent. */
  kick: () => void;
  now?: () => number;
}

export class Receipts {
  private readonly now: () => number;

  constructor(private readonly d: ReceiptDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Queues receipts to `name` for the given message ids (hex). */
  async send(name: string, msgIds: string[]): Promise<void> {
    const ops = [];
    for (let i = 0; i < msgIds.length; i += MAX_RECEIPT_IDS) {
      const { ops: entryOps } = this.d.outbox.enqueueOps({
        msgId: toHex(randomBytes(MSG_ID_BYTES)),
        kind: 'receipt',
        toName: name,
        receiptFor: msgIds.slice(i, i + MAX_RECEIPT_IDS),
        sentAtMs: this.now(),
      });
      ops.push(...entryOps);
    }
    await this.d.store.write(ops);
    this.d.kick();
  }

  /**
   * A receipt from `fromUserId` (hex): marks those of our messages delivered, but
   * only messages that were sent to that very user; anyone else's receipt for
   * them is ignored.
   */
  async received(fromUserId: string, msgIds: string[]): Promise<void> {
    for (const msgId of msgIds) {
      const entry = await this.d.history.byMsgId(msgId);
      if (entry === undefined || entry.direction !== 'out' || entry.peer.userId !== fromUserId)
        continue;
      const updated = await this.d.history.update(msgId, 'delivered');
      if (updated !== undefined) {
        this.d.events.emit('message:status', {
          msgId,
          conversation: entry.conversation,
          state: 'delivered',
        });
      }
    }
  }
}
