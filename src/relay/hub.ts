/**
 * Who is connected right now: ready recipients by user id. Routes newly stored
 * mail to every session of its recipient, and group items to every session of
 * each member, and tells every ready session who
 * joined, left or changed status (the relay half of presence, DESIGN.md §5).
 * What each session is told of the roster goes out through roster-out.ts.
 * The hub knows sessions only through the small Recipient interface.
 */
import { toHex } from '../util/bytes.js';
import { type Clock, systemClock } from '../util/clock.js';
import type { Card, RosterEntry, Status, StatusSignature } from '../wire/types.js';
import type { GroupItemOut } from './groups/stream.js';
import type { StoredMail } from './mail-store.js';
import { RosterOut, type RosterReader } from './roster-out.js';

/** A ready connection of one user, as the hub sees it. */
export interface Recipient extends RosterReader {
  readonly userHex: string;
  readonly card: Card | null;
  readonly status: Status;
  readonly statusText: string;
  /** The user's signature over status and statusText, forwarded as it came; null before one. */
  readonly signedStatus: StatusSignature | null;
  /** Logged in quietly: gets mail and the roster, but is not announced in it. */
  readonly quiet: boolean;
  /** Durable mail for this user. */
  offer(mail: StoredMail): void;
  /** Mail still being written, pushed only if this recipient is keeping up: true if pushed. */
  offerEarly(mail: StoredMail, prevSeq: number): boolean;
  /** A durable item of one of this user's groups. */
  offerGroup(item: GroupItemOut): void;
  /** A group item still being written, pushed only if this recipient is keeping up: true if pushed. */
  offerGroupEarly(item: GroupItemOut, prevGseq: number): boolean;
}

export class Hub<R extends Recipient = Recipient> {
  private readonly byUser = new Map<string, Set<R>>();
  private readonly all = new Set<R>();
  private readonly roster: RosterOut<R>;
  /** In a cluster: users online through other relays, user hex -> relay node -> entry. */
  private readonly remote = new Map<string, Map<string, RosterEntry>>();
  /** Sessions made ready so far (deliverGroupEarly's mark). */
  private readies = 0;
  /** In a cluster: told of every change others see in this relay's own users. */
  onLocalChange: ((entry: RosterEntry) => void) | null = null;

  constructor(
    private readonly maxSessionsPerUser: number,
    clock: Clock = systemClock,
  ) {
    this.roster = new RosterOut(
      () => this.sessions(),
      () => this.all.size,
      clock,
    );
  }

  /** Every ready session (and any closing one still listed). */
  private *sessions(): Generator<R> {
    for (const set of this.byUser.values()) yield* set;
  }

  /** Every live connection, ready or not (for shutdown and limits). */
  get connections(): ReadonlySet<R> {
    return this.all;
  }

  get onlineUsers(): number {
    return this.byUser.size;
  }

  attach(r: R): void {
    this.all.add(r);
  }

  hasRoomFor(userHex: string): boolean {
    return (this.byUser.get(userHex)?.size ?? 0) < this.maxSessionsPerUser;
  }

  /** Registers a recipient that just became ready (the caller checked hasRoomFor). */
  addReady(r: R): void {
    this.readies++;
    let set = this.byUser.get(r.userHex);
    if (!set) {
      set = new Set();
      this.byUser.set(r.userHex, set);
    }
    const wasVisible = this.visibleOf(set) !== undefined;
    set.add(r);
    this.roster.welcome(r);
    if (!r.quiet && !wasVisible) this.announce(r, true);
  }

  remove(r: R): void {
    this.all.delete(r);
    const set = this.byUser.get(r.userHex);
    if (!set?.delete(r)) return;
    if (set.size === 0) this.byUser.delete(r.userHex);
    // A quiet session was never announced, so its going changes nothing others see.
    if (r.quiet) return;
    // Another visible session of this user remains: its status is what others see now.
    const other = this.visibleOf(set);
    this.announce(other ?? r, other !== undefined);
  }

  /** Online as others see it: a session that is not quiet, here or on another relay. */
  isOnline(userHex: string): boolean {
    return this.localVisible(userHex) !== undefined || this.remote.has(userHex);
  }

  /** The entries of this relay's own visible users (what a cluster peer asks for). */
  localEntries(): RosterEntry[] {
    const entries: RosterEntry[] = [];
    for (const set of this.byUser.values()) {
      const s = this.visibleOf(set);
      if (s?.card) entries.push(this.entryOf(s, true));
    }
    return entries;
  }

  /**
   * What another relay of the cluster says of its users: `full` replaces all it
   * said before. A user's local session, when there is one, is what others see.
   */
  remoteUpdate(node: string, entries: readonly RosterEntry[], full: boolean): void {
    // user hex -> the latest entry known of the user, for the announcement.
    const changed = new Map<string, RosterEntry>();
    if (full) {
      for (const [userHex, byNode] of this.remote) {
        const old = byNode.get(node);
        if (!old) continue;
        byNode.delete(node);
        if (byNode.size === 0) this.remote.delete(userHex);
        changed.set(userHex, old);
      }
    }
    for (const entry of entries) {
      const userHex = toHex(entry.card.userId);
      let byNode = this.remote.get(userHex);
      if (entry.online) {
        if (!byNode) {
          byNode = new Map();
          this.remote.set(userHex, byNode);
        }
        byNode.set(node, entry);
      } else if (byNode?.delete(node) && byNode.size === 0) {
        this.remote.delete(userHex);
      }
      changed.set(userHex, entry);
    }
    for (const [userHex, latest] of changed) {
      if (this.localVisible(userHex)) continue;
      const other = this.remote.get(userHex)?.values().next().value;
      this.roster.changed(userHex, other ?? { ...latest, online: false });
    }
  }

  /** In a cluster: a relay that `userHex` is online through, if another relay says so. */
  nodeOf(userHex: string): string | undefined {
    return this.remote.get(userHex)?.keys().next().value;
  }

  /** Another relay of the cluster is gone: its users are offline unless seen elsewhere. */
  remoteNodeGone(node: string): void {
    this.remoteUpdate(node, [], true);
  }

  private localVisible(userHex: string): R | undefined {
    const set = this.byUser.get(userHex);
    return set === undefined ? undefined : this.visibleOf(set);
  }

  /** The session whose status others see: the first that is not quiet. */
  private visibleOf(set: Set<R>): R | undefined {
    for (const s of set) if (!s.quiet) return s;
    return undefined;
  }

  /** Newly stored mail, to every session of its recipient. */
  deliver(mail: StoredMail): void {
    const set = this.byUser.get(mail.recipientHex);
    if (!set) return;
    for (const r of set) r.offer(mail);
  }

  /** Mail still being written, to the sessions of its recipient that can take it now: true if one did. */
  deliverEarly(mail: StoredMail, prevSeq: number): boolean {
    const set = this.byUser.get(mail.recipientHex);
    if (!set) return false;
    let pushed = false;
    for (const r of set) if (r.offerEarly(mail, prevSeq)) pushed = true;
    return pushed;
  }

  /**
   * A durable group item, to every session of each of `recipients` (user ids in hex);
   * none if `reached` (deliverGroupEarly's mark) says the early push reached them all and
   * no session became ready since.
   */
  deliverGroup(item: GroupItemOut, recipients: readonly string[], reached = -1): void {
    if (reached === this.readies) return;
    for (const userHex of recipients) {
      const set = this.byUser.get(userHex);
      if (set) for (const r of set) r.offerGroup(item);
    }
  }

  /**
   * A group item still being written, to the sessions of `recipients` that can take it now.
   * Returns the mark for deliverGroup: the readies so far if every session took it, else -1.
   */
  deliverGroupEarly(item: GroupItemOut, prevGseq: number, recipients: readonly string[]): number {
    let all = true;
    for (const userHex of recipients) {
      const set = this.byUser.get(userHex);
      if (set) for (const r of set) if (!r.offerGroupEarly(item, prevGseq)) all = false;
    }
    return all ? this.readies : -1;
  }

  statusChanged(r: R): void {
    if (!r.quiet) this.announce(r, true);
  }

  private entryOf(r: R, online: boolean): RosterEntry {
    return {
      card: r.card!,
      status: r.status,
      statusText: r.statusText,
      online,
      signed: r.signedStatus,
    };
  }

  private announce(r: R, online: boolean): void {
    if (!r.card) return;
    const entry = this.entryOf(r, online);
    this.onLocalChange?.(entry);
    // Gone from here but online through another relay: that is what others see.
    const elsewhere = online ? undefined : this.remote.get(r.userHex)?.values().next().value;
    this.roster.changed(r.userHex, elsewhere ?? entry);
  }
}
