/**
 * Membership changes applied and refused (events.ts GroupUpdate), kept until a UI has
 * shown them, as damaged deliveries are (messaging/take-once.ts): the item that brought
 * one is acknowledged and gone from the relay, and the command that happened to be
 * connected (`natter send`) may have had nobody listening.
 *
 *   gupdate!<time, 16 digits>!<gid>!<log seq, 10 digits>!<type>  → GroupUpdate
 *
 * Written in the batch of the unit that applied or refused the change.
 */

import type { GroupUpdate } from '../events.js';
import { TakeOnce } from '../messaging/take-once.js';
import { fixedWidth, type KvOp, type PeerStore, PREFIX } from '../store.js';

export class GroupUpdates {
  private readonly records: TakeOnce<GroupUpdate>;

  constructor(store: PeerStore) {
    this.records = new TakeOnce(store, PREFIX.groupUpdates);
  }

  /** The op that keeps `update`, about change `seq` of group `gid` (hex). */
  recordOps(gid: string, seq: number, update: GroupUpdate): KvOp[] {
    const key = `${fixedWidth(update.atMs)}!${gid}!${fixedWidth(seq, 10)}!${update.type}`;
    return this.records.recordOps(key, update);
  }

  /** Updates not yet taken, oldest first; each is returned exactly once. */
  take(): Promise<GroupUpdate[]> {
    return this.records.take();
  }
}
