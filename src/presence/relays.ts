/**
 * Relays heard through their signed beacons (DESIGN.md §5). Pure, `now` passed
 * in. The relay id, TCP port and name are signed; the source address is not, so
 * it is only a candidate where to connect: whoever answers there must still
 * prove the relay id on the link.
 *
 * A replay of a genuine beacon from another host must not hide the genuine
 * source (issue 10), so sightings are kept per (relay id, source address), each
 * address with its own sequence number, and a relay's addresses are ranked
 * freshest first: the highest seq, and for the same seq the address that
 * delivered it first. A replay can only repeat a seq the relay has already sent,
 * and the relay's own broadcast of each new one reaches the LAN before anyone can
 * repeat it, so the relay's address leads. The ranking only orders the attempts;
 * the link decides which address is the relay.
 */
import { toHex } from '../util/bytes.js';
import { LruMap } from '../util/lru.js';
import type { Presence } from '../wire/types.js';
import { MAX_ADDRESSES_PER_RELAY, MAX_TRACKED_RELAYS } from './constants.js';

export type RelayPresence = Extract<Presence, { kind: 'relay' }>;

export interface RelaySighting {
  relayId: Uint8Array;
  relayIdHex: string;
  /** Source IP of the beacon (a candidate where to connect). */
  address: string;
  /** The relay's TCP port, from the signed beacon. */
  port: number;
  name: string;
  /** The highest sequence number heard from this address. */
  seq: number;
  /** When this address delivered `seq`. */
  lastSeenMs: number;
}

/** Best first: the highest seq, then the earliest to deliver it. */
export function rankSightings(sightings: Iterable<RelaySighting>): RelaySighting[] {
  return [...sightings].sort((a, b) => b.seq - a.seq || a.lastSeenMs - b.lastSeenMs);
}

export class RelayTracker {
  /** Relay id (hex) → source address → its latest sighting. */
  private readonly relays = new LruMap<string, Map<string, RelaySighting>>(MAX_TRACKED_RELAYS);

  /** @param budgetMs how long a relay address stays listed after its last beacon */
  constructor(private readonly budgetMs: number) {}

  /**
   * Records a verified beacon. Null when its seq is not above the last one from
   * the same address (a repeat), or when it is the stalest of a relay's
   * MAX_ADDRESSES_PER_RELAY addresses.
   */
  seen(p: RelayPresence, address: string, now: number): RelaySighting | null {
    const relayIdHex = toHex(p.relayId);
    let addresses = this.relays.get(relayIdHex);
    const known = addresses?.get(address);
    if (known !== undefined && p.seq <= known.seq) return null;
    const sighting: RelaySighting = {
      relayId: p.relayId,
      relayIdHex,
      address,
      port: p.relayPort,
      name: p.relayName,
      seq: p.seq,
      lastSeenMs: now,
    };
    if (addresses === undefined) {
      addresses = new Map();
      this.relays.set(relayIdHex, addresses);
    }
    for (const [a, s] of addresses) if (!this.fresh(s, now)) addresses.delete(a);
    addresses.set(address, sighting);
    if (addresses.size > MAX_ADDRESSES_PER_RELAY) {
      const stalest = rankSightings(addresses.values()).at(-1);
      if (stalest !== undefined) addresses.delete(stalest.address);
      if (stalest === sighting) return null;
    }
    return sighting;
  }

  /** Each relay heard within the budget, at its best address; the most recently heard relay first. */
  list(now: number): RelaySighting[] {
    const heard: { best: RelaySighting; lastMs: number }[] = [];
    for (const addresses of this.relays.values()) {
      const fresh = [...addresses.values()].filter((s) => this.fresh(s, now));
      const [best] = rankSightings(fresh);
      if (best !== undefined)
        heard.push({ best, lastMs: Math.max(...fresh.map((s) => s.lastSeenMs)) });
    }
    return heard.sort((a, b) => b.lastMs - a.lastMs).map((h) => h.best);
  }

  /** Every address heard for one relay within the budget, best first (rankSightings). */
  candidates(relayIdHex: string, now: number): RelaySighting[] {
    const addresses = this.relays.peek(relayIdHex);
    if (addresses === undefined) return [];
    return rankSightings([...addresses.values()].filter((s) => this.fresh(s, now)));
  }

  private fresh(s: RelaySighting, now: number): boolean {
    return now - s.lastSeenMs < this.budgetMs;
  }
}
