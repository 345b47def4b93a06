/**
 * Group records (issue 11, docs/groups.md): the membership change, the sender-key
 * content and the plaintext inside a group message (the frames: group-frames.ts).
 * Lengths, counts and enum values are checked here; signatures and the hash chain by
 * src/crypto's applyChange, which takes the decoded change as it is.
 */

import { count, enumValue, exactBytes, parse, pseudonym, text, uint } from '../check.js';
import { ProtocolCode, ProtocolError } from '../errors.js';
import { natter as pb } from '../gen/natter.js';
import {
  GROUP_HASH_BYTES,
  GROUP_ID_BYTES,
  KEY_BYTES,
  MAX_GROUP_MEMBERS,
  MAX_GROUP_NAME_CHARS,
  MAX_TEXT_BYTES,
  SENDER_KEY_SHARE_BYTES,
  SIGNATURE_BYTES,
} from '../limits.js';
import type { GroupChange, GroupMember, GroupOp, GroupPlain, GroupRole } from '../types.js';
import { decodeFileOffer, encodeFileOffer } from './files.js';

/** natter.GroupOp: index = wire number. */
export const GROUP_OP_TABLE: readonly GroupOp[] = [
  'create',
  'add',
  'remove',
  'promote',
  'demote',
  'rename',
  'leave',
];

/** natter.GroupRole: index = wire number. */
export const GROUP_ROLE_TABLE: readonly GroupRole[] = ['member', 'admin'];

const U32_MAX = 0xffff_ffff;
const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------------------
// The change record

export function encodeGroupChange(c: GroupChange): pb.IGroupChange {
  return {
    groupId: c.groupId,
    seq: c.seq,
    prevHash: c.prevHash,
    op: GROUP_OP_TABLE.indexOf(c.op),
    author: c.author,
    target: 'target' in c ? c.target : EMPTY,
    name: 'name' in c ? c.name : '',
    members:
      c.op === 'create'
        ? c.members.map((m) => ({ userId: m.userId, role: GROUP_ROLE_TABLE.indexOf(m.role) }))
        : [],
    signature: c.signature,
  };
}

function noneOf(field: string, present: boolean): void {
  if (present) {
    throw new ProtocolError(ProtocolCode.BadValue, `decode: ${field} is not allowed for this op`);
  }
}

/** A change as the wire carries it; each op has exactly the fields it uses. */
export function decodeGroupChange(
  field: string,
  m: pb.IGroupChange | null | undefined,
): GroupChange {
  if (!m) throw new ProtocolError(ProtocolCode.MissingField, `decode: ${field} is missing`);
  const head = {
    groupId: exactBytes(`${field}.group_id`, m.groupId, GROUP_ID_BYTES),
    seq: uint(`${field}.seq`, m.seq, U32_MAX),
    prevHash: exactBytes(`${field}.prev_hash`, m.prevHash, GROUP_HASH_BYTES),
    author: exactBytes(`${field}.author`, m.author, KEY_BYTES),
    signature: exactBytes(`${field}.signature`, m.signature, SIGNATURE_BYTES),
  };
  const op = enumValue(`${field}.op`, m.op, GROUP_OP_TABLE);
  const hasTarget = (m.target?.length ?? 0) > 0;
  const hasName = (m.name ?? '') !== '';
  const members = count(`${field}.members`, m.members, MAX_GROUP_MEMBERS);
  if (op === 'create') {
    noneOf(`${field}.target`, hasTarget);
    return {
      ...head,
      op,
      name: text(`${field}.name`, m.name, MAX_GROUP_NAME_CHARS, { required: true }),
      members: members.map(
        (x): GroupMember => ({
          userId: exactBytes(`${field}.members.user_id`, x.userId, KEY_BYTES),
          role: enumValue(`${field}.members.role`, x.role, GROUP_ROLE_TABLE),
        }),
      ),
    };
  }
  noneOf(`${field}.members`, members.length > 0);
  if (op === 'rename') {
    noneOf(`${field}.target`, hasTarget);
    return {
      ...head,
      op,
      name: text(`${field}.name`, m.name, MAX_GROUP_NAME_CHARS, { required: true }),
    };
  }
  noneOf(`${field}.name`, hasName);
  return { ...head, op, target: exactBytes(`${field}.target`, m.target, KEY_BYTES) };
}

// ---------------------------------------------------------------------------
// Inner content and the group plaintext

export const senderKeyContent = {
  field: 'senderKey' as const,
  encode: (c: { groupId: Uint8Array; epoch: number; share: Uint8Array }) => ({
    groupId: c.groupId,
    epoch: c.epoch,
    share: c.share,
  }),
  decode: (m: pb.ISenderKey | null | undefined) => ({
    kind: 'sender-key' as const,
    groupId: exactBytes('inner.sender_key.group_id', m?.groupId, GROUP_ID_BYTES),
    epoch: uint('inner.sender_key.epoch', m?.epoch, U32_MAX),
    share: exactBytes('inner.sender_key.share', m?.share, SENDER_KEY_SHARE_BYTES),
  }),
};

export function encodeGroupPlain(p: GroupPlain): Uint8Array {
  return pb.GroupPlain.encode({
    sentAtMs: p.sentAtMs,
    senderName: p.senderName,
    text: { body: p.text },
    ...(p.fileOffer ? { fileOffer: encodeFileOffer(p.fileOffer) } : {}),
  }).finish();
}

export function decodeGroupPlain(bytes: Uint8Array): GroupPlain {
  const m = parse('group plaintext', pb.GroupPlain.decode, bytes);
  const body = text('group_plain.text.body', m.text?.body, MAX_TEXT_BYTES, { multiline: true });
  if (Buffer.byteLength(body, 'utf8') > MAX_TEXT_BYTES) {
    throw new ProtocolError(ProtocolCode.BadLength, 'decode: group_plain.text.body is too long');
  }
  return {
    sentAtMs: uint('group_plain.sent_at_ms', m.sentAtMs),
    senderName: pseudonym('group_plain.sender_name', m.senderName),
    text: body,
    fileOffer: m.fileOffer ? decodeFileOffer('group_plain.file_offer', m.fileOffer) : null,
  };
}

/** A change as stored bytes (the relay's log, the client's profile). */
export function encodeGroupChangeRecord(c: GroupChange): Uint8Array {
  return pb.GroupChange.encode(encodeGroupChange(c)).finish();
}

export function decodeGroupChangeRecord(bytes: Uint8Array): GroupChange {
  return decodeGroupChange('group change', parse('group change', pb.GroupChange.decode, bytes));
}
