/**
 * Offers leave as ordinary end-to-end messages (docs/files.md "The offer"): 1:1 through the
 * outbox (compose.ts), to a group sealed once for every member (groups/send.ts), so an offer
 * to someone offline waits on the relay like any message and is resent after reconnects.
 * Also where a FileTarget becomes the FilePut's recipients, where a recipient's answer
 * to an offer leaves (replies.ts), 1:1 to the key the offer came from, and where my cancel
 * of an offer leaves (cancels.ts), 1:1 to each recipient.
 */
import { randomBytes } from '../../crypto/random.js';
import { fromHex, toHex } from '../../util/bytes.js';
import { MSG_ID_BYTES } from '../../wire/limits.js';
import { normalizePseudonym, pseudonymKey } from '../../wire/text.js';
import type { FileOffer, FileReplyOutcome } from '../../wire/types.js';
import type { DirectConversations } from '../conversations/direct.js';
import { type ConversationId, directConversation } from '../conversations/ids.js';
import { PeerCode, peerError } from '../errors.js';
import type { PeerEvents } from '../events.js';
import type { Groups } from '../groups/groups.js';
import { LinkCode, linkError } from '../link/errors.js';
import { type ComposeDeps, composeOffer } from '../messaging/compose.js';
import type { OutboxSender } from '../messaging/sender.js';
import type { KvOp, PeerStore } from '../store.js';
import type { FileTarget } from './api.js';
import type { OfferPoster, ResolvedTarget } from './offer-build.js';
import { offerLine } from './offers.js';
import { type IncomingRecord, incomingOps, type OutgoingRecord, storeOffer } from './records.js';
import { safeDisplayName } from './safe-name.js';

export interface OfferPostDeps extends ComposeDeps {
  store: PeerStore;
  direct: Pick<DirectConversations, 'resolve'>;
  sender: Pick<OutboxSender, 'holdFor' | 'kick'>;
  groups: Pick<Groups, 'info' | 'sendOffer' | 'nameOf'>;
  /** 'message:queued' for each offer: a chat shows an offer a script made beside it. */
  events: PeerEvents;
}

export class OfferPost implements OfferPoster {
  constructor(private readonly d: OfferPostDeps) {}

  /** E_UNKNOWN_USER, E_KEY_CHANGED, E_SELF, E_OFFLINE; for a group E_UNKNOWN_GROUP, E_NOT_GROUP_MEMBER. */
  async resolve(target: FileTarget): Promise<ResolvedTarget> {
    if ('group' in target) {
      const g = await this.d.groups.info(target.group);
      if (g.myRole === null) {
        throw peerError(PeerCode.NotGroupMember, `send file: you are no longer in ${g.name}`);
      }
      return {
        peer: `#${g.name}`,
        conversation: g.conversation,
        recipients: { groupId: g.groupId },
      };
    }
    const typed = normalizePseudonym(target.to);
    const name = this.d.contacts.currentName(typed);
    // Said before any lookup, as send says it (compose.ts): asking the relay for my own
    // name pinned my own card among my contacts (a new-user trial).
    const me = pseudonymKey(this.d.myName);
    if (pseudonymKey(typed) === me || pseudonymKey(name) === me) {
      throw peerError(PeerCode.Self, 'send file: you cannot send yourself a file');
    }
    const conversation = directConversation(name);
    const r = await this.d.direct.resolve({ conversation, peerName: name });
    if (r.ok) {
      return {
        peer: `@${r.contact.pseudonym}`,
        conversation,
        recipients: { to: [toHex(r.contact.card.userId)] },
      };
    }
    switch (r.why) {
      case 'retry':
        throw linkError(LinkCode.Offline, `send file: the relay did not answer about ${name}`);
      case 'held':
        throw peerError(PeerCode.KeyChanged, `send file: ${name}'s key changed: trust() first`);
      case 'self':
        throw peerError(PeerCode.Self, 'send file: you cannot send yourself a file');
      default:
        throw peerError(PeerCode.UnknownUser, `send file: nobody is registered as ${name}`);
    }
  }

  /**
   * Queues the answer `record` owes its sender (replies.ts), to the key the offer came from,
   * and stores the record as answered, in one write.
   */
  async reply(record: IncomingRecord, outcome: FileReplyOutcome, nowMs: number): Promise<void> {
    const to = record.fromUserId;
    const name = this.d.contacts.byUserId(fromHex(to))?.pseudonym ?? record.from;
    const { ops } = this.d.outbox.enqueueOps({
      msgId: toHex(randomBytes(MSG_ID_BYTES)),
      conversation: directConversation(name),
      peerName: name,
      content: { kind: 'file-reply', transferId: record.offer.transferId, outcome, to },
      sentAtMs: nowMs,
    });
    record.replied = true;
    await this.d.store.write([...ops, ...incomingOps(record)]);
    this.d.sender.kick();
  }

  /**
   * The messages that tell each recipient of `record` I cancelled it (cancels.ts): each
   * named one, or each member of its group now but me, those the relay left out and those
   * who answered already (they have it, or will not take it). Ops for the caller's write.
   */
  cancelOps(record: OutgoingRecord, nowMs: number): KvOp[] {
    const answered = new Set([
      ...(record.replies ?? []).map((r) => r.userId),
      ...(record.leftOut ?? []).map((m) => m.userId),
    ]);
    const ops: KvOp[] = [];
    for (const { userId, name } of this.recipientsOf(record)) {
      if (answered.has(userId)) continue;
      const known = this.d.contacts.byUserId(fromHex(userId))?.pseudonym ?? name;
      const transferId = record.offer.transferId;
      ops.push(
        ...this.d.outbox.enqueueOps({
          msgId: toHex(randomBytes(MSG_ID_BYTES)),
          conversation: directConversation(known),
          peerName: known,
          content: { kind: 'file-cancel', transferId, to: userId },
          sentAtMs: nowMs,
        }).ops,
      );
    }
    return ops;
  }

  /** Lets the outbox send what cancelOps queued. */
  kick(): void {
    this.d.sender.kick();
  }

  /** Who `record` was offered to, by user id (hex) and a name to address them by. */
  private recipientsOf(record: OutgoingRecord): { userId: string; name: string }[] {
    const r = record.recipients;
    if ('to' in r) return r.to.map((userId) => ({ userId, name: record.peer.slice(1) }));
    const me = pseudonymKey(this.d.myName);
    try {
      return this.d.groups
        .info(r.groupId)
        .members.filter((m) => pseudonymKey(m.pseudonym) !== me)
        .map((m) => ({ userId: m.userId, name: m.pseudonym }));
    } catch {
      return []; // the group is gone from this profile
    }
  }

  /** Whether `userId` (hex) is one the upload was offered to: named, or in its group now. */
  isRecipient(record: OutgoingRecord, userId: string): boolean {
    const r = record.recipients;
    if ('to' in r) return r.to.includes(userId);
    try {
      return this.d.groups.info(r.groupId).members.some((m) => m.userId === userId);
    } catch {
      return false; // the group is gone from this profile
    }
  }

  /**
   * The group members the relay left out of a file over their size limit, by the names this
   * client knows them by (a member it has not heard of yet by the start of their user id).
   */
  leftOut(target: ResolvedTarget, ids: readonly Uint8Array[]): Pick<OutgoingRecord, 'leftOut'> {
    const r = target.recipients;
    if (ids.length === 0 || !('groupId' in r)) return {};
    const members = this.d.groups.info(r.groupId).members;
    const leftOut = ids.map(toHex).map((userId) => {
      const m = members.find((x) => x.userId === userId);
      return { userId, name: m === undefined ? userId.slice(0, 8) : safeDisplayName(m.pseudonym) };
    });
    return { leftOut };
  }

  groupName(conversation: ConversationId): string | undefined {
    return this.d.groups.nameOf(conversation);
  }

  async post(target: ResolvedTarget, offer: FileOffer, nowMs: number): Promise<void> {
    const line = offerLine(offer);
    if ('groupId' in target.recipients) {
      const sent = await this.d.groups.sendOffer(target.recipients.groupId, offer, line);
      this.d.events.emit('message:queued', sent);
      return;
    }
    const to = target.peer.slice(1);
    const message = composeOffer(
      this.d,
      to,
      { kind: 'file-offer', offer: storeOffer(offer) },
      line,
      nowMs,
    );
    await this.d.store.write(message.ops);
    if (message.held) await this.d.sender.holdFor(message.conversation);
    this.d.sender.kick();
    const { conversation, msgId } = message;
    this.d.events.emit('message:queued', { conversation, msgId, to });
  }
}
