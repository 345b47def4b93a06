/**
 * Who is connected right now: ready sessions by user. Routes newly stored mail
 * to every session of its recipient, and tells every ready session who joined,
 * left or changed status (the relay half of presence, DESIGN.md §5). Roster
 * changes of one event-loop turn go out as one RosterUpdate per session.
 */
import { encodeFrame } from '../wire/codec.js';
import { MAX_ROSTER_ENTRIES } from '../wire/limits.js';
import type { RosterEntry } from '../wire/types.js';
import type { StoredMail } from './mailbox.js';
import type { Session } from './session.js';

export class Hub {
  private readonly byUser = new Map<string, Set<Session>>();
  private readonly all = new Set<Session>();
  private changed = new Map<string, RosterEntry>();
  private flushScheduled = false;

  constructor(private readonly maxSessionsPerUser: number) {}

  /** Every live connection, ready or not (for shutdown and limits). */
  get connections(): ReadonlySet<Session> {
    return this.all;
  }

  get onlineUsers(): number {
    return this.byUser.size;
  }

  attach(session: Session): void {
    this.all.add(session);
  }

  hasRoomFor(userHex: string): boolean {
    return (this.byUser.get(userHex)?.size ?? 0) < this.maxSessionsPerUser;
  }

  /** Registers a session that just became ready (the caller checked hasRoomFor). */
  addReady(session: Session): void {
    let set = this.byUser.get(session.userHex);
    const first = !set;
    if (!set) {
      set = new Set();
      this.byUser.set(session.userHex, set);
    }
    set.add(session);
    this.sendFullRoster(session);
    if (first) this.announce(session, true);
  }

  remove(session: Session): void {
    this.all.delete(session);
    const set = this.byUser.get(session.userHex);
    if (!set?.delete(session)) return;
    if (set.size === 0) {
      this.byUser.delete(session.userHex);
      this.announce(session, false);
    } else {
      // Another session of this user remains: its status is what others see now.
      const [other] = set;
      if (other) this.announce(other, true);
    }
  }

  isOnline(userHex: string): boolean {
    return this.byUser.has(userHex);
  }

  /** Newly stored mail, to every session of its recipient. */
  deliver(mail: StoredMail): void {
    const set = this.byUser.get(mail.recipientHex);
    if (!set) return;
    for (const session of set) session.offer(mail);
  }

  /** Mail still being written, to the sessions of its recipient that can take it now. */
  deliverEarly(mail: StoredMail, prevSeq: number): void {
    const set = this.byUser.get(mail.recipientHex);
    if (!set) return;
    for (const session of set) session.offerEarly(mail, prevSeq);
  }

  statusChanged(session: Session): void {
    this.announce(session, true);
  }

  private entryOf(session: Session, online: boolean): RosterEntry {
    return { card: session.card!, status: session.status, statusText: session.statusText, online };
  }

  private sendFullRoster(to: Session): void {
    const entries: RosterEntry[] = [];
    for (const set of this.byUser.values()) {
      const [s] = set;
      if (s?.card) entries.push(this.entryOf(s, true));
    }
    for (let i = 0; i === 0 || i < entries.length; i += MAX_ROSTER_ENTRIES) {
      to.send({
        type: 'roster-update',
        full: i === 0,
        entries: entries.slice(i, i + MAX_ROSTER_ENTRIES),
      });
    }
  }

  private announce(session: Session, online: boolean): void {
    if (!session.card) return;
    this.changed.set(session.userHex, this.entryOf(session, online));
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushRoster());
  }

  private flushRoster(): void {
    this.flushScheduled = false;
    const entries = [...this.changed.values()];
    this.changed = new Map();
    for (let i = 0; i < entries.length; i += MAX_ROSTER_ENTRIES) {
      const chunk = entries.slice(i, i + MAX_ROSTER_ENTRIES);
      // Encode once, push the same bytes to everyone.
      let encoded: Uint8Array | null = null;
      for (const set of this.byUser.values()) {
        for (const s of set) {
          if (s.state !== 'ready') continue;
          encoded ??= encodeFrame({ type: 'roster-update', full: false, entries: chunk });
          s.sendEncoded(encoded);
        }
      }
    }
  }
}
