/**
 * The group choreography (docs/groups.md "Relay"), as fanout.ts does it for 1:1:
 * check, append to the group's stream, push, answer the sender once durable.
 *
 * - A change (GroupChangeRequest) is checked by the registry (signature, chain,
 *   the relay's rules), then stored as a log entry and an item in one synced
 *   batch; only then is it answered (GroupChangeResult, code '' and its gseq) and
 *   pushed to every member before and after it. Changes are never pushed early: a
 *   member must never apply a change the relay might still lose.
 * - A message (GroupSend) must come from a current member, and its header
 *   (peekGroupMessageHeader; the relay never opens it) must name this group, the
 *   session's user, the frame's msg_id and the group's current epoch. It is
 *   pushed at once to the sessions that are keeping up, acknowledged (SendAck
 *   stored) after the synced batch, then offered to every other session.
 * - Every session of every member receives each item, the sender's own sessions
 *   included: everyone sees the same gseq order, and the sender's cumulative ack
 *   passes its own messages like any other item (docs/decisions.md).
 */
import { type GroupMessageHeader, peekGroupMessageHeader } from '../../crypto/group-message.js';
import { bytesEqual, toHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import { ProtocolCode, ProtocolError } from '../../wire/errors.js';
import type { Frame, FrameOf, GroupChange } from '../../wire/types.js';
import { type GroupResultCodeValue, SessionCode, STORE_REFUSAL_CODES } from '../errors.js';
import type { Hub } from '../hub.js';
import type { StoreRefusal } from '../store/index.js';
import type { GroupRecord, GroupRegistry } from './registry.js';
import type { GroupStreams } from './stream.js';

/** What the choreography needs of the sending session. */
export interface GroupSender {
  readonly userHex: string;
  /** Counts a write awaiting its durable answer (the session stops reading past a limit). */
  sendStarted(): void;
  sendFinished(): void;
  send(frame: Frame): void;
}

/** Store refusals as GroupChangeResult codes (try again later). */
const STORE_CODES: Record<StoreRefusal['code'], GroupResultCodeValue> = STORE_REFUSAL_CODES;

export class GroupFanout {
  constructor(
    private readonly registry: GroupRegistry,
    private readonly streams: GroupStreams,
    private readonly hub: Hub,
  ) {}

  /** A GroupChangeRequest: applied, stored, answered, then pushed. */
  change(sender: GroupSender, requestId: number, change: GroupChange): void {
    const answer = (code: GroupResultCodeValue | '', reason: string, gseq = 0) =>
      sender.send({ type: 'group-change-result', requestId, code, reason, gseq });
    const gidHex = toHex(change.groupId);
    if (!this.streams.available(gidHex)) {
      answer(SessionCode.Internal, 'the group is being reloaded; try again');
      return;
    }
    const checked = this.registry.check(change, sender.userHex);
    if (!checked.ok) {
      answer(checked.code, checked.reason);
      return;
    }
    const appended = this.streams.appendChange(checked, change);
    if (appended.code !== 'queued') {
      answer(STORE_CODES[appended.code], appended.reason);
      return;
    }
    sender.sendStarted();
    void appended.durable.then((refusal) => {
      sender.sendFinished();
      if (refusal !== null) {
        answer(STORE_CODES[refusal.code], refusal.reason);
        return;
      }
      answer('', '', appended.item.gseq);
      this.hub.deliverGroup(appended.item, appended.recipients);
    });
  }

  /** A GroupSend: checked, pushed early, stored, acknowledged, pushed. */
  send(sender: GroupSender, frame: FrameOf<'group-send'>): void {
    const ack = (code: FrameOf<'send-ack'>['code'], reason: string) =>
      sender.send({ type: 'send-ack', msgId: frame.msgId, code, reason });
    const checked = checkGroupSend(this.registry, sender.userHex, frame);
    if (!checked.ok) {
      ack(checked.code, checked.reason);
      return;
    }
    const { group, from } = checked;
    const appended = this.streams.appendMessage(group, from, frame.msgId, frame.body);
    if (appended.code !== 'queued') {
      ack(appended.code, appended.reason);
      return;
    }
    sender.sendStarted();
    const { item, recipients } = appended;
    const reached = this.hub.deliverGroupEarly(item, appended.prevGseq, recipients);
    void appended.durable.then((refusal) => {
      sender.sendFinished();
      ack(refusal?.code ?? 'stored', refusal?.reason ?? '');
      if (refusal === null) this.hub.deliverGroup(item, recipients, reached);
    });
  }
}

/**
 * A GroupSend as both choreographies check it before storing it: the group
 * exists here, the sender is a member, and the header names this group, the
 * session's user, the frame's msg_id and the group's current epoch. A stale
 * epoch means a change (a member gone) was applied since the client sealed it:
 * it re-seals under the new epoch once it has the change, and sends again.
 */
export function checkGroupSend(
  registry: GroupRegistry,
  senderHex: string,
  frame: FrameOf<'group-send'>,
):
  | { ok: true; group: GroupRecord; from: Uint8Array; epoch: number }
  | { ok: false; code: FrameOf<'send-ack'>['code']; reason: string } {
  const group = registry.get(toHex(frame.groupId));
  if (!group)
    return { ok: false, code: 'unknown-recipient', reason: 'no such group on this relay' };
  if (!group.members.has(senderHex)) {
    return { ok: false, code: 'unknown-recipient', reason: 'you are not a member of this group' };
  }
  const { epoch, sender: from } = checkGroupSendHeader(senderHex, frame);
  if (epoch !== group.state.epoch) {
    const reason = `stale epoch ${epoch}: the group is at epoch ${group.state.epoch}`;
    return { ok: false, code: 'stale-epoch', reason };
  }
  return { ok: true, group, from, epoch };
}

/**
 * The message header of a GroupSend, once it is known to name this group, the
 * session's user and the frame's msg_id. A header that does not is a broken or
 * hostile client: E_BAD_VALUE ends the connection (STYLE.md §4).
 */
function checkGroupSendHeader(senderHex: string, frame: FrameOf<'group-send'>): GroupMessageHeader {
  let header: GroupMessageHeader;
  try {
    header = peekGroupMessageHeader(frame.body);
  } catch (err) {
    throw new ProtocolError(
      ProtocolCode.BadValue,
      `group send: the body is not a group message (${describeError(err).message})`,
    );
  }
  const bad = (why: string) =>
    new ProtocolError(ProtocolCode.BadValue, `group send: the message header ${why}`);
  if (!bytesEqual(header.groupId, frame.groupId)) throw bad('names another group');
  if (toHex(header.sender) !== senderHex) throw bad('names another sender');
  if (!bytesEqual(header.messageId, frame.msgId)) throw bad('names another msg_id');
  return header;
}
