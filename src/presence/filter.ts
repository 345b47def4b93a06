/**
 * The receive pipeline for presence datagrams (DESIGN.md §5), cheapest checks
 * first so that hostile traffic costs as little as possible:
 *
 *   size -> per-source rate -> decode envelope -> duplicate (per source address)
 *        -> decode body -> its name (no invisible characters or stacked marks)
 *        -> timestamp window -> signature -> card signature -> accepted
 *
 * Pure apart from the injected clock. Every drop is counted by reason and never
 * throws. The source address is passed through for display and for addressing
 * replies only; identity comes from the signed contents alone.
 */
import { createHash } from 'node:crypto';
import { verifyCard as realVerifyCard } from '../crypto/card.js';
import { verify as realVerify } from '../crypto/sign.js';
import { type Clock, systemClock } from '../util/clock.js';
import { LruMap } from '../util/lru.js';
import { decodePresence, decodeSignedDatagram } from '../wire/codec.js';
import { MAX_DATAGRAM_BYTES } from '../wire/limits.js';
import { invisibleProblem } from '../wire/text.js';
import type { Card, Presence } from '../wire/types.js';
import {
  DEDUP_CACHE_ENTRIES,
  MAX_TRACKED_SOURCES,
  SOURCE_BURST_DATAGRAMS,
  SOURCE_RATE_PER_SECOND,
  TIMESTAMP_WINDOW_MS,
} from './constants.js';
import { presenceMessage } from './datagram.js';
import { KeyedTokenBuckets } from './rate-limit.js';

export type DropReason = 'oversize' | 'rate' | 'malformed' | 'duplicate' | 'stale' | 'forged';
export const DROP_REASONS: readonly DropReason[] = [
  'oversize',
  'rate',
  'malformed',
  'duplicate',
  'stale',
  'forged',
];

export type FilterResult =
  | { ok: true; presence: Presence; address: string; port: number }
  | { ok: false; reason: DropReason };

export type FilterStats = Record<DropReason | 'accepted', number>;

export type VerifyFn = (
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
) => boolean;
export type VerifyCardFn = (card: Card) => boolean;

export interface FilterOptions {
  /** Time source for rate buckets and the timestamp window. Default systemClock. */
  clock?: Clock;
  /** Ed25519 verify. Default: src/crypto verify (node:crypto). Tests pass a spy. */
  verify?: VerifyFn;
  /** Card signature check (user id, pseudonym, box key). Default: src/crypto verifyCard. */
  verifyCard?: VerifyCardFn;
  /** Allowed distance of a datagram's timestamp from now. Default TIMESTAMP_WINDOW_MS. */
  timestampWindowMs?: number;
  /** Sustained datagrams per second per source. Default SOURCE_RATE_PER_SECOND. */
  ratePerSecond?: number;
  /** Burst per source. Default SOURCE_BURST_DATAGRAMS. */
  burst?: number;
  /** Sources tracked for rate limiting. Default MAX_TRACKED_SOURCES. */
  maxSources?: number;
  /** Accepted (source address, body) pairs remembered to drop duplicates. Default DEDUP_CACHE_ENTRIES. */
  dedupEntries?: number;
}

export class DatagramFilter {
  private readonly clock: Clock;
  private readonly verify: VerifyFn;
  private readonly verifyCard: VerifyCardFn;
  private readonly windowMs: number;
  private readonly rate: KeyedTokenBuckets;
  private readonly seenBodies: LruMap<string, true>;
  private readonly counters: FilterStats = {
    accepted: 0,
    oversize: 0,
    rate: 0,
    malformed: 0,
    duplicate: 0,
    stale: 0,
    forged: 0,
  };

  constructor(options: FilterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.verify = options.verify ?? realVerify;
    this.verifyCard = options.verifyCard ?? realVerifyCard;
    this.windowMs = options.timestampWindowMs ?? TIMESTAMP_WINDOW_MS;
    this.rate = new KeyedTokenBuckets({
      ratePerSecond: options.ratePerSecond ?? SOURCE_RATE_PER_SECOND,
      burst: options.burst ?? SOURCE_BURST_DATAGRAMS,
      maxKeys: options.maxSources ?? MAX_TRACKED_SOURCES,
    });
    this.seenBodies = new LruMap(options.dedupEntries ?? DEDUP_CACHE_ENTRIES);
  }

  /** Runs one received datagram through the pipeline. Never throws. */
  accept(bytes: Uint8Array, address: string, port: number): FilterResult {
    if (bytes.byteLength > MAX_DATAGRAM_BYTES) return this.drop('oversize');
    const now = this.clock.now();
    if (!this.rate.take(`${address}|${port}`, now)) return this.drop('rate');

    let body: Uint8Array;
    let signature: Uint8Array;
    try {
      ({ body, signature } = decodeSignedDatagram(bytes));
    } catch {
      return this.drop('malformed');
    }
    // Keyed with the source address (issue 10): keyed by the body alone, a replay
    // of a genuine beacon from another host that arrived first would get the
    // genuine copy dropped as its duplicate, leaving only the replay's address to
    // dial. The same body from the same source (one send reaching us through
    // several broadcast targets) is still dropped here, unverified.
    const bodyId = `${address}|${createHash('sha256').update(body).digest('base64')}`;
    if (this.seenBodies.has(bodyId)) return this.drop('duplicate');

    let presence: Presence;
    try {
      presence = decodePresence(body);
    } catch {
      return this.drop('malformed');
    }
    // A name with invisible characters or stacked marks (wire/text.ts invisibleProblem)
    // is one no relay registers any more: on the LAN it could pass for 'alice' beside
    // the real one, so it is dropped as malformed, as the relay refuses it.
    if (presence.kind !== 'relay' && presence.card !== null) {
      if (invisibleProblem(presence.card.pseudonym) !== null) return this.drop('malformed');
    }
    if (Math.abs(presence.timestampMs - now) > this.windowMs) return this.drop('stale');
    if (!this.authentic(presence, body, signature)) return this.drop('forged');

    // Remembered only once authentic: otherwise a forgery sent ahead of a
    // predictable genuine body (seq and timestamp are guessable) would get the
    // genuine one dropped as its "duplicate".
    this.seenBodies.set(bodyId, true);
    this.counters.accepted++;
    return { ok: true, presence, address, port };
  }

  stats(): FilterStats {
    return { ...this.counters };
  }

  private authentic(p: Presence, body: Uint8Array, signature: Uint8Array): boolean {
    if (p.kind === 'relay') return this.verify(p.relayId, presenceMessage(body), signature);
    // An anonymous QUERY has no key to check. Accepting it unverified is safe:
    // it only asks for heartbeats that are broadcast anyway, and replies are
    // rate-limited by the beacon.
    if (p.card === null) return true;
    return this.verify(p.card.userId, presenceMessage(body), signature) && this.cardValid(p.card);
  }

  /**
   * The datagram's signature proves its sender holds the key; the card's proves the
   * key holder named itself so. A card copied from one name to another fails here.
   */
  private cardValid(card: Card): boolean {
    return this.verifyCard(card);
  }

  private drop(reason: DropReason): FilterResult {
    this.counters[reason]++;
    return { ok: false, reason };
  }
}
