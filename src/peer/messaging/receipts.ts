/**
 * End-to-end delivery receipts: "I have your message" (proto Receipt), sealed
 * like any message, so only the real recipient can mark a message delivered.
 * One receipt per conversation per incoming batch (up to MAX_RECEIPT_IDS ids
 * each); receipts themselves are never receipted and never shown.
 */
import { randomBytes } from '../../crypto/random.js';
import { toHex } from '../../util/bytes.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { MAX_RECEIPT_IDS, MSG_ID_BYTES } from '../../wire/limits.js';
import type { ConversationId } from '../conversations/ids.js';
import type { PeerEvents } from '../events.js';
import type { KvOp, PeerStore } from '../store.js';
import type { History } from './history.js';
import type { Outbox } from './outbox.js';

export interface ReceiptDeps {
  store: PeerStore;
  outbox: Outbox;
  history: History;
  events: PeerEvents;
  /** Gets queued receipts sent (sender.ts). */
  sender: { kick(): void };
  clock?: Clock;
}

export class Receipts {
  private readonly clock: Clock;

  constructor(private readonly d: ReceiptDeps) {
    this.clock = d.clock ?? systemClock;
  }

  /** Queues receipts for the given message ids (hex) to the other side of `conversation`. */
  async send(conversation: ConversationId, peerName: string, msgIds: string[]): Promise<void> {
    const ops: KvOp[] = [];
    for (let i = 0; i < msgIds.length; i += MAX_RECEIPT_IDS) {
      const { ops: entryOps } = this.d.outbox.enqueueOps({
        msgId: toHex(randomBytes(MSG_ID_BYTES)),
        conversation,
        peerName,
        content: { kind: 'receipt', msgIds: msgIds.slice(i, i + MAX_RECEIPT_IDS) },
        sentAtMs: this.clock.now(),
      });
      ops.push(...entryOps);
    }
    await this.d.store.write(ops);
    this.d.sender.kick();
  }

  /**
   * A receipt from `fromUserId` (hex) in `conversation`: marks those of our
   * messages delivered, but only messages we sent to that very user in that
   * conversation. The ids name our messages (history looks them up among ours
   * only, issue 10); anyone else's receipt for them is ignored.
   */
  async received(
    fromUserId: string,
    conversation: ConversationId,
    msgIds: string[],
  ): Promise<void> {
    for (const msgId of msgIds) {
      const entry = await this.d.history.outgoing(msgId);
      if (entry?.peer.userId !== fromUserId || entry.conversation !== conversation) continue;
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
