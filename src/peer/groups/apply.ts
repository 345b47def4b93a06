/**
 * A membership change from the stream (or my own, once the relay took it), applied to
 * this client's copy of the group (DESIGN.md §6): applyChange checks the signature,
 * the author's right and the chain, here as on the relay, so a change the relay
 * forged or altered is refused: a 'group:warning', never applied.
 *
 * A change that does not follow the state held here (a group I was added to, whose
 * earlier changes never came to me; or one I was away from, removed and added back)
 * is preceded by the relay's log from where this copy ends (GroupLogRequest, in
 * pages), checked change by change from there: the relay's log must lead, verified,
 * to exactly this change. A change already applied (my own, or read with a log)
 * must be byte for byte the one applied; anything else is a fork, refused.
 *
 * Effects (written in the same batch as the change): a new epoch forgets the old
 * chains (my next message starts a new one); my removal forgets all of them (the
 * group stays, read-only); a member added gets my current chain's share, at its
 * current index, if I have one.
 */
import { groupChangeHash } from '../../crypto/group-change.js';
import { applyChange, type GroupState, memberRole } from '../../crypto/group-log.js';
import { bytesEqual, fromHex, toHex } from '../../util/bytes.js';
import { describeError, isNatterError, NatterError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { GroupChange } from '../../wire/types.js';
import { LinkCode } from '../link/errors.js';
import type { Requests } from '../link/requests.js';
import type { History } from '../messaging/history.js';
import { conversationOf } from './book.js';
import { groupInfo, noticeOf, usersOf } from './info.js';
import type { MemberNames } from './members.js';
import { owedLeaveOps } from './owed-leaves.js';
import type { GroupSender } from './send.js';
import type { Shares } from './shares.js';
import type { GroupUpdates } from './updates.js';
import type { GroupWork } from './work.js';

/** Pages of a log read at most for one change: 2^32 changes are never reached; this bounds a lying relay. */
export const MAX_GROUP_LOG_PAGES = 64;

/** The code of a warning for a log the relay does not have (or will not give). */
export const GROUP_LOG_MISSING = 'E_GROUP_LOG_MISSING';

export interface ApplyDeps {
  me: { userId: Uint8Array };
  names: MemberNames;
  shares: Shares;
  requests: Pick<Requests, 'request'>;
  /** Where applied and refused changes are kept until a UI takes them. */
  updates: GroupUpdates;
  /** Where applied changes are kept for good, beside the group's messages. */
  history: Pick<History, 'eventOps'>;
  /** Seals my queued messages of a group again under its new epoch. */
  sender: Pick<GroupSender, 'reseal'>;
  /** The relay link: `ready` false once it went (absent: taken as up). */
  link: { readonly ready?: boolean };
  /** Whom I block (blocks.ts): a change by them that adds me owes a leave. */
  blocks?: { has(userId: string): boolean };
  logger: Logger;
}

/** Link failures after which the change may be asked for again (next session). */
const RETRY_LATER = new Set<string>([
  LinkCode.Offline,
  LinkCode.RequestTimeout,
  LinkCode.LinkFull,
  LinkCode.TooManyRequests,
]);

export class ChangeApplier {
  constructor(private readonly d: ApplyDeps) {}

  /**
   * Applies `change` to group `gid` in `work`, or refuses it with a warning. False
   * when the relay's log was needed and could not be read now, or the people it names
   * could not be asked for because the link went: stop this group's items here
   * (unacknowledged, they come again).
   */
  async apply(work: GroupWork, gid: string, change: GroupChange): Promise<boolean> {
    const current = work.state(gid);
    if (current !== undefined && change.seq <= current.seq) {
      const applied = await work.logged(gid, change.seq);
      if (applied === undefined || !sameChange(applied, change)) {
        this.refuse(
          work,
          gid,
          current,
          'E_GROUP_CHAIN_BROKEN',
          `change ${change.seq} (${change.op}) differs from the one applied: a fork`,
          change.seq,
        );
      }
      return true;
    }
    let state: GroupState | null = current ?? null;
    const before: GroupChange[] = [];
    if (state === null ? change.op !== 'create' : change.seq > state.seq + 1) {
      try {
        before.push(...(await this.fetchLog(gid, state === null ? 0 : state.seq + 1, change.seq)));
        for (const c of before) state = applyChange(state, c);
      } catch (err) {
        if (isNatterError(err) && RETRY_LATER.has(err.code)) return false;
        this.refuseError(work, gid, current, err, change.seq);
        return true;
      }
    }
    let next: GroupState;
    try {
      next = applyChange(state, change);
    } catch (err) {
      this.refuseError(work, gid, current, err, change.seq);
      return true;
    }
    const me = this.d.me.userId;
    // A group I am not in and never was: nothing of mine (the relay should not send it).
    if (current === undefined && memberRole(next, me) === null) return true;
    // Members may be news here (read from the log), or their names stale (a member who
    // renamed, whose old name another key now holds): those unknown are asked for, and
    // those the change names (a member removed is in no member list).
    const named = usersOf(change);
    await this.d.names.learn([...next.members.map((m) => toHex(m.userId)), ...named]);
    // The link went while this was handled (a command logging out: a trial's `group remove`
    // printed `alice added unknown (wnsk-eth2-twjg)`): nothing is acknowledged now, so the
    // item comes again with the next session, which can ask; not said nameless for good.
    if (this.d.link.ready === false && named.some((id) => this.d.names.known(id) === undefined))
      return false;
    for (const c of [...before, change]) work.putLog(gid, c);
    work.setState(gid, next);
    await this.effects(work, gid, current, next);
    const changed = {
      group: groupInfo(gid, next, this.d.names, me, work.formerNames(gid)),
      notice: noticeOf(change, state, this.d.names),
      seq: change.seq,
      atMs: work.stamp(),
      ...addedMe(change, current, next, me),
    };
    work.changed.push(changed);
    // Put in by a key I block: the leave owed is kept with the change (owed-leaves.ts).
    if (changed.addedBy !== undefined && this.d.blocks?.has(changed.addedBy))
      work.ops.push(...owedLeaveOps(gid));
    work.ops.push(...this.d.updates.recordOps(gid, change.seq, { type: 'changed', ...changed }));
    // Kept in the group's history too, whichever command applied it (docs/decisions.md, "A
    // group's changes are kept in its history"): the changes announced, those a log read
    // brought before it are not (they came before me, or their items expired unseen).
    const { conversation } = changed.group;
    const { notice, seq, atMs } = changed;
    const event = { kind: 'event' as const, conversation, groupId: gid, seq, notice, atMs };
    work.ops.push(...(await this.d.history.eventOps(event)));
    return true;
  }

  private async effects(
    work: GroupWork,
    gid: string,
    before: GroupState | undefined,
    next: GroupState,
  ): Promise<void> {
    if (memberRole(next, this.d.me.userId) === null) {
      await work.dropChainsBefore(gid, Number.POSITIVE_INFINITY);
      return;
    }
    if (before !== undefined && next.epoch > before.epoch) {
      await work.dropChainsBefore(gid, next.epoch);
      await this.d.sender.reseal(work, gid, next);
    }
    const mine = await work.mine(gid, next.epoch);
    if (mine === undefined) return;
    const ops = this.d.shares.shareMissing(gid, next, mine, work.now);
    if (ops.length === 0) return;
    work.ops.push(...ops);
    work.setMine(gid, next.epoch, mine);
    work.queued = true;
  }

  /** The changes of the relay's log from `fromSeq` up to (not including) `untilSeq`. */
  private async fetchLog(gid: string, fromSeq: number, untilSeq: number): Promise<GroupChange[]> {
    const out: GroupChange[] = [];
    let from = fromSeq;
    for (let page = 0; page < MAX_GROUP_LOG_PAGES && from < untilSeq; page++) {
      const r = await this.d.requests.request('group-log-request', {
        groupId: fromHex(gid),
        fromSeq: from,
      });
      if (!r.found) {
        throw new NatterError(
          GROUP_LOG_MISSING,
          `the relay has no log of group ${gid.slice(0, 8)}`,
        );
      }
      for (const c of r.changes) {
        if (c.seq >= untilSeq) return out;
        out.push(c);
      }
      const last = r.changes.at(-1);
      if (!r.more || last === undefined) return out;
      from = last.seq + 1;
    }
    return out;
  }

  private refuseError(
    work: GroupWork,
    gid: string,
    state: GroupState | undefined,
    err: unknown,
    seq: number,
  ) {
    const { code, message } = describeError(err);
    this.refuse(work, gid, state, code, message, seq);
  }

  private refuse(
    work: GroupWork,
    gid: string,
    state: GroupState | undefined,
    code: string,
    reason: string,
    seq: number,
  ): void {
    this.d.logger.warn('refused a group change', { code, group: gid.slice(0, 8) });
    const warning = {
      conversation: conversationOf(gid),
      groupName: state?.name ?? `unknown group ${gid.slice(0, 8)}`,
      code,
      reason: `a membership change was refused: ${reason}`,
    };
    work.warnings.push(warning);
    const update = { type: 'warning' as const, atMs: work.stamp(), ...warning };
    work.ops.push(...this.d.updates.recordOps(gid, seq, update));
  }
}

/** `addedBy` when `change` made me a member (someone else's change): core-wiring.ts leaves if blocked. */
function addedMe(
  change: GroupChange,
  before: GroupState | undefined,
  next: GroupState,
  me: Uint8Array,
): { addedBy?: string } {
  const was = before !== undefined && memberRole(before, me) !== null;
  if (was || memberRole(next, me) === null || bytesEqual(change.author, me)) return {};
  return { addedBy: toHex(change.author) };
}

function sameChange(a: GroupChange, b: GroupChange): boolean {
  try {
    return bytesEqual(groupChangeHash(a), groupChangeHash(b));
  } catch {
    return false;
  }
}
