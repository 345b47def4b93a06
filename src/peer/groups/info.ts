/**
 * Groups as the UI sees them (events.ts GroupInfo, GroupNotice): plain data, ids
 * in hex, people by pseudonym (members.ts).
 */

import { type GroupState, memberRole } from '../../crypto/group-log.js';
import { fingerprint } from '../../crypto/keys.js';
import { toHex } from '../../util/bytes.js';
import type { GroupChange } from '../../wire/types.js';
import type { GroupInfo, GroupNotice } from '../events.js';
import { conversationOf } from './book.js';
import type { FormerName } from './former-names.js';
import type { MemberNames } from './members.js';

export function groupInfo(
  gid: string,
  state: GroupState,
  names: MemberNames,
  me: Uint8Array,
  former: readonly FormerName[] = [],
): GroupInfo {
  const formerNames = former.map((f) => ({ name: f.name, by: names.of(f.by) }));
  return {
    ...(formerNames.length === 0 ? {} : { formerNames }),
    conversation: conversationOf(gid),
    groupId: gid,
    name: state.name,
    epoch: state.epoch,
    members: state.members.map((m) => ({
      userId: toHex(m.userId),
      pseudonym: names.of(toHex(m.userId)),
      fingerprint: fingerprint(m.userId),
      role: m.role,
    })),
    myRole: memberRole(state, me),
  };
}

/** What `change`, applied on `before` (null for create), says in a conversation. */
export function noticeOf(
  change: GroupChange,
  before: GroupState | null,
  names: MemberNames,
): GroupNotice {
  const by = names.of(toHex(change.author));
  switch (change.op) {
    case 'create':
      return { kind: 'created', by };
    case 'rename':
      return { kind: 'renamed', by, from: before?.name ?? '', to: change.name };
    case 'leave':
      return { kind: 'left', member: by };
    case 'add':
      return { kind: 'added', by, member: names.of(toHex(change.target)) };
    case 'remove':
      return { kind: 'removed', by, member: names.of(toHex(change.target)) };
    case 'promote':
      return { kind: 'promoted', by, member: names.of(toHex(change.target)) };
    case 'demote':
      return { kind: 'demoted', by, member: names.of(toHex(change.target)) };
  }
}

/** The user ids (hex) a change names: its author, its target, a create's members. */
export function usersOf(change: GroupChange): string[] {
  const ids = [toHex(change.author)];
  if (change.op === 'create') ids.push(...change.members.map((m) => toHex(m.userId)));
  else if (change.op !== 'rename') ids.push(toHex(change.target));
  return ids;
}
