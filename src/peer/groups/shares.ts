/**
 * My sender chain's share, to each other member (DESIGN.md §6): an ordinary 1:1
 * message (content 'sender-key') through the outbox, so it is durable and retried
 * like any other, sealed only to the member's own card (sender.ts, direct.ts
 * resolveMember: never to another key their name may have meanwhile).
 *
 * A share is taken at the chain's index when the member becomes owed it: at index 0
 * for the members there when the chain is made, at the current index for one added
 * later (who so cannot read what came before). When the member's card is not pinned
 * yet (someone else added them and the relay could not be asked), the share waits
 * under gowe! and goes once their card is known (settleOwed(), after each Ready).
 */

import type { GroupState } from '../../crypto/group-log.js';
import { randomBytes } from '../../crypto/random.js';
import { senderChainShare } from '../../crypto/sender-keys.js';
import { encodeSenderChainShare } from '../../crypto/sender-keys-codec.js';
import { fromHex, toHex } from '../../util/bytes.js';
import { MSG_ID_BYTES } from '../../wire/limits.js';
import type { Contacts } from '../contacts.js';
import { directConversation } from '../conversations/ids.js';
import type { Outbox } from '../messaging/outbox.js';
import { del, type KvOp, type PeerStore, PREFIX, putJson } from '../store.js';
import type { MyChain } from './chains.js';
import { groupKeys } from './keys.js';
import type { MemberNames } from './members.js';

export interface SharesDeps {
  store: PeerStore;
  outbox: Outbox;
  contacts: Contacts;
  names: MemberNames;
  me: { userId: Uint8Array };
}

interface Owed {
  share: string;
}

export class Shares {
  constructor(private readonly d: SharesDeps) {}

  /**
   * The ops that give every member of `state` but me who has not had `mine`'s share
   * one at the chain's current index, and mark them as having it.
   */
  shareMissing(gid: string, state: GroupState, mine: MyChain, nowMs: number): KvOp[] {
    const me = toHex(this.d.me.userId);
    const ops: KvOp[] = [];
    let share: Uint8Array | undefined;
    for (const m of state.members) {
      const member = toHex(m.userId);
      if (member === me || mine.sharedWith.has(member)) continue;
      share ??= encodeSenderChainShare(senderChainShare(mine.chain));
      ops.push(...this.give(gid, state.epoch, member, share, nowMs));
      mine.sharedWith.add(member);
    }
    return ops;
  }

  /** The share to `member` (hex): queued in the outbox if their card is pinned, else owed. */
  private give(gid: string, epoch: number, member: string, share: Uint8Array, now: number): KvOp[] {
    const contact = this.d.contacts.byUserId(fromHex(member));
    if (contact === undefined) {
      const owed: Owed = { share: toHex(share) };
      return [putJson(groupKeys.owed(gid, epoch, member), owed)];
    }
    const { ops } = this.d.outbox.enqueueOps({
      msgId: toHex(randomBytes(MSG_ID_BYTES)),
      conversation: directConversation(contact.pseudonym),
      peerName: contact.pseudonym,
      content: { kind: 'sender-key', groupId: gid, epoch, share: toHex(share), to: member },
      sentAtMs: now,
    });
    return ops;
  }

  /**
   * Moves owed shares to the outbox for members whose cards can be learned now (a
   * Lookup by user id, pinned on this first use). Returns the ops; none when nothing moved.
   */
  async settleOwedOps(nowMs: number): Promise<KvOp[]> {
    const owed: { key: string; gid: string; epoch: number; member: string; share: Uint8Array }[] =
      [];
    for await (const [key, o] of this.d.store.scan<Owed>(PREFIX.owedShare)) {
      const [gid, epoch, member] = key.slice(PREFIX.owedShare.length).split('!');
      if (gid === undefined || epoch === undefined || member === undefined) continue;
      owed.push({ key, gid, epoch: Number(epoch), member, share: fromHex(o.share) });
    }
    if (owed.length === 0) return [];
    await this.d.names.learn(owed.map((o) => o.member));
    const ops: KvOp[] = [];
    for (const o of owed) {
      if (this.d.contacts.byUserId(fromHex(o.member)) === undefined) continue;
      ops.push(del(o.key), ...this.give(o.gid, o.epoch, o.member, o.share, nowMs));
    }
    return ops;
  }
}
