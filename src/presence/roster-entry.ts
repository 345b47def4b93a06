/**
 * One listed user as the roster keeps it: the mutable entry, how a source's
 * claim merges into it, and the immutable snapshot handed out in changes.
 */

import { bytesEqual } from '../util/bytes.js';
import type { Card, Status } from '../wire/types.js';

export type RosterSource = 'lan' | 'relay';

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

/**
 * 'outranked': a relay-registered user took the pseudonym this LAN-only claimant held.
 * 'relay-gone': the relay says they went; 'link-lost': our own link to the relay went, and
 * what it listed with it (they may well still be there).
 */
export type LeaveReason = 'bye' | 'expired' | 'relay-gone' | 'link-lost' | 'outranked';

export type RosterChange =
  | { type: 'join'; item: RosterItem }
  | { type: 'update'; item: RosterItem }
  | { type: 'leave'; item: RosterItem; reason: LeaveReason }
  /** `item` is the impostor's claim; it is never listed. */
  | { type: 'conflict'; item: RosterItem; reason: 'pinned-key-mismatch'; pinnedUserIdHex: string };

/** An impostor's claim: the conflict change that reported it. */
export type RosterConflict = Extract<RosterChange, { type: 'conflict' }>;

/** What one source says about a user: a verified presence or relay entry. */
export interface Claim {
  readonly card: Card;
  readonly status: Status;
  readonly statusText: string;
  readonly source: RosterSource;
  /** Source IP of the LAN datagram (display only); null for the relay. */
  readonly address: string | null;
}

/** The mutable record behind a RosterItem; it never leaves the roster modules. */
export interface Entry {
  card: Card;
  status: Status;
  statusText: string;
  sources: Set<RosterSource>;
  address: string | null;
  firstSeenMs: number;
  lastSeenMs: number;
  expiresAtMs: number | null;
  /**
   * Their BYE came while the relay still listed them: the relay's drop that follows is
   * that logout, and leaves as 'bye', not 'relay-gone'. Cleared when heard again on the LAN.
   */
  saidBye?: boolean;
}

/** An entry first seen now, from the claim's source. */
export function freshEntry(claim: Claim, now: number, expiresAtMs: number | null): Entry {
  return {
    card: claim.card,
    status: claim.status,
    statusText: claim.statusText,
    sources: new Set([claim.source]),
    address: claim.address,
    firstSeenMs: now,
    lastSeenMs: now,
    expiresAtMs,
  };
}

/**
 * Merges a claim into a listed entry (the LAN deadline is the caller's); true
 * when something a UI shows changed.
 */
export function mergeClaim(entry: Entry, claim: Claim, now: number): boolean {
  const { card, source, address } = claim;
  // While the user is heard on the LAN, their own signed heartbeats say their
  // status: the relay's copy lags (a new session is 'online' until the client's
  // SetStatus arrives), and taking it would make the status flicker.
  const { status, statusText } = source === 'relay' && entry.sources.has('lan') ? entry : claim;
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
  return visible;
}

/**
 * Takes one source off an entry; a user no longer heard on the LAN has no LAN
 * deadline or address. True while another source still has the user.
 */
export function removeSource(entry: Entry, source: RosterSource): boolean {
  entry.sources.delete(source);
  if (source === 'lan') {
    entry.expiresAtMs = null;
    entry.address = null;
  }
  return entry.sources.size > 0;
}

export function snapshot(id: string, e: Entry): RosterItem {
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
