/**
 * My membership changes (create, add, remove, promote, demote, rename, leave):
 * signed here with my identity key over the state held here, checked here by the same
 * applyChange every member and the relay run (so a change the relay would refuse is
 * refused before it leaves, with the same code), then sent as a GroupChangeRequest.
 * The relay answers once it applied the change and stored it durably as item `gseq`
 * of the group's stream, or refuses with a stable code (E_GROUP_NOT_ADMIN,
 * E_GROUP_CHAIN_BROKEN, ...), thrown as that code.
 *
 * The change comes back in my own stream like everyone's, and is applied from there,
 * in stream order (stream.ts): the call waits for that, up to CHANGE_APPLIED_WAIT_MS,
 * and otherwise applies it itself (it extends the state held here; the stream's copy
 * is then recognised as applied).
 */
import {
  type GroupChange,
  groupNameProblem,
  type UnsignedGroupChange,
} from '../../crypto/group-change.js';
import { GroupCode } from '../../crypto/group-errors.js';
import {
  applyChange,
  type GroupState,
  memberRole,
  prepareChange,
  prepareCreate,
} from '../../crypto/group-log.js';
import { bytesEqual, toHex } from '../../util/bytes.js';
import { NatterError } from '../../util/errors.js';
import { invisibleProblem } from '../../wire/text.js';
import type { GroupChange as WireGroupChange } from '../../wire/types.js';
import { PeerCode, peerError } from '../errors.js';
import type { Requests } from '../link/requests.js';
import type { ChangeApplier } from './apply.js';
import { type GroupBook, groupNameKey } from './book.js';
import { raced, refusalWords, relayRefusal } from './change-words.js';
import type { MemberNames } from './members.js';
import { SerialQueue } from './queue.js';
import type { GroupUnits } from './units.js';

/** How long a change the relay took may take to come back in my stream before I apply it myself. */
export const CHANGE_APPLIED_WAIT_MS = 3_000;

/**
 * How many times a change is signed again over a newer state when the relay refused it
 * because another admin's change took its place in the log first (a QA trial: a rename
 * and a kick at the same moment failed with E_GROUP_CHAIN_BROKEN and a head hash).
 */
export const CHANGE_RETRIES = 3;

/** Signs a change with my identity key (the key stays with components.ts). */
export type ChangeSigner = <C extends UnsignedGroupChange>(
  unsigned: C,
) => C & { readonly signature: Uint8Array };

/** A change other than create, as the caller describes it. */
export type ChangeBody =
  | { op: 'add' | 'remove' | 'promote' | 'demote' | 'leave'; target: Uint8Array }
  | { op: 'rename'; name: string };

export interface MembershipDeps {
  book: GroupBook;
  names: MemberNames;
  requests: Pick<Requests, 'request'>;
  sign: ChangeSigner;
  me: { userId: Uint8Array };
  units: Pick<GroupUnits, 'run'>;
  applier: Pick<ChangeApplier, 'apply'>;
  /** Default CHANGE_APPLIED_WAIT_MS. */
  appliedWaitMs?: number;
}

export class Membership {
  /** My changes go one at a time: each is signed over the state the one before left. */
  private readonly mine = new SerialQueue();

  constructor(private readonly d: MembershipDeps) {}

  /**
   * A new group named `name` with me as its admin and `members` (pseudonyms) as
   * members. Returns its id (hex). E_BAD_GROUP_NAME, E_GROUP_NAME_TAKEN, and what
   * members.ts cardFor() throws for a member.
   */
  create(name: string, members: readonly string[]): Promise<string> {
    return this.mine.run(() => this.createNow(name, members));
  }

  private async createNow(name: string, members: readonly string[]): Promise<string> {
    this.checkName(name);
    this.checkNameFree(name);
    const ids: Uint8Array[] = [];
    for (const member of members) {
      const { userId } = await this.d.names.cardFor(member);
      if (!ids.some((id) => bytesEqual(id, userId))) ids.push(userId);
    }
    const change = this.d.sign(prepareCreate(this.d.me.userId, name, ids));
    applyChange(null, change);
    const gid = toHex(change.groupId);
    await this.submit(gid, change);
    return gid;
  }

  /** Adds the person the user calls `member` (members.ts cardFor()). */
  async add(gid: string, member: string): Promise<void> {
    const since = this.state(gid).seq;
    const { userId } = await this.d.names.cardFor(member);
    await this.change(gid, { op: 'add', target: userId }, since);
  }

  /** Removes, promotes or demotes the member called `member`. E_NOT_GROUP_MEMBER. */
  async about(gid: string, op: 'remove' | 'promote' | 'demote', member: string): Promise<void> {
    const state = this.state(gid);
    const target = this.d.names.memberNamed(
      state.members.map((m) => m.userId),
      member,
    );
    if (target === undefined) {
      throw peerError(
        PeerCode.NotGroupMember,
        `group: '${member}' is not a member of ${state.name}`,
      );
    }
    await this.change(gid, { op, target });
  }

  async rename(gid: string, name: string): Promise<void> {
    this.checkName(name);
    await this.change(gid, { op: 'rename', name });
  }

  async leave(gid: string): Promise<void> {
    await this.change(gid, { op: 'leave', target: this.d.me.userId });
  }

  /**
   * `since`: the log's seq when the user asked. A change that state shows made by a change
   * applied since (another admin's add of the same member, come while mine waited for a
   * card or its turn: a trial's `group add` printed `alice added carol`, then `carol is in
   * #team3 already`) is done, as when the relay took the other first; a leave is not.
   */
  private change(
    gid: string,
    body: ChangeBody,
    since = body.op === 'leave' ? Number.POSITIVE_INFINITY : this.state(gid).seq,
  ): Promise<void> {
    return this.mine.run(() => this.changeNow(gid, body, 0, since));
  }

  private async changeNow(
    gid: string,
    body: ChangeBody,
    retries: number,
    since: number,
  ): Promise<void> {
    const state = this.state(gid);
    // Made meanwhile (an earlier try of mine the relay took after all, or someone else's
    // change since the user asked): done, not refused.
    if ((retries > 0 || state.seq > since) && madeIn(state, body)) return;
    try {
      if (memberRole(state, this.d.me.userId) === null) {
        throw peerError(
          PeerCode.NotGroupMember,
          `group: you are no longer a member of ${state.name}`,
        );
      }
      if (body.op === 'rename') this.checkNameFree(body.name, gid);
      const change = this.d.sign(prepareChange(state, this.d.me.userId, body));
      try {
        applyChange(state, change);
      } catch (err) {
        throw this.inWords(err, state, body);
      }
      await this.submit(gid, change);
    } catch (err) {
      if (!(err instanceof NatterError)) throw err;
      if (err.code === GroupCode.ChainBroken)
        return this.again(gid, body, state, retries, since, err);
      if (retries === 0) throw err;
      // It no longer applies over the other change: said as such, its code kept.
      throw new NatterError(
        err.code,
        `${raced(state.name)}: ${err.message.replace(/^group: /, '')}`,
        {
          cause: err,
        },
      );
    }
  }

  /**
   * Another change took my change's place in the log: once it has come in my stream,
   * mine is checked and signed again over it, up to CHANGE_RETRIES times.
   */
  private async again(
    gid: string,
    body: ChangeBody,
    state: GroupState,
    retries: number,
    since: number,
    err: NatterError,
  ): Promise<void> {
    const waitMs = this.d.appliedWaitMs ?? CHANGE_APPLIED_WAIT_MS;
    if (retries < CHANGE_RETRIES && (await this.d.book.advanced(gid, state.seq, waitMs)))
      return this.changeNow(gid, body, retries + 1, since);
    throw new NatterError(
      GroupCode.ChainBroken,
      `${raced(state.name)}, and yours could not be made after it; see the group now (natter group show) and try again`,
      { cause: err },
    );
  }

  /**
   * The log's refusal of my own change (ids and seqs: "group change 3 (add): the target
   * is already a member") in the words of the one who asked, its code kept.
   */
  private inWords(err: unknown, state: GroupState, body: ChangeBody): unknown {
    if (!(err instanceof NatterError)) return err;
    const who = 'target' in body ? this.d.names.of(toHex(body.target)) : '';
    const role = 'target' in body ? memberRole(state, body.target) : null;
    const words = refusalWords(err.code, body.op, `#${state.name}`, who, role);
    return words === null ? err : new NatterError(err.code, `group: ${words}`, { cause: err });
  }

  private async submit(gid: string, signed: GroupChange): Promise<void> {
    const change = toWire(signed);
    const result = await this.d.requests.request('group-change', { change });
    if (result.code !== '') throw relayRefusal(result, change, (hex) => this.d.names.of(hex));
    const waitMs = this.d.appliedWaitMs ?? CHANGE_APPLIED_WAIT_MS;
    if (await this.d.book.applied(gid, result.gseq, waitMs)) return;
    // Not back in my stream (yet): it extends the state held here, so it applies here.
    await this.d.units.run(async (work) => {
      const state = work.state(gid);
      if (state === undefined || state.seq < change.seq) {
        await this.d.applier.apply(work, gid, change);
      }
    });
  }

  private state(gid: string): GroupState {
    const entry = this.d.book.get(gid);
    if (entry === undefined) throw peerError(PeerCode.UnknownGroup, `group: no group ${gid}`);
    return entry.state;
  }

  /**
   * A name of my choosing is not one that a group I am in has already (in any case, as
   * book.ts resolve() compares): two of them would make every ref by that name
   * E_AMBIGUOUS_GROUP. Groups I left do not count (a name means the one I am in). Others
   * name the groups they add me to, so two of mine can still share a name; the chat
   * then shows each with an id prefix. Checked in my queue of changes, so two creates
   * of one name cannot both pass. `except`: the group being renamed.
   */
  private checkNameFree(name: string, except?: string): void {
    const key = groupNameKey(name);
    const taken = this.d.book
      .entries()
      .find(
        ([gid, g]) =>
          gid !== except &&
          groupNameKey(g.state.name) === key &&
          memberRole(g.state, this.d.me.userId) !== null,
      );
    if (taken === undefined) return;
    throw peerError(
      PeerCode.GroupNameTaken,
      `group: you are in a group called #${taken[1].state.name} already (${taken[0].slice(0, 8)}): pick another name`,
    );
  }

  private checkName(name: string): void {
    // Not '#team' (read as '##team'), nor hidden characters ('team' + U+FE0F), as in a
    // pseudonym; the wire check stays as it was, so groups named before still load.
    const problem =
      groupNameProblem(name) ??
      (name.startsWith('#') ? "starts with '#', which is how a group is shown" : null) ??
      invisibleProblem(name);
    if (problem !== null) throw peerError(PeerCode.BadGroupName, `group: the name ${problem}`);
  }
}

/** A signed change as the wire types hold it (the same fields; a create's members copied). */
function toWire(c: GroupChange): WireGroupChange {
  return c.op === 'create' ? { ...c, members: [...c.members] } : { ...c };
}

/** Whether `state` already is what `body` asks for (the change was made meanwhile). */
function madeIn(state: GroupState, body: ChangeBody): boolean {
  if (body.op === 'rename') return state.name === body.name;
  const role = memberRole(state, body.target);
  if (body.op === 'add') return role !== null;
  if (body.op === 'promote') return role === 'admin';
  if (body.op === 'demote') return role === 'member';
  return role === null;
}
