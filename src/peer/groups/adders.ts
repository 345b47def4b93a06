/**
 * Who put me in each group, read from the group's stored membership log (not a record of
 * its own, so groups joined before blocking existed answer too): `natter group leave
 * --all-from NAME` leaves the groups a spammer added me to before I blocked them.
 */
import { toHex } from '../../util/bytes.js';
import { decodeGroupChangeRecord } from '../../wire/codec.js';
import type { GroupChange } from '../../wire/types.js';
import type { GroupInfo } from '../events.js';
import { type PeerStore, PREFIX } from '../store.js';

/** Whether `change` makes `me` (hex) a member: an add of me, or a create that names me. */
function adds(change: GroupChange, me: string): boolean {
  if (change.op === 'create') return change.members.some((m) => toHex(m.userId) === me);
  return change.op === 'add' && toHex(change.target) === me;
}

/** Whether `change` ends my membership: my leave, or my removal. */
function ends(change: GroupChange, me: string): boolean {
  if (change.op === 'leave') return toHex(change.author) === me;
  return change.op === 'remove' && toHex(change.target) === me;
}

/**
 * The user id (hex) of whoever made me (`me`, hex) a member of group `gid` the last time,
 * if I am one now by someone else's change; undefined when I created it, or I am not in it.
 */
export function adderOf(store: PeerStore, gid: string, me: string): Promise<string | undefined> {
  return scanAdder(store, gid, me, true);
}

/**
 * Who made me a member of `gid` the last time, even if I left or was removed since: a
 * group I left that a blocked key had put me in is hidden (markHidden).
 */
export function lastAdderOf(
  store: PeerStore,
  gid: string,
  me: string,
): Promise<string | undefined> {
  return scanAdder(store, gid, me, false);
}

/** The group's log read for my last adder; `endsIt`: a leave or a removal since forgets it. */
async function scanAdder(
  store: PeerStore,
  gid: string,
  me: string,
  endsIt: boolean,
): Promise<string | undefined> {
  let adder: string | undefined;
  for await (const [, bytes] of store.scanBytes(`${PREFIX.groupLog}${gid}!`)) {
    const change = decodeGroupChangeRecord(bytes);
    if (adds(change, me)) adder = toHex(change.author);
    else if (endsIt && ends(change, me)) adder = undefined;
  }
  return adder === me ? undefined : adder;
}

/**
 * `info` flagged `hidden` when I am not in it (left, or on my way out: `addedBy`, an owed
 * leave) and a
 * key I block put me in it: a spammer's groups never reach my lists or unread counts
 * (docs/decisions.md, "Blocked people and left groups out of sight").
 */
export async function markHidden(
  store: PeerStore,
  blocked: (userId: string) => boolean,
  me: string,
  info: GroupInfo,
  addedBy?: string,
): Promise<GroupInfo> {
  if (addedBy !== undefined && blocked(addedBy)) return { ...info, hidden: true };
  // Joined, but its leave is owed (owed-leaves.ts): a short command exited before it went.
  if (info.myRole !== null)
    return (await store.get(PREFIX.owedLeave + info.groupId)) === undefined
      ? info
      : { ...info, hidden: true };
  const adder = await lastAdderOf(store, info.groupId, me);
  return adder !== undefined && blocked(adder) ? { ...info, hidden: true } : info;
}
