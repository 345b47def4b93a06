import { createHash } from 'node:crypto';
import { bytesEqual, copyBytes, toHex } from '../util/bytes.js';
import {
  GROUP_HASH_BYTES,
  GROUP_ID_BYTES,
  type GroupChange,
  type GroupChangeBase,
  type GroupChangeBody,
  type GroupMember,
  type GroupRole,
  groupChangeBytes,
  MAX_GROUP_MEMBERS,
  type UnsignedGroupChange,
} from './group-change.js';
import { GroupCode, groupError } from './group-errors.js';
import { randomBytes } from './random.js';
import { SIGN_PUBLIC_KEY_BYTES, SIGN_SECRET_KEY_BYTES, sign, verify } from './sign.js';

/**
 * A group's membership as an admin-signed hash chain (DESIGN.md §6, issue 11). Pure: the relay
 * applies each record before it fans out by the resulting member list, and every client
 * applies it again, so a relay cannot add a "ghost" member or forge an admin action (Rösler,
 * Mainka, Schwenk, "More is Less", 2018).
 *
 * Rules, each with the code it fails with:
 * - a record extends the head: seq = head + 1 and prevHash = hash(head), else
 *   E_GROUP_CHAIN_BROKEN. That refuses out-of-order records and forks alike: of two records
 *   on the same head, whichever is applied second no longer names the head;
 * - it is signed by its author over groupChangeBytes, else E_GROUP_BAD_SIGNATURE;
 * - create, add, remove, promote, demote and rename are signed by an admin, else
 *   E_GROUP_NOT_ADMIN; leave is signed by the leaver and names them as its target;
 * - a group keeps at least one admin while it has members: the only admin can neither demote
 *   themselves nor leave while others remain (E_GROUP_LAST_ADMIN): they promote someone
 *   first. Promoting a successor automatically would make the log choose an admin nobody
 *   signed for; refusing keeps every admin the choice of an admin. The last member may leave:
 *   the group is then empty and nobody can sign for it again;
 * - an admin removes others; to go, they leave (one way out, so "left" and "removed" read
 *   right). Removing the last admin therefore cannot happen: the remover is an admin too.
 *
 * The epoch counts departures: remove and leave start a new one, because a member who is gone
 * must not read what comes next, so every remaining member rotates its sender chain
 * (sender-keys.ts). add keeps the epoch: the newcomer receives the current chains at their
 * current index and, the ratchet being one-way, reads nothing sent before joining (DESIGN.md
 * §6); a new epoch would cost every member a rotation for no gain. promote, demote and rename
 * change no one's access, so they keep it too.
 */

export interface GroupState {
  /** 16 random bytes. */
  readonly groupId: Uint8Array;
  readonly name: string;
  /** 0 at create, + 1 at every remove and leave. */
  readonly epoch: number;
  /** In the order they joined: the create record's order, then each add. */
  readonly members: readonly GroupMember[];
  /** groupChangeHash of the last record applied. */
  readonly headHash: Uint8Array;
  /** seq of the last record applied. */
  readonly seq: number;
}

/**
 * The state after `change`, or a coded error (above); `state` is left as it was. `null` is
 * the state before create. Order: the record's shape (its canonical bytes must exist), the
 * chain (cheap, and it turns away stale and forked records before any signature work), the
 * signature, then the rules of the op.
 */
export function applyChange(state: GroupState | null, change: GroupChange): GroupState {
  const bytes = groupChangeBytes(change);
  checkChain(state, change);
  if (!verify(change.author, bytes, change.signature)) {
    throw groupError(
      GroupCode.BadSignature,
      `group change ${change.seq} (${change.op}): the author's signature does not verify`,
    );
  }
  const next = transition(state, change);
  if (next.members.length > 0 && !next.members.some((m) => m.role === 'admin')) {
    // Unreachable by the rules above; kept so a future op cannot orphan a group silently.
    throw groupError(GroupCode.LastAdmin, `group change ${change.seq}: the group has no admin`);
  }
  const headHash = new Uint8Array(
    createHash('sha256').update(bytes).update(change.signature).digest(),
  );
  return { ...next, headHash, seq: change.seq };
}

/** The state at the end of a whole log, checked from create on. */
export function verifyLog(changes: readonly GroupChange[]): GroupState {
  if (changes.length === 0) {
    throw groupError(GroupCode.ChainBroken, 'group log: empty (a log starts with create)');
  }
  let state: GroupState | null = null;
  for (const change of changes) state = applyChange(state, change);
  return state as GroupState;
}

/**
 * `unsigned` signed by its author. Throws E_GROUP_BAD_CHANGE on a malformed record or when
 * `secretKey` (64 bytes, tweetnacl layout) is not the author's.
 */
export function signChange<C extends UnsignedGroupChange>(
  secretKey: Uint8Array,
  unsigned: C,
): C & { readonly signature: Uint8Array } {
  if (
    !(secretKey instanceof Uint8Array) ||
    secretKey.byteLength !== SIGN_SECRET_KEY_BYTES ||
    !bytesEqual(secretKey.subarray(SIGN_SECRET_KEY_BYTES - SIGN_PUBLIC_KEY_BYTES), unsigned.author)
  ) {
    throw groupError(GroupCode.BadChange, "sign group change: the key is not the author's");
  }
  return { ...unsigned, signature: sign(secretKey, groupChangeBytes(unsigned)) };
}

/** A fresh random group id. */
export function newGroupId(): Uint8Array {
  return randomBytes(GROUP_ID_BYTES);
}

/**
 * The unsigned create record of a new group (random id): `author` as its admin, then
 * `others` as members, in that order.
 */
export function prepareCreate(
  author: Uint8Array,
  name: string,
  others: readonly Uint8Array[] = [],
): Extract<UnsignedGroupChange, { op: 'create' }> {
  return {
    groupId: newGroupId(),
    seq: 0,
    prevHash: new Uint8Array(GROUP_HASH_BYTES),
    author,
    op: 'create',
    name,
    members: [
      { userId: author, role: 'admin' },
      ...others.map((userId) => ({ userId, role: 'member' as const })),
    ],
  };
}

/** The unsigned record that applies `body` on top of `state`. */
export function prepareChange<B extends Exclude<GroupChangeBody, { op: 'create' }>>(
  state: GroupState,
  author: Uint8Array,
  body: B,
): GroupChangeBase & B {
  return { ...body, groupId: state.groupId, seq: state.seq + 1, prevHash: state.headHash, author };
}

/** The role of `userId` in `state`, or null when not a member. */
export function memberRole(state: GroupState, userId: Uint8Array): GroupRole | null {
  return state.members.find((m) => bytesEqual(m.userId, userId))?.role ?? null;
}

function checkChain(state: GroupState | null, change: GroupChange): void {
  const where = `group change ${change.seq} (${change.op})`;
  if (state === null) {
    if (change.op !== 'create') {
      throw groupError(GroupCode.ChainBroken, `${where}: a log starts with create`);
    }
    if (change.seq !== 0 || !change.prevHash.every((byte) => byte === 0)) {
      throw groupError(GroupCode.BadChange, `${where}: create has seq 0 and an all-zero prevHash`);
    }
    return;
  }
  if (!bytesEqual(change.groupId, state.groupId)) {
    throw groupError(GroupCode.WrongGroup, `${where}: for group ${toHex(change.groupId)}`);
  }
  if (change.seq !== state.seq + 1 || !bytesEqual(change.prevHash, state.headHash)) {
    throw groupError(
      GroupCode.ChainBroken,
      `${where}: does not extend the head (seq ${state.seq}, ${toHex(state.headHash).slice(0, 16)}…)`,
    );
  }
}

type Transition = Omit<GroupState, 'headHash' | 'seq'>;

function transition(state: GroupState | null, change: GroupChange): Transition {
  const where = `group change ${change.seq} (${change.op})`;
  const bad = (why: string) => groupError(GroupCode.BadChange, `${where}: ${why}`);
  if (change.op === 'create') {
    const members = change.members.map(copyMember);
    if (!members.some((m) => m.role === 'admin' && bytesEqual(m.userId, change.author))) {
      throw bad('the author is not listed as an admin');
    }
    return { groupId: copyBytes(change.groupId), name: change.name, epoch: 0, members };
  }
  // checkChain let only create through with no state.
  const s = state as GroupState;
  const admins = s.members.filter((m) => m.role === 'admin').length;
  if (change.op === 'leave') {
    if (!bytesEqual(change.target, change.author)) {
      throw bad('signed by someone other than the leaver');
    }
    const role = memberRole(s, change.author);
    if (role === null) throw bad('the leaver is not a member');
    if (role === 'admin' && admins === 1 && s.members.length > 1) {
      throw groupError(GroupCode.LastAdmin, `${where}: the only admin must promote someone first`);
    }
    return { ...s, epoch: s.epoch + 1, members: without(s.members, change.target) };
  }
  if (memberRole(s, change.author) !== 'admin') {
    throw groupError(GroupCode.NotAdmin, `${where}: the author is not an admin of the group`);
  }
  if (change.op === 'rename') {
    if (change.name === s.name) throw bad('the name is unchanged');
    return { ...s, name: change.name };
  }
  const role = memberRole(s, change.target);
  switch (change.op) {
    case 'add':
      if (role !== null) throw bad('the target is already a member');
      if (s.members.length >= MAX_GROUP_MEMBERS) {
        throw groupError(
          GroupCode.TooManyMembers,
          `${where}: the group already has ${MAX_GROUP_MEMBERS} members`,
        );
      }
      return {
        ...s,
        members: [...s.members, { userId: copyBytes(change.target), role: 'member' }],
      };
    case 'remove':
      if (role === null) throw bad('the target is not a member');
      if (bytesEqual(change.target, change.author)) {
        throw bad('an admin goes with leave, not remove');
      }
      return { ...s, epoch: s.epoch + 1, members: without(s.members, change.target) };
    case 'promote':
      if (role !== 'member') {
        throw bad(role === null ? 'the target is not a member' : 'already an admin');
      }
      return { ...s, members: withRole(s.members, change.target, 'admin') };
    case 'demote':
      if (role !== 'admin') {
        throw bad(role === null ? 'the target is not a member' : 'not an admin');
      }
      if (admins === 1) {
        throw groupError(GroupCode.LastAdmin, `${where}: the only admin cannot be demoted`);
      }
      return { ...s, members: withRole(s.members, change.target, 'member') };
  }
}

function copyMember(member: GroupMember): GroupMember {
  return { userId: copyBytes(member.userId), role: member.role };
}

function without(members: readonly GroupMember[], userId: Uint8Array): GroupMember[] {
  return members.filter((m) => !bytesEqual(m.userId, userId));
}

function withRole(members: readonly GroupMember[], userId: Uint8Array, role: GroupRole) {
  return members.map((m) => (bytesEqual(m.userId, userId) ? { userId: m.userId, role } : m));
}
