/**
 * Incoming messages from a contact whose key changed (DESIGN.md §3): kept aside,
 * undisplayed, with the card they came from, until the user accepts that card
 * with trust(); messages from any other card are then dropped.
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
   * the ops that forget every held entry of the conversation (write them together
   * with the entries' history).
   */
  async release(
    conversation: ConversationId,
    card: Card,
  ): Promise<{ entries: HistoryEntry[]; ops: KvOp[] }> {
    const entries: HistoryEntry[] = [];
    const ops: KvOp[] = [];
    for await (const [key, held] of this.store.scan<HeldMessage>(heldPrefix(conversation))) {
      ops.push(del(key));
      if (
        bytesEqual(fromHex(held.card.userId), card.userId) &&
        bytesEqual(fromHex(held.card.boxPk), card.boxPk)
      ) {
        entries.push(held.entry);
      }
    }
    return { entries, ops };
  }
}
