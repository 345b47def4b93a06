/**
 * Members' sender-chain shares, as they come in 1:1 mail ('sender-key' content; the
 * box authenticated the sender, incoming.ts accepted only a trusted card): each
 * becomes the receiver chain of (group, epoch, sender), and the messages held for it
 * (held.ts) are opened at once, in stream order (receive.ts).
 *
 * Which shares are kept: for a group I know, one from a member of its current epoch,
 * one for a later epoch (the change that starts it is still on its way), or one for
 * an earlier epoch that messages still wait for; for a group I do not know yet (the
 * change that added me is still on its way) up to MAX_EARLY_SENDER_KEYS in all. A
 * share for a chain already held (same signing key) changes nothing; one with another
 * key replaces it (its sender started the epoch's chain again).
 */
import { memberRole } from '../../crypto/group-log.js';
import { newReceiverChain, type ReceiverChain } from '../../crypto/sender-keys.js';
import { decodeSenderChainShare } from '../../crypto/sender-keys-codec.js';
import { bytesEqual, toHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { GroupBook } from './book.js';
import { MAX_EARLY_SENDER_KEYS, type SenderKeys } from './chains.js';
import { type HeldGroupMessages, heldCost } from './held.js';
import type { GroupMessages } from './receive.js';
import type { GroupWork } from './work.js';

/**
 * Epochs ahead of mine a share may be for: removals in quick succession can each be
 * shared before their change reaches me; a sender cannot make me store one per epoch.
 */
export const MAX_EPOCHS_AHEAD = 8;

/** A share as a 1:1 message carried it. */
export interface IncomingShare {
  /** The sender's user id, as the box authenticated it. */
  from: Uint8Array;
  groupId: Uint8Array;
  epoch: number;
  /** encodeSenderChainShare bytes. */
  share: Uint8Array;
}

export interface SharesInDeps {
  book: GroupBook;
  keys: SenderKeys;
  held: HeldGroupMessages;
  messages: GroupMessages;
  logger: Logger;
}

export class IncomingShares {
  constructor(private readonly d: SharesInDeps) {}

  /** Files `shares` in `work`, opening what they unlock; returns the groups where held messages opened. */
  async accept(work: GroupWork, shares: readonly IncomingShare[]): Promise<Set<string>> {
    const opened = new Set<string>();
    /** Chains held for groups I do not know: counted once, then as this unit adds some. */
    let early: number | undefined;
    for (const s of shares) {
      const gid = toHex(s.groupId);
      const sender = toHex(s.from);
      if (work.state(gid) === undefined) {
        early ??= await this.d.keys.earlyCount((id) => work.state(id) !== undefined);
        if (early >= MAX_EARLY_SENDER_KEYS) continue;
        early++;
      } else if (!(await this.wanted(work, gid, sender, s))) {
        continue;
      }
      let chain: ReceiverChain;
      try {
        chain = newReceiverChain(decodeSenderChainShare(s.share));
      } catch (err) {
        this.d.logger.warn('dropped a bad sender key', describeError(err));
        continue;
      }
      const held = await work.receiver(gid, s.epoch, sender);
      if (held !== undefined && bytesEqual(held.signingPublicKey, chain.signingPublicKey)) continue;
      work.setReceiver(gid, s.epoch, sender, chain);
      for (const { item, forget } of await this.d.held.forChain(gid, s.epoch, sender)) {
        work.ops.push(forget);
        work.heldBytes(gid, -heldCost(item));
        await this.d.messages.open(work, item, s.epoch, chain);
        opened.add(gid);
      }
    }
    return opened;
  }

  private async wanted(
    work: GroupWork,
    gid: string,
    sender: string,
    s: IncomingShare,
  ): Promise<boolean> {
    const state = work.state(gid);
    if (state === undefined) return true;
    if (s.epoch === state.epoch) return memberRole(state, s.from) !== null;
    if (s.epoch > state.epoch) return s.epoch <= state.epoch + MAX_EPOCHS_AHEAD;
    return this.d.held.waitsFor(gid, s.epoch, sender);
  }
}
