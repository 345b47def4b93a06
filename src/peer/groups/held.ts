/**
 * Group messages kept aside (docs/groups.md "Client"):
 *
 * - waiting for their sender's chain: the share travels in the sender's 1:1 mail and
 *   the message in the group's stream, so either can come first. Kept sealed, in
 *   gseq order, within MAX_HELD_GROUP_BYTES per group, and opened when the share
 *   comes (receive.ts).
 *   A message over it is not dropped: its group's stream stops there, unacknowledged,
 *   and the relay sends it again: in the session once the held messages opened
 *   (resend.ts), else at the next (stream.ts).
 * - opened, from a member whose contact has a changed key waiting for trust(): kept
 *   unshown, as 1:1 messages are (DESIGN.md §3), and shown once the user decided
 *   about that person with trust().
 */
import { fromHex, toHex } from '../../util/bytes.js';
import type { HistoryEntry } from '../messaging/history.js';
import { del, type KvOp, type PeerStore, prefixRange, putJson } from '../store.js';
import { groupKeys } from './keys.js';

/**
 * What one group's sealed messages may take here while their senders' chains have not
 * come: what a hostile relay (which can name any member as the sender of a message
 * nobody can check without the chain) or a hostile member can make us store for one
 * group. A share is normally seconds behind its first message, but a member away meets
 * the whole backlog first (trials: 1,200 lines, then 5,000 from each of several
 * senders); 64 MiB is about 130,000 chat lines, or 1,000 texts of the largest size.
 * The bound it replaced (1,000 messages of up to MAX_GROUP_MESSAGE_BYTES) was 96 MiB.
 */
export const MAX_HELD_GROUP_BYTES = 64 * 1024 * 1024;

/** Counted for each held message besides its body (its key and record), so tiny ones are bounded in number too. */
export const HELD_ITEM_OVERHEAD_BYTES = 256;

/** What `item` counts against MAX_HELD_GROUP_BYTES. */
export const heldCost = (item: { body: Uint8Array }) => item.body.length + HELD_ITEM_OVERHEAD_BYTES;

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
  /** Per group, the bytes it holds as written (read once, then kept by settle()). */
  private readonly usages = new Map<string, number>();

  /** `maxGroupBytes`: default MAX_HELD_GROUP_BYTES (tests lower it). */
  constructor(
    private readonly store: PeerStore,
    readonly maxGroupBytes = MAX_HELD_GROUP_BYTES,
  ) {}

  /** The bytes (heldCost) the group holds sealed now, as written (a unit adds its own: work.ts). */
  async usage(gid: string): Promise<number> {
    let bytes = this.usages.get(gid);
    if (bytes === undefined) {
      bytes = 0;
      for await (const [, s] of this.store.scan<StoredItem>(groupKeys.heldOf(gid))) {
        bytes += Buffer.byteLength(s.body, 'base64') + HELD_ITEM_OVERHEAD_BYTES;
      }
      this.usages.set(gid, bytes);
    }
    return bytes;
  }

  /** How many sealed messages the group holds now, as written. */
  async count(gid: string): Promise<number> {
    let n = 0;
    for await (const _ of this.store.kv.entries(prefixRange(groupKeys.heldOf(gid)))) n++;
    return n;
  }

  /** A unit's batch is durable: its `deltas` (bytes held, or let go if negative, per group) count. */
  settle(deltas: ReadonlyMap<string, number>): void {
    for (const [gid, delta] of deltas) {
      const bytes = this.usages.get(gid);
      // Not read yet: usage() reads the store, where this unit's batch already is.
      if (bytes !== undefined) this.usages.set(gid, bytes + delta);
    }
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
