/**
 * Every group's verified state (DESIGN.md §6, docs/groups.md "Relay"), and
 * which groups each user is a member of. The relay applies a change only
 * through `check` (src/crypto/group-log.ts applyChange: signature and chain)
 * and fans out by the member list that results, so it cannot be made to add a
 * member nobody signed for. Rebuilt at open by stream.ts from the stored logs.
 *
 * `check` also applies the relay's own rules, each with its code
 * (GroupResultCode in ../errors.ts): the session's user signed the change, the
 * group exists and the user is a member of it (except for create), every user
 * a change brings in is registered here and under maxGroupsPerUser, and the
 * change's author has not already put them in maxGroupsAddedByOne of their groups
 * (adders.ts).
 */
import { GroupCode } from '../../crypto/group-errors.js';
import { applyChange, type GroupState } from '../../crypto/group-log.js';
import { toHex } from '../../util/bytes.js';
import { isNatterError } from '../../util/errors.js';
import type { GroupChange } from '../../wire/types.js';
import {
  GROUP_CHANGE_CODES,
  GroupResultCode,
  type GroupResultCodeValue,
  SessionCode,
} from '../errors.js';
import { AdderCounts, type Adders, addersAfter, NO_ADDERS } from './adders.js';

export interface GroupRecord {
  readonly gidHex: string;
  readonly state: GroupState;
  /** Current members' user ids in hex, in member order: whom a message goes to. */
  readonly memberHexes: readonly string[];
  readonly members: ReadonlySet<string>;
  /** Who brought each member in (adders.ts). */
  readonly adders: Adders;
}

/** What a change does to membership, by user id hex. */
export interface Membership {
  joined: string[];
  left: string[];
}

export type ChangeCheck =
  | {
      ok: true;
      next: GroupRecord;
      membership: Membership;
      /** Who receives the change's item: members before and after it. */
      recipients: string[];
    }
  | { ok: false; code: GroupResultCodeValue; reason: string };

export interface RegistryOptions {
  maxGroupsPerUser: number;
  /** Groups of one user that one other user may have put them in (MAX_GROUPS_ADDED_BY_ONE). */
  maxGroupsAddedByOne: number;
  /** Whether a user id (hex) is registered on this relay. */
  isRegistered: (userHex: string) => boolean;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The record of a group at `state`, reached by `change` from `before` (the record
 * before it; none for a create): who brought each member in follows the change.
 */
export function recordOf(
  gidHex: string,
  state: GroupState,
  change: GroupChange,
  before?: GroupRecord,
): GroupRecord {
  const memberHexes = state.members.map((m) => toHex(m.userId));
  const members = new Set(memberHexes);
  const adders = addersAfter(before?.adders ?? NO_ADDERS, change, members);
  return { gidHex, state, memberHexes, members, adders };
}

/** Who a change brings in and takes out (by its op: the state diff would say the same). */
export function membershipOf(change: GroupChange): Membership {
  switch (change.op) {
    case 'create':
      return { joined: change.members.map((m) => toHex(m.userId)), left: [] };
    case 'add':
      return { joined: [toHex(change.target)], left: [] };
    case 'remove':
    case 'leave':
      return { joined: [], left: [toHex(change.target)] };
    default:
      return { joined: [], left: [] };
  }
}

export class GroupRegistry {
  private readonly groups = new Map<string, GroupRecord>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly added = new AdderCounts();

  constructor(private readonly options: RegistryOptions) {}

  get size(): number {
    return this.groups.size;
  }

  get(gidHex: string): GroupRecord | undefined {
    return this.groups.get(gidHex);
  }

  /** Groups `userHex` is a member of now. */
  groupsOf(userHex: string): ReadonlySet<string> {
    return this.byUser.get(userHex) ?? NONE;
  }

  /** How many of `userHex`'s groups `adderHex` put them in (adders.ts). */
  addedBy(userHex: string, adderHex: string): number {
    return this.added.of(userHex, adderHex);
  }

  /** Whether `change`, sent by `senderHex`, may be applied now; if so, what it leads to. */
  check(change: GroupChange, senderHex: string): ChangeCheck {
    const refuse = (code: GroupResultCodeValue, reason: string): ChangeCheck => ({
      ok: false,
      code,
      reason,
    });
    const what = `group change ${change.seq} (${change.op})`;
    if (toHex(change.author) !== senderHex) {
      return refuse(GroupResultCode.NotAuthor, `${what}: signed by another user than yours`);
    }
    const gidHex = toHex(change.groupId);
    const current = this.groups.get(gidHex);
    if (!current && change.op !== 'create') {
      return refuse(GroupResultCode.Unknown, `${what}: no such group on this relay`);
    }
    if (current && change.op !== 'create' && !current.members.has(senderHex)) {
      return refuse(GroupResultCode.NotMember, `${what}: you are not a member of this group`);
    }
    let state: GroupState;
    try {
      state = applyChange(current?.state ?? null, change);
    } catch (err) {
      if (!isNatterError(err)) throw err;
      const code = (GROUP_CHANGE_CODES as readonly string[]).includes(err.code)
        ? (err.code as GroupResultCodeValue)
        : GroupCode.BadChange;
      return refuse(code, err.message);
    }
    const membership = membershipOf(change);
    const { maxGroupsPerUser, maxGroupsAddedByOne } = this.options;
    for (const userHex of membership.joined) {
      if (!this.options.isRegistered(userHex)) {
        return refuse(
          SessionCode.UnknownUser,
          `${what}: ${userHex.slice(0, 16)}… is not registered`,
        );
      }
      if (this.groupsOf(userHex).size >= maxGroupsPerUser) {
        return refuse(
          GroupResultCode.TooManyGroups,
          `${what}: ${userHex.slice(0, 16)}… is in ${maxGroupsPerUser} groups already`,
        );
      }
      if (userHex !== senderHex && this.addedBy(userHex, senderHex) >= maxGroupsAddedByOne) {
        return refuse(
          GroupResultCode.TooManyFromOne,
          `${what}: you put ${userHex.slice(0, 16)}… in ${maxGroupsAddedByOne} groups already`,
        );
      }
    }
    const next = recordOf(gidHex, state, change, current);
    const recipients = current
      ? [...new Set([...current.memberHexes, ...next.memberHexes])]
      : [...next.memberHexes];
    return { ok: true, next, membership, recipients };
  }

  /** Makes `record` the group's state (a checked change, or one rebuilt from the store). */
  set(record: GroupRecord): void {
    const before = this.groups.get(record.gidHex);
    for (const userHex of before?.memberHexes ?? []) {
      if (!record.members.has(userHex)) this.unindex(userHex, record.gidHex);
    }
    for (const userHex of record.memberHexes) {
      let set = this.byUser.get(userHex);
      if (!set) {
        set = new Set();
        this.byUser.set(userHex, set);
      }
      set.add(record.gidHex);
    }
    this.added.replace(before?.adders ?? NO_ADDERS, record.adders);
    this.groups.set(record.gidHex, record);
  }

  /** Forgets a group (before it is rebuilt from the store). */
  delete(gidHex: string): void {
    const before = this.groups.get(gidHex);
    for (const userHex of before?.memberHexes ?? []) this.unindex(userHex, gidHex);
    this.added.replace(before?.adders ?? NO_ADDERS, NO_ADDERS);
    this.groups.delete(gidHex);
  }

  clear(): void {
    this.groups.clear();
    this.byUser.clear();
    this.added.clear();
  }

  private unindex(userHex: string, gidHex: string): void {
    const set = this.byUser.get(userHex);
    set?.delete(gidHex);
    if (set?.size === 0) this.byUser.delete(userHex);
  }
}
