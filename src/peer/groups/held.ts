/**
 * Group messages kept aside (docs/groups.md "Client"):
 *
 * - waiting for their sender's chain: the share travels in the sender's 1:1 mail and
 *   the message in the group's stream, so either can come first. Kept sealed, in
 *   gseq order, at most MAX_HELD_GROUP_MESSAGES per group, and opened when the share
 *   comes (groups/receive.ts).
 * - opened, from a member whose contact has a changed key waiting for trust(): kept
 *   unshown, as 1:1 messages are (DESIGN.md §3), and shown once the user decided
 *   about that person with trust().
 */
import { fromHex, toHex } from '../../util/bytes.js';
import type { HistoryEntry } from '../messaging/history.js';
import { del, type KvOp, type PeerStore, prefixRange, putJson } from '../store.js';
import { groupKeys } from './keys.js';

/**
 * Sealed messages one group keeps while their senders' chains have not come. A share
 * is normally minutes behind its first message at most; this bounds what one group
 * (or a relay) can make us store for it: 1000 messages of at most ~64 KiB.
 */
export const MAX_HELD_GROUP_MESSAGES = 1000;

/** One message item of a group's stream. */
export interface MessageItem {
  /** Group id, hex. */
  gid: string;
  gseq: number;
  storedAtMs: number;
  /** When it arrived here (GroupWork.stamp); absent in what an older version held. */
  arrivedAtMs?: number;
  /** The sender as the relay names it (routing only; checked against the signed header). */
  from: Uint8Array;
  msgId: Uint8Array;
  body: Uint8Array;
}

interface StoredItem {
  gseq: number;
  storedAtMs: number;
  arrivedAtMs?: number;
  from: string;
  msgId: string;
  /** base64 */
  body: string;
}

export class HeldGroupMessages {
  constructor(private readonly store: PeerStore) {}

  /** Messages this group holds sealed now. */
  async count(gid: string): Promise<number> {
    let n = 0;
    const prefix = groupKeys.heldOf(gid);
    for await (const _ of this.store.kv.entries(prefixRange(prefix))) n++;
    return n;
  }

  /** The op that keeps `item`, sealed for epoch `epoch` by `sender` (hex), until its chain comes. */
  holdOps(epoch: number, sender: string, item: MessageItem): KvOp[] {
    const stored: StoredItem = {
      gseq: item.gseq,
      storedAtMs: item.storedAtMs,
      ...(item.arrivedAtMs === undefined ? {} : { arrivedAtMs: item.arrivedAtMs }),
      from: toHex(item.from),
      msgId: toHex(item.msgId),
      body: Buffer.from(item.body).toString('base64'),
    };
    return [putJson(groupKeys.held(item.gid, epoch, sender, item.gseq), stored)];
  }

  /** The messages held for (group, epoch, sender), in stream order, each with the op that forgets it. */
  async forChain(
    gid: string,
    epoch: number,
    sender: string,
  ): Promise<{ item: MessageItem; forget: KvOp }[]> {
    const out: { item: MessageItem; forget: KvOp }[] = [];
    for await (const [key, s] of this.store.scan<StoredItem>(
      groupKeys.heldFor(gid, epoch, sender),
    )) {
      out.push({
        item: {
          gid,
          gseq: s.gseq,
          storedAtMs: s.storedAtMs,
          ...(s.arrivedAtMs === undefined ? {} : { arrivedAtMs: s.arrivedAtMs }),
          from: fromHex(s.from),
          msgId: fromHex(s.msgId),
          body: new Uint8Array(Buffer.from(s.body, 'base64')),
        },
        forget: del(key),
      });
    }
    return out;
  }

  /** True while some message of (group, epoch, sender) waits for its chain. */
  async waitsFor(gid: string, epoch: number, sender: string): Promise<boolean> {
    const prefix = groupKeys.heldFor(gid, epoch, sender);
    for await (const _ of this.store.kv.entries(prefixRange(prefix, { limit: 1 }))) {
      return true;
    }
    return false;
  }

  /** The op that keeps an opened message from `name`'s changed contact until trust(). */
  trustHoldOps(name: string, gid: string, entry: HistoryEntry, atMs: number): KvOp[] {
    return [putJson(groupKeys.trustHeld(name, atMs, gid, entry.msgId), entry)];
  }

  /** The user decided about `name`: every message held for it, oldest first, and the ops that let go. */
  async releaseTrust(name: string): Promise<{ entries: HistoryEntry[]; ops: KvOp[] }> {
    const entries: HistoryEntry[] = [];
    const ops: KvOp[] = [];
    for await (const [key, entry] of this.store.scan<HistoryEntry>(groupKeys.trustHeldOf(name))) {
      entries.push(entry);
      ops.push(del(key));
    }
    return { entries, ops };
  }
}
