/**
 * Incoming messages from a contact whose key changed (DESIGN.md §3): kept aside,
 * undisplayed, with the card they came from, until the user accepts that card
 * with trust(); messages from the cards that trust() discarded are then dropped,
 * and those from cards still pending (one may arrive while trust() runs) kept.
 *
 *   heldin!<conversation store key>!<time, 16 digits>!<sender user id hex>!<msg id hex>  → { card, entry }
 *
 * (Before issue 10 the key ended `<time>!<msg id hex>`; such keys are read the same.)
 */
import { bytesEqual, fromHex, toHex } from '../../util/bytes.js';
import type { Card } from '../../wire/types.js';
import { type ConversationId, conversationStoreKey } from '../conversations/ids.js';
import { del, fixedWidth, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';
import type { HistoryEntry } from './history.js';

interface HeldMessage {
  card: { userId: string; boxPk: string };
  entry: HistoryEntry;
}

const heldPrefix = (conversation: ConversationId) =>
  `${PREFIX.heldIn}${conversationStoreKey(conversation)}!`;

export class HeldMessages {
  constructor(private readonly store: PeerStore) {}

  /** The op that keeps `entry`, received from `card`, until trust(); write it with the batch. */
  holdOps(entry: HistoryEntry, card: Card, atMs: number): KvOp[] {
    const held: HeldMessage = {
      card: { userId: toHex(card.userId), boxPk: toHex(card.boxPk) },
      entry,
    };
    // The sender's id beside the msg id: ids are each sender's own namespace (issue 10).
    // Keys written before it end in the msg id alone; release() reads both alike.
    const key = `${heldPrefix(entry.conversation)}${fixedWidth(atMs)}!${held.card.userId}!${entry.msgId}`;
    return [putJson(key, held)];
  }

  /**
   * The user accepted `card`: returns the entries held from exactly that card, and
   * the ops that forget them and every entry held from a `discarded` user id (hex),
   * the keys trust() let go of (write them together with the entries' history).
   * Entries from any other key stay held: that key is still pending.
   */
  async release(
    conversation: ConversationId,
    card: Card,
    discarded: readonly string[],
  ): Promise<{ entries: HistoryEntry[]; ops: KvOp[] }> {
    const dropped = new Set(discarded.map((id) => id.toLowerCase()));
    const entries: HistoryEntry[] = [];
    const ops: KvOp[] = [];
    for await (const [key, held] of this.store.scan<HeldMessage>(heldPrefix(conversation))) {
      if (
        bytesEqual(fromHex(held.card.userId), card.userId) &&
        bytesEqual(fromHex(held.card.boxPk), card.boxPk)
      ) {
        entries.push(held.entry);
        ops.push(del(key));
      } else if (dropped.has(held.card.userId.toLowerCase())) {
        ops.push(del(key));
      }
    }
    return { entries, ops };
  }
}
