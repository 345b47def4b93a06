/**
 * Who is online, merged from LAN heartbeats and the relay's pushes. Pure: no
 * I/O and no timers; every method that depends on time takes `now` (ms), and
 * returns the changes it made so the owner can emit them (DESIGN.md §5).
 *
 * Callers pass only verified input: LAN presences that passed the filter
 * (signature and box key checked), relay entries from an authenticated relay
 * session whose box signature the caller has checked.
 */

import { bytesEqual, toHex } from '../util/bytes.js';
import { pseudonymKey } from '../wire/text.js';
import type { Card, Presence, Status } from '../wire/types.js';
import {
  HEARTBEAT_INTERVAL_MS,
  MAX_REMEMBERED_KEYS,
  MAX_ROSTER_ITEMS,
  MAX_TRACKED_CONFLICTS,
  MISSED_HEARTBEATS_BEFORE_EXPIRY,
} from './constants.js';
import { LruMap } from './lru.js';

export type RosterSource = 'lan' | 'relay';
export type PeerPresence = Extract<Presence, { kind: 'heartbeat' | 'hello' | 'bye' }>;

/** An immutable snapshot of one listed user. */
export interface RosterItem {
  readonly userIdHex: string;
  readonly card: Card;
  readonly pseudonym: string;
  readonly status: Status;
  readonly statusText: string;
  readonly sources: ReadonlySet<RosterSource>;
  /** Where the entry comes from, for display: one source or both. */
  readonly source: RosterSource | 'both';
  /** Source IP of the last LAN datagram: for display only, never trusted. */
  readonly address: string | null;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
  /** When the LAN source expires; null when the user is not seen on the LAN. */
  readonly expiresAtMs: number | null;
}

export type LeaveReason = 'bye' | 'expired' | 'relay-gone';

export type RosterChange =
  | { type: 'join'; item: RosterItem }
  | { type: 'update'; item: RosterItem }
  | { type: 'leave'; item: RosterItem; reason: LeaveReason }
  /** `item` is the impostor's claim; it is never listed. */
  | { type: 'conflict'; item: RosterItem; reason: 'pinned-key-mismatch'; pinnedUserIdHex: string };

/** An entry as the relay pushes it (RosterEntry in the proto). */
export interface RelayRosterEntry {
  card: Card;
  status: Status;
  statusText: string;
  /** false means the relay says the user went offline. Default true. */
  online?: boolean;
}

/** Known pins: pseudonym key (wire/text.ts pseudonymKey) to user id hex. */
export type PinLookup =
  | ReadonlyMap<string, string>
  | ((pseudonymKey: string) => string | undefined);

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
}

interface Entry {
  card: Card;
  status: Status;
  statusText: string;
  sources: Set<RosterSource>;
  address: string | null;
  firstSeenMs: number;
  lastSeenMs: number;
  expiresAtMs: number | null;
}

interface KeyMemory {
  lastSeq: number;
}

export class Roster {
  private readonly items = new Map<string, Entry>();
  /** Last seq per key, kept after a user leaves so replays cannot resurrect them. */
  private readonly keys: LruMap<string, KeyMemory>;
  /** First-seen pins: pseudonym key -> user id hex. */
  private readonly localPins: LruMap<string, string>;
  /** Impostors already reported, by claimant key, until their claim expires. */
  private readonly conflictSeen = new LruMap<string, { item: RosterItem; untilMs: number }>(
    MAX_TRACKED_CONFLICTS,
  );
  private readonly budgetMs: number;
  private readonly maxItems: number;
  private readonly pins: PinLookup | undefined;
  private readonly counters: RosterStats = { staleSeq: 0, full: 0, conflicts: 0 };

  constructor(options: RosterOptions = {}) {
    const interval = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
    const missed = options.missedBeforeExpiry ?? MISSED_HEARTBEATS_BEFORE_EXPIRY;
    if (!(interval > 0) || !(missed >= 1)) {
      throw new RangeError('Roster: intervalMs must be > 0 and missedBeforeExpiry >= 1');
    }
    this.budgetMs = interval * missed;
    this.maxItems = options.maxItems ?? MAX_ROSTER_ITEMS;
    this.pins = options.pins;
    this.keys = new LruMap(MAX_REMEMBERED_KEYS);
    this.localPins = new LruMap(MAX_REMEMBERED_KEYS);
  }

  /** A verified LAN heartbeat, HELLO or BYE from `address` (display only). */
  seen(p: PeerPresence, address: string, now: number): RosterChange[] {
    const id = toHex(p.card.userId);
    const memory = this.keys.peek(id);
    if (memory !== undefined && p.seq <= memory.lastSeq) {
      this.counters.staleSeq++;
      return [];
    }
    this.keys.set(id, { lastSeq: p.seq }, (k) => this.items.has(k));
    if (p.kind === 'bye') {
      this.conflictSeen.delete(id);
      return this.dropSource(id, 'lan', 'bye');
    }

    const conflict = this.checkPin(id, p.card, p.status, p.statusText, 'lan', address, now);
    if (conflict !== null) return conflict;
    return this.upsert(id, p.card, p.status, p.statusText, 'lan', now, address);
  }

  /** Removes LAN sources whose deadline has passed; relay-sourced entries never expire by time. */
  expire(now: number): RosterChange[] {
    const changes: RosterChange[] = [];
    for (const [id, entry] of [...this.items]) {
      if (entry.expiresAtMs !== null && entry.expiresAtMs <= now) {
        changes.push(...this.dropSource(id, 'lan', 'expired'));
      }
    }
    for (const [id, c] of [...this.conflictSeen.entries()]) {
      if (c.untilMs <= now) this.conflictSeen.delete(id);
    }
    return changes;
  }

  /** The earliest LAN deadline, for the owner's expiry timer; null if none. */
  nextDeadline(): number | null {
    let min: number | null = null;
    for (const entry of this.items.values()) {
      if (entry.expiresAtMs !== null && (min === null || entry.expiresAtMs < min)) {
        min = entry.expiresAtMs;
      }
    }
    return min;
  }

  /** The relay reports a user as connected (or, with online: false, as gone). */
  relaySeen(entry: RelayRosterEntry, now: number): RosterChange[] {
    const id = toHex(entry.card.userId);
    if (entry.online === false) return this.relayGone(id);
    const conflict = this.checkPin(
      id,
      entry.card,
      entry.status,
      entry.statusText,
      'relay',
      null,
      now,
    );
    if (conflict !== null) return conflict;
    return this.upsert(id, entry.card, entry.status, entry.statusText, 'relay', now, null);
  }

  /** The relay reports a user as disconnected: gone at once unless still heard on the LAN. */
  relayGone(userIdHex: string): RosterChange[] {
    return this.dropSource(userIdHex, 'relay', 'relay-gone');
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
    const entry = this.items.get(userIdHex);
    if (entry === undefined || !entry.sources.has('relay')) return [];
    this.items.delete(userIdHex);
    // The snapshot keeps the sources it had, so a UI can tell what the relay cut short.
    return [{ type: 'leave', item: snapshot(userIdHex, entry), reason: 'relay-gone' }];
  }

  /** A full relay roster replaces every relay-sourced entry (new session, reconnect). */
  relayReset(entries: readonly RelayRosterEntry[], now: number): RosterChange[] {
    const present = new Set(
      entries.filter((e) => e.online !== false).map((e) => toHex(e.card.userId)),
    );
    const changes: RosterChange[] = [];
    for (const [id, entry] of [...this.items]) {
      if (entry.sources.has('relay') && !present.has(id)) changes.push(...this.relayGone(id));
    }
    for (const e of entries) changes.push(...this.relaySeen(e, now));
    return changes;
  }

  /** Listed users by pseudonym, case-insensitively; ties (impossible when pinned) by key. */
  list(): RosterItem[] {
    return [...this.items]
      .map(([id, e]) => ({ key: pseudonymKey(e.card.pseudonym), item: snapshot(id, e) }))
      .sort((a, b) => compare(a.key, b.key) || compare(a.item.userIdHex, b.item.userIdHex))
      .map((x) => x.item);
  }

  get(userIdHex: string): RosterItem | undefined {
    const entry = this.items.get(userIdHex);
    return entry === undefined ? undefined : snapshot(userIdHex, entry);
  }

  /** Impostors currently claiming a pinned pseudonym. */
  conflicts(): RosterItem[] {
    return [...this.conflictSeen.values()].map((c) => c.item);
  }

  get size(): number {
    return this.items.size;
  }

  stats(): RosterStats {
    return { ...this.counters };
  }

  /** A conflict change if `id` claims a pseudonym pinned to another key, else null. */
  private checkPin(
    id: string,
    card: Card,
    status: Status,
    statusText: string,
    source: RosterSource,
    address: string | null,
    now: number,
  ): RosterChange[] | null {
    const name = pseudonymKey(card.pseudonym);
    const external = typeof this.pins === 'function' ? this.pins(name) : this.pins?.get(name);
    const pinned = external ?? this.localPins.peek(name);
    if (pinned === undefined) {
      // First sight of this pseudonym: pin it. Pins of listed users are never evicted.
      this.localPins.set(name, id, (_k, pinnedId) => this.items.has(pinnedId));
      return null;
    }
    if (pinned === id) return null;

    this.counters.conflicts++;
    const untilMs = now + this.budgetMs;
    const previous = this.conflictSeen.peek(id);
    const item = snapshot(id, freshEntry(card, status, statusText, source, address, now, null));
    this.conflictSeen.set(id, { item, untilMs });
    // Report each impostor claim once while it lasts, not on every heartbeat.
    if (previous !== undefined && previous.item.pseudonym === card.pseudonym) return [];
    return [{ type: 'conflict', item, reason: 'pinned-key-mismatch', pinnedUserIdHex: pinned }];
  }

  private upsert(
    id: string,
    card: Card,
    status: Status,
    statusText: string,
    source: RosterSource,
    now: number,
    address: string | null,
  ): RosterChange[] {
    const expiresAtMs = source === 'lan' ? now + this.budgetMs : undefined;
    const entry = this.items.get(id);
    if (entry === undefined) {
      if (this.items.size >= this.maxItems) {
        this.counters.full++;
        return [];
      }
      const created = freshEntry(
        card,
        status,
        statusText,
        source,
        address,
        now,
        expiresAtMs ?? null,
      );
      this.items.set(id, created);
      return [{ type: 'join', item: snapshot(id, created) }];
    }
    // While the user is heard on the LAN, their own signed heartbeats say their
    // status: the relay's copy lags (a new session is 'online' until the client's
    // SetStatus arrives), and taking it would make the status flicker.
    if (source === 'relay' && entry.sources.has('lan')) {
      status = entry.status;
      statusText = entry.statusText;
    }
    const visible =
      entry.status !== status ||
      entry.statusText !== statusText ||
      entry.card.pseudonym !== card.pseudonym ||
      !bytesEqual(entry.card.boxPk, card.boxPk) ||
      !entry.sources.has(source) ||
      (address !== null && entry.address !== address);
    entry.card = card;
    entry.status = status;
    entry.statusText = statusText;
    entry.sources.add(source);
    entry.lastSeenMs = now;
    if (address !== null) entry.address = address;
    if (expiresAtMs !== undefined) entry.expiresAtMs = expiresAtMs;
    return visible ? [{ type: 'update', item: snapshot(id, entry) }] : [];
  }

  /** Removes one source; the user leaves only when no source still has them. */
  private dropSource(id: string, source: RosterSource, reason: LeaveReason): RosterChange[] {
    const entry = this.items.get(id);
    if (entry === undefined || !entry.sources.has(source)) return [];
    entry.sources.delete(source);
    if (source === 'lan') {
      entry.expiresAtMs = null;
      entry.address = null;
    }
    if (entry.sources.size > 0) return [{ type: 'update', item: snapshot(id, entry) }];
    this.items.delete(id);
    return [{ type: 'leave', item: snapshot(id, entry), reason }];
  }
}

function snapshot(id: string, e: Entry): RosterItem {
  const sources = new Set(e.sources);
  return Object.freeze({
    userIdHex: id,
    card: e.card,
    pseudonym: e.card.pseudonym,
    status: e.status,
    statusText: e.statusText,
    sources,
    source: sources.size > 1 ? 'both' : sources.has('relay') ? 'relay' : 'lan',
    address: e.address,
    firstSeenMs: e.firstSeenMs,
    lastSeenMs: e.lastSeenMs,
    expiresAtMs: e.expiresAtMs,
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An entry first seen now, from one source. */
function freshEntry(
  card: Card,
  status: Status,
  statusText: string,
  source: RosterSource,
  address: string | null,
  now: number,
  expiresAtMs: number | null,
): Entry {
  return {
    card,
    status,
    statusText,
    sources: new Set([source]),
    address,
    firstSeenMs: now,
    lastSeenMs: now,
    expiresAtMs,
  };
}
