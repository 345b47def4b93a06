/**
 * Who is online, merged from LAN heartbeats and the relay's pushes. Pure: no
 * I/O and no timers; every method that depends on time takes `now` (ms), and
 * returns the changes it made so the owner can emit them (DESIGN.md §5).
 *
 * Callers pass only verified input: LAN presences that passed the filter
 * (signature and box key checked), relay entries from an authenticated relay
 * session whose box signature the caller has checked.
 *
 * The Roster routes each source's input through its parts, each owning its own
 * state: the replay guard (roster-seqs.ts), the pseudonym pins (roster-pins.ts)
 * and the listed entries with their deadlines (roster-entries.ts).
 */

import { toHex } from '../util/bytes.js';
import type { Card, Presence, Status } from '../wire/types.js';
import {
  HEARTBEAT_INTERVAL_MS,
  MAX_ROSTER_ITEMS,
  MISSED_HEARTBEATS_BEFORE_EXPIRY,
} from './constants.js';
import { RosterEntries } from './roster-entries.js';
import type {
  Claim,
  LeaveReason,
  RosterChange,
  RosterConflict,
  RosterItem,
} from './roster-entry.js';
import { type LookalikeLookup, type PinLookup, RosterPins } from './roster-pins.js';
import { RosterSeqs } from './roster-seqs.js';

export type {
  LeaveReason,
  RosterChange,
  RosterConflict,
  RosterItem,
  RosterSource,
} from './roster-entry.js';
export type { LookalikeLookup, PinLookup } from './roster-pins.js';

export type PeerPresence = Extract<Presence, { kind: 'heartbeat' | 'hello' | 'bye' }>;

/** An entry as the relay pushes it (RosterEntry in the proto). */
export interface RelayRosterEntry {
  card: Card;
  status: Status;
  statusText: string;
  /** false means the relay says the user went offline. Default true. */
  online?: boolean;
}

export interface RosterOptions {
  /** Heartbeat interval assumed for expiry. Default HEARTBEAT_INTERVAL_MS. */
  intervalMs?: number;
  /** Heartbeats missed before a LAN entry expires. Default MISSED_HEARTBEATS_BEFORE_EXPIRY. */
  missedBeforeExpiry?: number;
  /**
   * Pins that outrank what the roster saw first, e.g. the contact store's TOFU
   * pins. Default: none, only first-seen pins within this roster.
   */
  pins?: PinLookup;
  /**
   * The same pins by look-alike key (wire/text.ts lookalikeKey): a LAN claim to a name
   * that looks like a pinned one, under another key, is a conflict too. Default: none
   * (names the relay reported are still checked).
   */
  lookalikes?: LookalikeLookup;
  /** Users listed at once. Default MAX_ROSTER_ITEMS. */
  maxItems?: number;
}

export interface RosterStats {
  /** LAN presences refused because their seq was not above the last one. */
  staleSeq: number;
  /** New users refused because the roster was full. */
  full: number;
  /** Claims refused because the key differs from the pseudonym's pin. */
  conflicts: number;
  /** LAN claims dropped because the relay would refuse their name (newPseudonymProblem). */
  badNames: number;
}

export class Roster {
  private readonly entries: RosterEntries;
  private readonly seqs: RosterSeqs;
  private readonly pins: RosterPins;

  constructor(options: RosterOptions = {}) {
    const interval = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
    const missed = options.missedBeforeExpiry ?? MISSED_HEARTBEATS_BEFORE_EXPIRY;
    if (!(interval > 0) || !(missed >= 1)) {
      throw new RangeError('Roster: intervalMs must be > 0 and missedBeforeExpiry >= 1');
    }
    const budgetMs = interval * missed;
    this.entries = new RosterEntries(budgetMs, options.maxItems ?? MAX_ROSTER_ITEMS);
    this.seqs = new RosterSeqs(this.entries);
    this.pins = new RosterPins(this.entries, budgetMs, options.pins, options.lookalikes);
  }

  /** A verified LAN heartbeat, HELLO or BYE from `address` (display only). */
  seen(p: PeerPresence, address: string, now: number): RosterChange[] {
    const id = toHex(p.card.userId);
    if (!this.seqs.accept(id, p.seq)) return [];
    if (p.kind === 'bye') {
      this.pins.forget(id);
      return this.entries.dropSource(id, 'lan', 'bye');
    }
    const { card, status, statusText } = p;
    return this.admit(id, { card, status, statusText, source: 'lan', address }, now);
  }

  /** Removes LAN sources whose deadline has passed; relay-sourced entries never expire by time. */
  expire(now: number): RosterChange[] {
    const changes = this.entries.expire(now);
    this.pins.expire(now);
    return changes;
  }

  /** The earliest LAN deadline, for the owner's expiry timer; null if none. */
  nextDeadline(): number | null {
    return this.entries.nextDeadline();
  }

  /** The relay reports a user as connected (or, with online: false, as gone). */
  relaySeen(entry: RelayRosterEntry, now: number): RosterChange[] {
    const id = toHex(entry.card.userId);
    if (entry.online === false) return this.relayGone(id);
    const { card, status, statusText } = entry;
    return this.admit(id, { card, status, statusText, source: 'relay', address: null }, now);
  }

  /** The relay reports a user as disconnected: gone at once unless still heard on the LAN. */
  relayGone(userIdHex: string): RosterChange[] {
    this.pins.relayDropped(userIdHex);
    return this.entries.dropSource(userIdHex, 'relay', 'relay-gone');
  }

  /**
   * The relay says the last connection of a user it had listed closed. A process
   * that dies (kill -9, a crash) loses its TCP connection at once but its LAN
   * entry would linger for the whole missed-heartbeat budget, so the user leaves
   * both sources now: issue 3, "do not wait for heartbeat expiry when the relay
   * already knows". A user who is in fact still running (only their relay link
   * broke) is listed again by their next heartbeat. A user the relay never listed
   * keeps their LAN entry (relayGone's rule): the relay cannot vouch for them.
   */
  relayLeft(userIdHex: string): RosterChange[] {
    this.pins.relayDropped(userIdHex);
    return this.entries.dropUser(userIdHex, 'relay', 'relay-gone');
  }

  /**
   * A full relay roster replaces every relay-sourced entry (new session, reconnect); those
   * not in it leave for `reason` ('link-lost': the link went, and the roster with it).
   */
  relayReset(
    entries: readonly RelayRosterEntry[],
    now: number,
    reason: LeaveReason = 'relay-gone',
  ): RosterChange[] {
    const present = new Set(
      entries.filter((e) => e.online !== false).map((e) => toHex(e.card.userId)),
    );
    const changes: RosterChange[] = [];
    for (const id of this.entries.listedBy('relay')) {
      if (!present.has(id)) changes.push(...this.entries.dropSource(id, 'relay', reason));
    }
    // The impostors it listed and lists no more: their claims end with it.
    for (const id of this.pins.relayClaimants()) if (!present.has(id)) this.pins.relayDropped(id);
    for (const e of entries) changes.push(...this.relaySeen(e, now));
    return changes;
  }

  /** Listed users by pseudonym, case-insensitively; ties (impossible when pinned) by key. */
  list(): RosterItem[] {
    return this.entries.list();
  }

  get(userIdHex: string): RosterItem | undefined {
    return this.entries.get(userIdHex);
  }

  /**
   * LAN-only claimants listed under a name that looks like one pinned or reported since
   * they were heard (a contact pinned, a name the relay reported later) leave, 'outranked',
   * and are conflicts from then on, as if heard after it. The owner calls it when the
   * pins change (a new contact); a name the relay reports calls it here.
   */
  recheckNames(now: number): RosterChange[] {
    const changes: RosterChange[] = [];
    for (const id of this.entries.listedBy('lan')) {
      const item = this.entries.get(id);
      if (item === undefined || item.sources.has('relay')) continue;
      const owner = this.pins.lookalikeClaimed(id, item);
      if (owner === undefined) continue;
      changes.push(...this.entries.dropUser(id, 'lan', 'outranked'));
      changes.push(...this.pins.demote(item, owner, now));
    }
    return changes;
  }

  /** Impostors currently claiming a pinned pseudonym. */
  conflicts(): RosterItem[] {
    return this.pins.conflicts();
  }

  /**
   * The impostors' claims lasting at `now`, as the conflicts that reported them: a LAN
   * claim until its heartbeats would expire, the relay's while the relay lists it.
   */
  impostors(now: number): RosterConflict[] {
    return this.pins.claims(now);
  }

  get size(): number {
    return this.entries.size;
  }

  stats(): RosterStats {
    return {
      staleSeq: this.seqs.staleCount,
      full: this.entries.full,
      conflicts: this.pins.conflictCount,
      badNames: this.pins.badNameCount,
    };
  }

  /**
   * A claim is listed unless it breaks a pin, which makes it a conflict instead.
   * A relay-registered user outranks a LAN-only first-seen claim to their
   * pseudonym: the LAN claimant leaves ('outranked') and is reported as a conflict.
   */
  private admit(id: string, claim: Claim, now: number): RosterChange[] {
    const changes: RosterChange[] = [];
    const squatter = this.pins.relayTakeover(id, claim);
    if (squatter !== null) {
      const item = this.entries.get(squatter);
      if (item !== undefined) {
        changes.push(...this.entries.dropUser(squatter, 'lan', 'outranked'));
        changes.push(...this.pins.demote(item, id, now));
      }
    }
    const fresh = this.pins.newRelayName(id, claim);
    const refused = this.pins.check(id, claim, now);
    changes.push(...(refused ?? this.entries.upsert(id, claim, now)));
    // A name the relay reports for the first time: a LAN beacon listed under a look-alike
    // of it before it was known is an impostor now, not only once its listing lapses.
    if (fresh !== null && refused === null) changes.push(...this.recheckNames(now));
    return changes;
  }
}
