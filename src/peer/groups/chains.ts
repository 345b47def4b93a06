/**
 * The sender-key states of the profile (DESIGN.md §6): my sender chain per (group,
 * epoch), with the members who were sent its share, and a receiver chain per (group,
 * epoch, sender). The states are the crypto codec's bytes (sender-keys-codec.ts); a
 * state is read for one unit of work, changed in memory by seal/open, and written
 * back in that work's batch (work.ts), so a batch that fails to write leaves the
 * stored states, and so the keys not yet used, as they were.
 */

import type { ReceiverChain, SenderChain } from '../../crypto/sender-keys.js';
import {
  decodeReceiverChain,
  decodeSenderChain,
  encodeReceiverChain,
  encodeSenderChain,
} from '../../crypto/sender-keys-codec.js';
import { del, type KvOp, type PeerStore, PREFIX, prefixRange, putJson } from '../store.js';
import { epochIn, groupKeys } from './keys.js';

/**
 * Receiver chains kept for groups this client does not know yet: a member's key can
 * come (1:1 mailbox) before the change that added me (group stream). Four groups of
 * MAX_GROUP_MEMBERS; anyone can send me a share, so this bounds what strangers can store.
 */
export const MAX_EARLY_SENDER_KEYS = 1024;

/** My chain of one group epoch. */
export interface MyChain {
  chain: SenderChain;
  /** Members (user ids, hex) whose share is queued or sent: each gets one, once. */
  sharedWith: Set<string>;
}

interface StoredMine {
  /** encodeSenderChain bytes, base64. */
  chain: string;
  sharedWith: string[];
}

export class SenderKeys {
  constructor(private readonly store: PeerStore) {}

  async mine(gid: string, epoch: number): Promise<MyChain | undefined> {
    const stored = await this.store.getJson<StoredMine>(groupKeys.mine(gid, epoch));
    if (stored === undefined) return undefined;
    return {
      chain: decodeSenderChain(new Uint8Array(Buffer.from(stored.chain, 'base64'))),
      sharedWith: new Set(stored.sharedWith),
    };
  }

  mineOps(gid: string, epoch: number, mine: MyChain): KvOp[] {
    const stored: StoredMine = {
      chain: Buffer.from(encodeSenderChain(mine.chain)).toString('base64'),
      sharedWith: [...mine.sharedWith],
    };
    return [putJson(groupKeys.mine(gid, epoch), stored)];
  }

  async receiver(gid: string, epoch: number, sender: string): Promise<ReceiverChain | undefined> {
    const bytes = await this.store.kv.getBytes(groupKeys.receiver(gid, epoch, sender));
    return bytes === undefined ? undefined : decodeReceiverChain(bytes);
  }

  receiverOps(gid: string, epoch: number, sender: string, chain: ReceiverChain): KvOp[] {
    const key = groupKeys.receiver(gid, epoch, sender);
    return [{ type: 'put', key, value: encodeReceiverChain(chain) }];
  }

  /**
   * The ops that forget this group's chains (and shares owed) of epochs before `epoch`: a member went,
   * so my next message starts a new chain, and what the old chains could still open
   * can no longer come in order (the relay accepts messages of the current epoch
   * only). With `epoch` Infinity: every chain of the group (I am no longer in it).
   */
  async dropBefore(gid: string, epoch: number): Promise<KvOp[]> {
    const ops: KvOp[] = [];
    const prefixes = [groupKeys.mineOf(gid), groupKeys.receiversOf(gid), groupKeys.owedOf(gid)];
    for (const prefix of prefixes) {
      for await (const [key] of this.store.kv.entries(prefixRange(prefix))) {
        if (epochIn(key, prefix) < epoch) ops.push(del(key));
      }
    }
    return ops;
  }

  /** The bytes of the change at `seq` of a group's stored log. */
  logRecord(gid: string, seq: number): Promise<Uint8Array | undefined> {
    return this.store.kv.getBytes(groupKeys.log(gid, seq));
  }

  /** How many receiver chains belong to none of `known` (group ids, hex). */
  async earlyCount(known: (gid: string) => boolean): Promise<number> {
    let count = 0;
    const range = prefixRange(PREFIX.receiverChain);
    for await (const [key] of this.store.kv.entries(range)) {
      const gid = key.slice(PREFIX.receiverChain.length).split('!')[0] ?? '';
      if (!known(gid)) count++;
    }
    return count;
  }
}
