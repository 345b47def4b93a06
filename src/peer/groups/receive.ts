/**
 * A group message from the stream, to the screen (docs/groups.md "Client"). Before
 * any key is touched, the readable header must agree with the stream: sender = the
 * relay's `from`, message id = the outer one, this group, a member of the group at
 * this point of the stream, sealed for the epoch the group is in there. Then the
 * sender's receiver chain opens it (sender-keys.ts checks the chain's signature, the
 * index, the box). A message whose chain has not come yet is held (held.ts); one that
 * fails a check is dropped and reported like a damaged 1:1 delivery ('message:damaged',
 * takeDamaged()); one sealed before its sender shared the chain with me is dropped
 * quietly (notForMe); one from a member whose key changed waits for trust(), as in 1:1.
 */
import { GroupCode } from '../../crypto/group-errors.js';
import { type GroupState, memberRole } from '../../crypto/group-log.js';
import { peekGroupMessageHeader } from '../../crypto/group-message.js';
import { fingerprint } from '../../crypto/keys.js';
import { openGroupMessage, type ReceiverChain } from '../../crypto/sender-keys.js';
import { bytesEqual, fromHex, toHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { decodeGroupPlain } from '../../wire/codec.js';
import type { Frame, GroupPlain } from '../../wire/types.js';
import type { Contacts } from '../contacts.js';
import { sendTimeRefusal } from '../conversations/envelope.js';
import {
  type ConversationNotice,
  type DamagedMessage,
  type DamageReason,
  MESSAGE_DAMAGED_CODE,
  type PeerRef,
} from '../events.js';
import type { OfferSink } from '../files/offer-sink.js';
import { offerLine } from '../files/offers.js';
import type { DamagedReports } from '../messaging/damaged.js';
import type { History, HistoryEntry } from '../messaging/history.js';
import type { ConversationNotices } from '../messaging/notices.js';
import { toReceived } from '../messaging/received-entry.js';
import { conversationOf } from './book.js';
import { type HeldGroupMessages, heldCost, type MessageItem } from './held.js';
import type { MemberNames } from './members.js';
import { gapNotice, heldNotice } from './notices.js';
import type { GroupResends } from './resend.js';
import type { GroupWork } from './work.js';

export interface ReceiveDeps {
  me: { userId: Uint8Array };
  contacts: Contacts;
  names: MemberNames;
  history: History;
  held: HeldGroupMessages;
  damaged: DamagedReports;
  /** Where gaps in a sender's chain and a group stopped at the held bound are kept until shown. */
  notices: Pick<ConversationNotices, 'recordOps'>;
  /** Whether a group stopped at the held bound resumes in this session (resend.ts). */
  resends: Pick<GroupResends, 'resumable'>;
  logger: Logger;
  /** Where a file offer to the group goes (files/transfers.ts). */
  offers?: OfferSink;
  /** Keys whose messages are not shown (blocks.ts); their file offers are declined on `link`. */
  blocks?: { has(userId: string): boolean };
  link?: { send(frame: Frame): boolean };
}

/** How each failure of openGroupMessage is reported. */
const REASON_OF: Record<string, DamageReason> = {
  [GroupCode.BadMessage]: 'malformed',
  [GroupCode.WrongGroup]: 'misrouted',
  [GroupCode.WrongEpoch]: 'wrong-epoch',
  [GroupCode.WrongSender]: 'sender-mismatch',
  [GroupCode.BadSignature]: 'bad-signature',
  [GroupCode.Replay]: 'counter-reused',
  [GroupCode.KeyUnavailable]: 'key-unavailable',
  [GroupCode.TooFarAhead]: 'key-unavailable',
  [GroupCode.Undecryptable]: 'open-failed',
};

export class GroupMessages {
  constructor(private readonly d: ReceiveDeps) {}

  /**
   * A message item of the stream, with `state` the group as it is at that item. False
   * when it could not be kept now (its sender's chain has not come and the group holds
   * all it may): the stream stops there, unacknowledged (stream.ts), so the relay keeps
   * it and sends it again, in this session once the held messages opened (resend.ts)
   * or in the next; it is never dropped for that.
   */
  async receive(work: GroupWork, state: GroupState, item: MessageItem): Promise<boolean> {
    const me = this.d.me.userId;
    // Not mine to read (the relay ends my stream at my removal), or my own message back.
    if (memberRole(state, me) === null || bytesEqual(item.from, me)) return true;
    let header: ReturnType<typeof peekGroupMessageHeader>;
    try {
      header = peekGroupMessageHeader(item.body);
    } catch {
      return this.damage(work, item, 'malformed');
    }
    if (!bytesEqual(header.sender, item.from)) return this.damage(work, item, 'sender-mismatch');
    if (!bytesEqual(header.messageId, item.msgId)) {
      return this.damage(work, item, 'msg-id-mismatch');
    }
    if (!bytesEqual(header.groupId, fromHex(item.gid))) return this.damage(work, item, 'misrouted');
    if (memberRole(state, header.sender) === null) return this.damage(work, item, 'not-a-member');
    if (header.epoch !== state.epoch) return this.damage(work, item, 'wrong-epoch');
    const sender = toHex(header.sender);
    const chain = await work.receiver(item.gid, header.epoch, sender);
    if (chain !== undefined) {
      await this.open(work, item, header.epoch, chain);
      return true;
    }
    const cost = heldCost(item);
    if (!(await work.heldRoom(item.gid, cost))) {
      this.d.logger.info('a group stops until its sender key comes: no room to hold more', {
        group: item.gid,
        gseq: item.gseq,
      });
      this.notice(
        work,
        heldNotice({
          gid: item.gid,
          groupName: state.name,
          from: this.ref(sender, item.from),
          gseq: item.gseq,
          previousGseq: work.gseq(item.gid),
          waiting: await work.heldCount(item.gid),
          resumes: this.d.resends.resumable,
          atMs: work.stamp(),
        }),
      );
      return false;
    }
    work.ops.push(...this.d.held.holdOps(header.epoch, sender, item));
    work.heldBytes(item.gid, cost);
    return true;
  }

  /**
   * Opens `item` with its sender's `chain` of `epoch` (the chain advances, and is
   * written with the work's batch) and files it: history and 'message:received', or
   * held for trust(), or a damage report.
   */
  async open(
    work: GroupWork,
    item: MessageItem,
    epoch: number,
    chain: ReceiverChain,
  ): Promise<void> {
    const sender = toHex(item.from);
    const groupId = fromHex(item.gid);
    const msgId = toHex(item.msgId);
    const copyKey = `${sender}!${msgId}`;
    let plain: GroupPlain;
    try {
      const expected = chain.nextIndex;
      const opened = openGroupMessage(chain, { groupId, epoch, sender: item.from }, item.body);
      work.setReceiver(item.gid, epoch, sender, chain);
      this.notice(
        work,
        gapNotice({
          gid: item.gid,
          groupName: work.state(item.gid)?.name ?? '',
          from: this.ref(sender, item.from),
          index: opened.header.index,
          expected,
          atMs: work.stamp(),
        }),
      );
      plain = decodeGroupPlain(opened.plaintext);
    } catch (err) {
      const { code, message } = describeError(err);
      if (code === GroupCode.BeforeShare) return this.notForMe(code);
      // Signed by the sender's chain (checked first), its key already used: a copy if its id
      // was opened already (isCopy), else a replay, reported.
      const used = code === GroupCode.Replay || code === GroupCode.KeyUnavailable;
      if (used && (await this.isCopy(work, copyKey, sender, msgId))) return;
      this.d.logger.warn('dropped a group message', { code, message });
      this.damage(work, item, REASON_OF[code] ?? 'malformed');
      return;
    }
    // Sealed again under a new epoch (the old seal was stored too), it opens with that epoch's chain.
    if (await this.isCopy(work, copyKey, sender, msgId)) return;
    const receivedAtMs = item.arrivedAtMs ?? work.stamp();
    // The 1:1 window (envelope.ts), against when the item came: a dated lie is dropped.
    const late = sendTimeRefusal(plain.sentAtMs, receivedAtMs);
    if (late !== null) {
      this.damage(work, item, late);
      return;
    }
    work.opened.add(copyKey);
    // From a blocked key: the chain advanced and the item is acknowledged, but nothing is kept
    // or shown (docs/decisions.md, "Blocking"); an offer is declined so its upload goes.
    if (this.d.blocks?.has(sender) === true) {
      const transferId = plain.fileOffer?.transferId;
      if (transferId !== undefined)
        this.d.link?.send({ type: 'file-done', transferId, outcome: 'declined' });
      return;
    }
    const conversation = conversationOf(item.gid);
    const entry: HistoryEntry = {
      conversation,
      direction: 'in',
      msgId,
      peer: { pseudonym: this.d.names.of(sender), userId: sender },
      text: plain.fileOffer === null ? plain.text : offerLine(plain.fileOffer),
      sentAtMs: plain.sentAtMs,
      receivedAtMs,
    };
    // The contact pinned to this key, or the one whose name this key's card carries (the
    // key is then a pending one of theirs): either way, a key in question waits for trust().
    const name = this.d.names.known(sender);
    const contact =
      this.d.contacts.byUserId(item.from) ??
      (name === undefined ? undefined : this.d.contacts.get(name));
    if (contact?.pending != null) {
      work.ops.push(...this.d.held.trustHoldOps(contact.pseudonym, item.gid, entry, receivedAtMs));
      work.held.push({ conversation, msgId: entry.msgId, from: this.ref(sender, item.from) });
      return;
    }
    work.ops.push(...this.d.history.appendOps(entry, { unread: true, atMs: receivedAtMs }));
    const groupName = work.state(item.gid)?.name ?? '';
    work.shown.push({ ...toReceived(entry), group: { name: groupName } });
    if (plain.fileOffer !== null) {
      const taken = this.d.offers?.intakeOps(plain.fileOffer, {
        from: entry.peer.pseudonym,
        fromUserId: item.from,
        conversation,
        group: groupName,
        nowMs: work.now,
        sentAtMs: plain.sentAtMs,
      });
      if (taken) {
        work.ops.push(...taken.ops);
        work.offers.push(taken.record);
      }
    }
  }

  /**
   * A message already opened (this unit, or in history), come again: its sender sent it
   * again after losing the SendAck (a relay that died after its synced write), perhaps
   * sealed again under a new epoch meanwhile, and the relay stored it twice. Dropped
   * quietly, as a 1:1 copy is (docs/protocol.md, "drop duplicates by (sender, msg_id)"):
   * neither shown twice nor reported as damaged.
   */
  private async isCopy(
    work: GroupWork,
    copyKey: string,
    sender: string,
    msgId: string,
  ): Promise<boolean> {
    if (!work.opened.has(copyKey) && (await this.d.history.incoming(sender, msgId)) === undefined)
      return false;
    this.d.logger.info('dropped a copy of a group message', { msgId });
    return true;
  }

  /**
   * Signed by its sender's chain, but at an index before the share my chain of it starts
   * at: the sender sealed it for the members it knew before it learned I was added (an add
   * keeps the epoch; its share to me is at its index then), and the relay stored it after
   * the add, so it came to me too. It was never meant for me: neither damaged nor forged,
   * so dropped quietly, like a copy. The share may come first or after (held.ts): both
   * paths open here.
   */
  private notForMe(code: string): void {
    this.d.logger.info('dropped a group message sealed before its sender shared its key', {
      code,
    });
  }

  /** Dropped, reported (takeDamaged()) and counted, like a damaged 1:1 delivery; true: handled. */
  damage(work: GroupWork, item: MessageItem, reason: DamageReason): true {
    const report: DamagedMessage = {
      code: MESSAGE_DAMAGED_CODE,
      reason,
      claimedFrom: this.ref(toHex(item.from), item.from),
      conversation: conversationOf(item.gid),
      msgId: toHex(item.msgId),
      seq: item.gseq,
      receivedAtMs: item.arrivedAtMs ?? work.stamp(),
    };
    work.ops.push(...this.d.damaged.recordOps(report));
    work.damaged.push(report);
    return true;
  }

  /** Kept with the work's batch and announced once it is durable. */
  private notice(work: GroupWork, n: ConversationNotice | undefined): void {
    if (n === undefined) return;
    work.ops.push(...this.d.notices.recordOps(n));
    work.notices.push(n);
  }

  private ref(userId: string, bytes: Uint8Array): PeerRef {
    return { pseudonym: this.d.names.of(userId), userId, fingerprint: fingerprint(bytes) };
  }
}
