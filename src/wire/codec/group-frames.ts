/**
 * The group frames (issue 11, docs/groups.md): the entries frames.ts puts in its
 * tables. Lengths, counts and ranges are checked here; a change's signature and
 * chain by src/crypto's applyChange (the records themselves: groups.ts).
 */

import { boundedBytes, count, exactBytes, text, uint } from '../check.js';
import { ProtocolCode, ProtocolError } from '../errors.js';
import type { natter as pb } from '../gen/natter.js';
import {
  GROUP_ID_BYTES,
  KEY_BYTES,
  MAX_GROUP_CODE_CHARS,
  MAX_GROUP_LOG_PAGE_CHANGES,
  MAX_GROUP_MESSAGE_BYTES,
  MAX_REASON_CHARS,
  MSG_ID_BYTES,
} from '../limits.js';
import type { FrameOf, GroupItem } from '../types.js';
import { decodeGroupChange, encodeGroupChange } from './groups.js';

const U32_MAX = 0xffff_ffff;

export const groupEncoders = {
  'group-change': (f: FrameOf<'group-change'>): pb.Frame.$Properties => ({
    groupChange: { requestId: f.requestId, change: encodeGroupChange(f.change) },
  }),
  'group-change-result': (f: FrameOf<'group-change-result'>): pb.Frame.$Properties => ({
    groupChangeResult: { requestId: f.requestId, code: f.code, reason: f.reason, gseq: f.gseq },
  }),
  'group-send': (f: FrameOf<'group-send'>): pb.Frame.$Properties => ({
    groupSend: { groupId: f.groupId, msgId: f.msgId, body: f.body },
  }),
  'group-deliver': (f: FrameOf<'group-deliver'>): pb.Frame.$Properties => ({
    groupDeliver: {
      groupId: f.groupId,
      gseq: f.gseq,
      storedAtMs: f.storedAtMs,
      ...(f.item.kind === 'change'
        ? { change: encodeGroupChange(f.item.change) }
        : { message: { from: f.item.from, msgId: f.item.msgId, body: f.item.body } }),
    },
  }),
  'group-ack': (f: FrameOf<'group-ack'>): pb.Frame.$Properties => ({
    groupAck: { groupId: f.groupId, throughGseq: f.throughGseq },
  }),
  'group-log-request': (f: FrameOf<'group-log-request'>): pb.Frame.$Properties => ({
    groupLogRequest: { requestId: f.requestId, groupId: f.groupId, fromSeq: f.fromSeq },
  }),
  'group-resend': (f: FrameOf<'group-resend'>): pb.Frame.$Properties => ({
    groupResend: { groupId: f.groupId, afterGseq: f.afterGseq },
  }),
  'group-resend-result': (f: FrameOf<'group-resend-result'>): pb.Frame.$Properties => ({
    groupResendResult: {
      groupId: f.groupId,
      afterGseq: f.afterGseq,
      code: f.code,
      reason: f.reason,
    },
  }),
  'group-log-result': (f: FrameOf<'group-log-result'>): pb.Frame.$Properties => ({
    groupLogResult: {
      requestId: f.requestId,
      found: f.found,
      changes: f.changes.map(encodeGroupChange),
      more: f.more,
    },
  }),
};

const groupMessageBody = (field: string, body: unknown) =>
  boundedBytes(field, body, 1, MAX_GROUP_MESSAGE_BYTES);

function decodeItem(m: pb.IGroupDeliver): GroupItem {
  if (m.change)
    return { kind: 'change', change: decodeGroupChange('group_deliver.change', m.change) };
  if (m.message) {
    return {
      kind: 'message',
      from: exactBytes('group_deliver.message.from', m.message.from, KEY_BYTES),
      msgId: exactBytes('group_deliver.message.msg_id', m.message.msgId, MSG_ID_BYTES),
      body: groupMessageBody('group_deliver.message.body', m.message.body),
    };
  }
  throw new ProtocolError(ProtocolCode.MissingField, 'decode: group_deliver has no item');
}

export const groupDecoders = {
  groupChange: (m: pb.IGroupChangeRequest): FrameOf<'group-change'> => ({
    type: 'group-change',
    requestId: uint('group_change.request_id', m.requestId, U32_MAX),
    change: decodeGroupChange('group_change.change', m.change),
  }),
  groupChangeResult: (m: pb.IGroupChangeResult): FrameOf<'group-change-result'> => ({
    type: 'group-change-result',
    requestId: uint('group_change_result.request_id', m.requestId, U32_MAX),
    code: text('group_change_result.code', m.code, MAX_GROUP_CODE_CHARS),
    reason: text('group_change_result.reason', m.reason, MAX_REASON_CHARS),
    gseq: uint('group_change_result.gseq', m.gseq),
  }),
  groupSend: (m: pb.IGroupSend): FrameOf<'group-send'> => ({
    type: 'group-send',
    groupId: exactBytes('group_send.group_id', m.groupId, GROUP_ID_BYTES),
    msgId: exactBytes('group_send.msg_id', m.msgId, MSG_ID_BYTES),
    body: groupMessageBody('group_send.body', m.body),
  }),
  groupDeliver: (m: pb.IGroupDeliver): FrameOf<'group-deliver'> => ({
    type: 'group-deliver',
    groupId: exactBytes('group_deliver.group_id', m.groupId, GROUP_ID_BYTES),
    gseq: uint('group_deliver.gseq', m.gseq),
    storedAtMs: uint('group_deliver.stored_at_ms', m.storedAtMs),
    item: decodeItem(m),
  }),
  groupAck: (m: pb.IGroupAck): FrameOf<'group-ack'> => ({
    type: 'group-ack',
    groupId: exactBytes('group_ack.group_id', m.groupId, GROUP_ID_BYTES),
    throughGseq: uint('group_ack.through_gseq', m.throughGseq),
  }),
  groupLogRequest: (m: pb.IGroupLogRequest): FrameOf<'group-log-request'> => ({
    type: 'group-log-request',
    requestId: uint('group_log_request.request_id', m.requestId, U32_MAX),
    groupId: exactBytes('group_log_request.group_id', m.groupId, GROUP_ID_BYTES),
    fromSeq: uint('group_log_request.from_seq', m.fromSeq, U32_MAX),
  }),
  groupResend: (m: pb.IGroupResend): FrameOf<'group-resend'> => ({
    type: 'group-resend',
    groupId: exactBytes('group_resend.group_id', m.groupId, GROUP_ID_BYTES),
    afterGseq: uint('group_resend.after_gseq', m.afterGseq),
  }),
  groupResendResult: (m: pb.IGroupResendResult): FrameOf<'group-resend-result'> => ({
    type: 'group-resend-result',
    groupId: exactBytes('group_resend_result.group_id', m.groupId, GROUP_ID_BYTES),
    afterGseq: uint('group_resend_result.after_gseq', m.afterGseq),
    code: text('group_resend_result.code', m.code, MAX_GROUP_CODE_CHARS),
    reason: text('group_resend_result.reason', m.reason, MAX_REASON_CHARS),
  }),
  groupLogResult: (m: pb.IGroupLogResult): FrameOf<'group-log-result'> => ({
    type: 'group-log-result',
    requestId: uint('group_log_result.request_id', m.requestId, U32_MAX),
    found: m.found === true,
    changes: count('group_log_result.changes', m.changes, MAX_GROUP_LOG_PAGE_CHANGES).map((c) =>
      decodeGroupChange('group_log_result.changes', c),
    ),
    more: m.more === true,
  }),
};
