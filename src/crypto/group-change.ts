import { createHash } from 'node:crypto';
import { concatBytes, utf8 } from '../util/bytes.js';
import { GroupCode, groupError } from './group-errors.js';
import { domainMessage, isValidSignPublicKey } from './sign.js';

/**
 * One record of a group's membership log (DESIGN.md §6, issue 11): its fields, its canonical
 * bytes (what the author signs) and its hash (what the next record chains to). The encoding is
 * defined here, not in src/wire, because crypto sits beside wire and never imports it; the
 * wire codec carries the same fields and this module re-derives the bytes to check them.
 */

/** A group id: 128 random bits (DESIGN.md §6). */
export const GROUP_ID_BYTES = 16;
/** SHA-256. */
export const GROUP_HASH_BYTES = 32;
/** The prevHash of a create record (all zero): there is no previous record. Do not mutate. */
export const GENESIS_PREV_HASH: Uint8Array = new Uint8Array(GROUP_HASH_BYTES);
/**
 * Members per group. Issue 11 asks for at least 256; at 256 a create record (the largest) is
 * about 12 KiB, far below MAX_FRAME_BYTES, and each group message fans out to at most 255 others.
 */
export const MAX_GROUP_MEMBERS = 256;
/** Group name length in code points: twice a pseudonym's, room for "#team-lunch-tuesdays" and more. */
export const MAX_GROUP_NAME_CHARS = 64;
/** u32: seq and epoch are uint32 on the wire. A log this long is never reached in practice. */
export const MAX_GROUP_SEQ = 0xffff_ffff;
/** The domain tag of every change signature (sign.ts's domainMessage, one tag per purpose). */
export const TAG_GROUP_CHANGE = 'natter-group-change-v1';

export type GroupRole = 'admin' | 'member';

export interface GroupMember {
  /** The member's Ed25519 signing public key (their user id), 32 bytes. */
  readonly userId: Uint8Array;
  readonly role: GroupRole;
}

export type GroupOp = 'create' | 'add' | 'remove' | 'promote' | 'demote' | 'rename' | 'leave';

/** The fields every record has. */
export interface GroupChangeBase {
  readonly groupId: Uint8Array;
  /** 0 for create, then head + 1. */
  readonly seq: number;
  /** The hash of the record at seq - 1 (GENESIS_PREV_HASH for create). */
  readonly prevHash: Uint8Array;
  /** The signer's user id: an admin, or the leaver for leave. */
  readonly author: Uint8Array;
}

/** What a record does. `target` is the member concerned; for leave it must be the author. */
export type GroupChangeBody =
  | { readonly op: 'create'; readonly name: string; readonly members: readonly GroupMember[] }
  | { readonly op: 'add' | 'remove' | 'promote' | 'demote' | 'leave'; readonly target: Uint8Array }
  | { readonly op: 'rename'; readonly name: string };

export type UnsignedGroupChange = GroupChangeBase & GroupChangeBody;

export type GroupChange = UnsignedGroupChange & {
  /** Ed25519 by `author` over groupChangeBytes(change), 64 bytes. */
  readonly signature: Uint8Array;
};

const EMPTY = new Uint8Array(0);

const OPS: ReadonlySet<string> = new Set<GroupOp>([
  'create',
  'add',
  'remove',
  'promote',
  'demote',
  'rename',
  'leave',
]);

/**
 * Letters, marks, digits, punctuation, symbols and the plain space. Refused: controls, format
 * characters (bidi overrides, zero-width), line/paragraph separators, private use, unassigned
 * and lone surrogates (which would not survive UTF-8, so two names could sign alike).
 */
const NAME_CHAR = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * The bytes an author signs: domainMessage(TAG_GROUP_CHANGE, body), where body is every field
 * in this fixed order, each as a u32 big-endian length followed by its bytes:
 *   groupId, seq (u32 BE), prevHash, op (UTF-8), author, target (empty unless the op has one),
 *   name (UTF-8, empty unless create/rename), members (empty unless create: u32 BE count, then
 *   per member its userId and its role in UTF-8, each length-prefixed).
 * Only the fields of the record's op are read, so a record has exactly one encoding. Frozen:
 * a new layout needs a new tag. Throws E_GROUP_BAD_CHANGE on a malformed record.
 */
export function groupChangeBytes(change: UnsignedGroupChange): Uint8Array {
  checkChangeShape(change);
  const fields: Uint8Array[] = [
    change.groupId,
    u32(change.seq),
    change.prevHash,
    utf8(change.op),
    change.author,
    targetOf(change) ?? EMPTY,
    change.op === 'create' || change.op === 'rename' ? utf8(change.name) : EMPTY,
    change.op === 'create' ? encodeMembers(change.members) : EMPTY,
  ];
  return domainMessage(TAG_GROUP_CHANGE, ...fields.map(lengthPrefixed));
}

/** SHA-256(groupChangeBytes(change) ‖ signature): what the next record's prevHash names. */
export function groupChangeHash(change: GroupChange): Uint8Array {
  return new Uint8Array(
    createHash('sha256').update(groupChangeBytes(change)).update(change.signature).digest(),
  );
}

/** Why `name` cannot be a group name, or null. */
export function groupNameProblem(name: string): string | null {
  if (typeof name !== 'string') return 'is not a string';
  const chars = [...name];
  if (chars.length === 0) return 'is empty';
  if (chars.length > MAX_GROUP_NAME_CHARS) {
    return `is longer than ${MAX_GROUP_NAME_CHARS} characters`;
  }
  if (name.trim() !== name) return 'starts or ends with a space';
  const bad = chars.find((c) => !NAME_CHAR.test(c));
  if (bad !== undefined) {
    return `contains U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return null;
}

/**
 * Every check that needs no group state: sizes, valid keys, a known op, the fields it needs.
 * Throws E_GROUP_BAD_CHANGE (E_GROUP_TOO_MANY_MEMBERS for an oversized create).
 */
export function checkChangeShape(change: UnsignedGroupChange): void {
  const bad = (why: string) => groupError(GroupCode.BadChange, `group change: ${why}`);
  if (!isBytes(change.groupId, GROUP_ID_BYTES)) {
    throw bad(`group id is not ${GROUP_ID_BYTES} bytes`);
  }
  if (!Number.isSafeInteger(change.seq) || change.seq < 0 || change.seq > MAX_GROUP_SEQ) {
    throw bad('seq is not a u32');
  }
  if (!isBytes(change.prevHash, GROUP_HASH_BYTES)) {
    throw bad(`prevHash is not ${GROUP_HASH_BYTES} bytes`);
  }
  if (!OPS.has(change.op)) throw bad(`unknown op '${String(change.op)}'`);
  if (!isValidSignPublicKey(change.author)) throw bad('author is not a valid user id');
  const target = targetOf(change);
  if (target !== null && !isValidSignPublicKey(target)) {
    throw bad(`${change.op}: target is not a valid user id`);
  }
  if (change.op === 'create' || change.op === 'rename') {
    const problem = groupNameProblem(change.name);
    if (problem !== null) throw bad(`${change.op}: the name ${problem}`);
  }
  if (change.op === 'create') checkMembers(change.members);
}

/** The member a record is about, or null for create and rename. */
export function targetOf(change: UnsignedGroupChange): Uint8Array | null {
  return change.op === 'create' || change.op === 'rename' ? null : change.target;
}

function checkMembers(members: readonly GroupMember[]): void {
  if (!Array.isArray(members) || members.length === 0) {
    throw groupError(GroupCode.BadChange, 'group change: create lists no members');
  }
  if (members.length > MAX_GROUP_MEMBERS) {
    throw groupError(
      GroupCode.TooManyMembers,
      `group change: create lists ${members.length} members, more than ${MAX_GROUP_MEMBERS}`,
    );
  }
  const seen = new Set<string>();
  for (const member of members) {
    if (!isValidSignPublicKey(member.userId)) {
      throw groupError(GroupCode.BadChange, 'group change: create lists an invalid user id');
    }
    if (member.role !== 'admin' && member.role !== 'member') {
      throw groupError(GroupCode.BadChange, `group change: unknown role '${String(member.role)}'`);
    }
    const id = Buffer.from(member.userId).toString('hex');
    if (seen.has(id)) {
      throw groupError(GroupCode.BadChange, 'group change: create lists a member twice');
    }
    seen.add(id);
  }
}

function encodeMembers(members: readonly GroupMember[]): Uint8Array {
  return concatBytes(
    u32(members.length),
    ...members.flatMap((m) => [lengthPrefixed(m.userId), lengthPrefixed(utf8(m.role))]),
  );
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(u32(bytes.byteLength), bytes);
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

function isBytes(value: unknown, length: number): value is Uint8Array {
  return value instanceof Uint8Array && value.byteLength === length;
}
