/**
 * The listed users: at most `maxItems` entries, each LAN source on a deadline
 * of one missed-heartbeat budget. Reports every join, update and leave as a
 * change; a user leaves only when no source still has them.
 */

import { pseudonymKey } from '../wire/text.js';
import {
  type Claim,
  type Entry,
  freshEntry,
  type LeaveReason,
  mergeClaim,
  type RosterChange,
  type RosterItem,
  type RosterSource,
  removeSource,
  snapshot,
} from './roster-entry.js';

/** Which users are listed now: what they need is never evicted from the roster's memories. */
export interface ListedUsers {
  has(userIdHex: string): boolean;
}

export class RosterEntries implements ListedUsers {
  private readonly items = new Map<string, Entry>();
  private refusedFull = 0;

  /**
   * @param budgetMs how long a LAN source lasts without a heartbeat
   * @param maxItems users listed at once
   */
  constructor(
    private readonly budgetMs: number,
    private readonly maxItems: number,
  ) {}

  get size(): number {
    return this.items.size;
  }

  /** New users refused because the roster was full. */
  get full(): number {
    return this.refusedFull;
  }

  has(userIdHex: string): boolean {
    return this.items.has(userIdHex);
  }

  get(userIdHex: string): RosterItem | undefined {
    const entry = this.items.get(userIdHex);
    return entry === undefined ? undefined : snapshot(userIdHex, entry);
  }

  /** Listed users by pseudonym, case-insensitively; ties (impossible when pinned) by key. */
  list(): RosterItem[] {
    return [...this.items]
      .map(([id, e]) => ({ key: pseudonymKey(e.card.pseudonym), item: snapshot(id, e) }))
      .sort((a, b) => compare(a.key, b.key) || compare(a.item.userIdHex, b.item.userIdHex))
      .map((x) => x.item);
  }

  /** Users that `source` currently has, in the order they were first listed. */
  listedBy(source: RosterSource): string[] {
    return [...this.items].filter(([, e]) => e.sources.has(source)).map(([id]) => id);
  }

  /** Lists or refreshes a user; a LAN claim also moves their deadline. */
  upsert(id: string, claim: Claim, now: number): RosterChange[] {
    const expiresAtMs = claim.source === 'lan' ? now + this.budgetMs : null;
    const entry = this.items.get(id);
    if (entry === undefined) {
      if (this.items.size >= this.maxItems) {
        this.refusedFull++;
        return [];
      }
      const created = freshEntry(claim, now, expiresAtMs);
      this.items.set(id, created);
      return [{ type: 'join', item: snapshot(id, created) }];
    }
    const visible = mergeClaim(entry, claim, now);
    if (expiresAtMs !== null) {
      entry.expiresAtMs = expiresAtMs;
      entry.saidBye = false;
    }
    return visible ? [{ type: 'update', item: snapshot(id, entry) }] : [];
  }

  /** Removes one source; the user leaves only when no source still has them. */
  dropSource(id: string, source: RosterSource, reason: LeaveReason): RosterChange[] {
    const entry = this.items.get(id);
    if (entry === undefined || !entry.sources.has(source)) return [];
    if (removeSource(entry, source)) {
      if (reason === 'bye') entry.saidBye = true;
      return [{ type: 'update', item: snapshot(id, entry) }];
    }
    this.items.delete(id);
    return [{ type: 'leave', item: snapshot(id, entry), reason: leaveReason(entry, reason) }];
  }

  /** Removes a user that `source` has from every source at once. */
  dropUser(id: string, source: RosterSource, reason: LeaveReason): RosterChange[] {
    const entry = this.items.get(id);
    if (entry === undefined || !entry.sources.has(source)) return [];
    this.items.delete(id);
    // The snapshot keeps the sources it had, so a UI can tell what was cut short.
    return [{ type: 'leave', item: snapshot(id, entry), reason: leaveReason(entry, reason) }];
  }

  /** Removes LAN sources whose deadline has passed; other sources never expire by time. */
  expire(now: number): RosterChange[] {
    const changes: RosterChange[] = [];
    for (const [id, entry] of [...this.items]) {
      if (entry.expiresAtMs !== null && entry.expiresAtMs <= now) {
        changes.push(...this.dropSource(id, 'lan', 'expired'));
      }
    }
    return changes;
  }

  /** The earliest LAN deadline; null if none. */
  nextDeadline(): number | null {
    let min: number | null = null;
    for (const entry of this.items.values()) {
      if (entry.expiresAtMs !== null && (min === null || entry.expiresAtMs < min)) {
        min = entry.expiresAtMs;
      }
    }
    return min;
  }
}

/** The relay's drop of a user whose BYE came first is their logout (Entry.saidBye). */
function leaveReason(entry: Entry, reason: LeaveReason): LeaveReason {
  return reason === 'relay-gone' && entry.saidBye === true ? 'bye' : reason;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
