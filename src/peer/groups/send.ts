/**
 * A group message, from sendToGroup() to the outbox (DESIGN.md §6). With no chain of
 * mine for the group's current epoch, one is made, and each other member is queued
 * its share (shares.ts); every member the chain was not shared with yet gets it at the
 * chain's index before this message. The message is sealed once, for everyone, and
 * the advanced chain, the shares, the outbox entry (sent as GroupSend; durable before
 * the relay's ack and resent after a reconnect, as 1:1 messages are: sender.ts) and
 * my own history entry go in one batch: a message is in all of them or in none.
 */
import { type GroupState, memberRole } from '../../crypto/group-log.js';
import { peekGroupMessageHeader } from '../../crypto/group-message.js';
import { randomBytes } from '../../crypto/random.js';
import { newSenderChain, sealGroupMessage } from '../../crypto/sender-keys.js';
import { fromHex, toHex } from '../../util/bytes.js';
import { encodeGroupPlain } from '../../wire/codec.js';
import { MAX_TEXT_BYTES, MSG_ID_BYTES } from '../../wire/limits.js';
import type { FileOffer } from '../../wire/types.js';
import type { ConversationId } from '../conversations/ids.js';
import { PeerCode, peerError } from '../errors.js';
import { loadOffer, storeOffer } from '../files/records.js';
import type { History } from '../messaging/history.js';
import type { Outbox, OutgoingContent } from '../messaging/outbox.js';
import { conversationOf } from './book.js';
import type { Shares } from './shares.js';
import type { GroupWork } from './work.js';

export interface SendDeps {
  outbox: Outbox;
  history: History;
  shares: Shares;
  me: { userId: Uint8Array; pseudonym: string };
}

/** Throws E_EMPTY_MESSAGE or E_TOO_LARGE. */
export function checkText(text: string): void {
  if (text.length === 0) throw peerError(PeerCode.EmptyMessage, 'send: the message is empty');
  if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) {
    throw peerError(PeerCode.TooLarge, `send: the message is over ${MAX_TEXT_BYTES} bytes`);
  }
}

export class GroupSender {
  constructor(private readonly d: SendDeps) {}

  /**
   * Seals `text` for group `gid` in `work` (run it in the group queue, then write the
   * work's batch). E_NOT_GROUP_MEMBER when I was removed or left. With `fileOffer`, the
   * message is that offer (docs/files.md) and `text` only the history's line for it.
   */
  async compose(
    work: GroupWork,
    gid: string,
    text: string,
    fileOffer: FileOffer | null = null,
  ): Promise<{ msgId: string; conversation: ConversationId }> {
    if (fileOffer === null) checkText(text);
    const state = work.state(gid);
    if (state === undefined || memberRole(state, this.d.me.userId) === null) {
      throw peerError(
        PeerCode.NotGroupMember,
        `send: you are no longer a member of ${state?.name ?? 'that group'}`,
      );
    }
    const messageId = randomBytes(MSG_ID_BYTES);
    const content: OutgoingContent =
      fileOffer === null
        ? { kind: 'group-text', body: text }
        : { kind: 'group-file-offer', offer: storeOffer(fileOffer) };
    const sealedGroup = await this.seal(work, gid, state, messageId, work.now, content);
    const msgId = toHex(messageId);
    const conversation = conversationOf(gid);
    const { ops } = this.d.outbox.enqueueOps({
      msgId,
      conversation,
      content,
      sentAtMs: work.now,
      sealedGroup,
    });
    work.ops.push(...ops);
    const entry = {
      conversation,
      direction: 'out' as const,
      msgId,
      peer: { pseudonym: state.name, userId: '' },
      text,
      sentAtMs: work.now,
      state: 'queued' as const,
    };
    work.ops.push(...this.d.history.appendOps(entry, { atMs: work.now }));
    work.queued = true;
    return { msgId, conversation };
  }

  /**
   * A member went (a new epoch): my messages still queued for the group were sealed
   * under the old one, which the relay no longer takes (its SendAck says 'internal', a
   * refusal for now) and which the member gone could read. Each is sealed again, same
   * id and send time, under my chain of the new epoch (shared with the members left),
   * in `work`'s batch. One that the relay stored before the change is acknowledged as
   * such and leaves the outbox; sender.ts does not send an entry again while in flight.
   */
  async reseal(work: GroupWork, gid: string, state: GroupState): Promise<void> {
    const conversation = conversationOf(gid);
    for (const entry of this.d.outbox.list()) {
      const sealed = entry.sealedGroup;
      if (entry.conversation !== conversation || sealed === undefined) continue;
      const kind = entry.content.kind;
      if (kind !== 'group-text' && kind !== 'group-file-offer') continue;
      if (peekGroupMessageHeader(sealed).epoch >= state.epoch) continue;
      const messageId = fromHex(entry.msgId);
      const sealedGroup = await this.seal(
        work,
        gid,
        state,
        messageId,
        entry.sentAtMs,
        entry.content,
      );
      work.ops.push(...this.d.outbox.replaceOps(entry.msgId, { sealedGroup }));
      work.queued = true;
    }
  }

  /** `content` sealed under my chain of the group's epoch (made, and shared, first if need be). */
  private async seal(
    work: GroupWork,
    gid: string,
    state: GroupState,
    messageId: Uint8Array,
    sentAtMs: number,
    content: OutgoingContent,
  ): Promise<Uint8Array> {
    const mine = (await work.mine(gid, state.epoch)) ?? {
      chain: newSenderChain(),
      sharedWith: new Set<string>(),
    };
    work.ops.push(...this.d.shares.shareMissing(gid, state, mine, work.now));
    const plain = encodeGroupPlain({
      sentAtMs,
      senderName: this.d.me.pseudonym,
      text: content.kind === 'group-text' ? content.body : '',
      fileOffer: content.kind === 'group-file-offer' ? loadOffer(content.offer) : null,
    });
    const header = {
      groupId: fromHex(gid),
      epoch: state.epoch,
      sender: this.d.me.userId,
      messageId,
    };
    const sealed = sealGroupMessage(mine.chain, header, plain);
    work.setMine(gid, state.epoch, mine);
    return sealed;
  }
}
