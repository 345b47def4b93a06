/**
 * Relays heard through their signed beacons (DESIGN.md §5). Pure, `now` passed
 * in. The relay id, TCP port and name are signed; the address is the datagram's
 * source and is only a hint where to connect: whoever answers there must still
 * prove the pinned relay key in the TCP handshake, so a replayed beacon from
 * another host can at worst point a client at a relay it cannot impersonate.
 */
import { toHex } from '../util/bytes.js';
import type { Presence } from '../wire/types.js';
import { MAX_TRACKED_RELAYS } from './constants.js';
import { LruMap } from './lru.js';

export type RelayPresence = Extract<Presence, { kind: 'relay' }>;

export interface RelaySighting {
  relayId: Uint8Array;
  relayIdHex: string;
  /** Source IP of the beacon (where to connect). */
  address: string;
  /** The relay's TCP port, from the signed beacon. */
  port: number;
  name: string;
  lastSeenMs: number;
}

interface Tracked {
  sighting: RelaySighting;
  lastSeq: number;
}

export class RelayTracker {
  private readonly relays = new LruMap<string, Tracked>(MAX_TRACKED_RELAYS);

  /** @param budgetMs how long a relay stays listed after its last beacon */
  constructor(private readonly budgetMs: number) {}

  /** Records a verified beacon; null when its seq is not above the last one (a replay). */
  seen(p: RelayPresence, address: string, now: number): RelaySighting | null {
    const relayIdHex = toHex(p.relayId);
    const known = this.relays.peek(relayIdHex);
    if (known !== undefined && p.seq <= known.lastSeq) return null;
    const sighting: RelaySighting = {
      relayId: p.relayId,
      relayIdHex,
      address,
      port: p.relayPort,
      name: p.relayName,
      lastSeenMs: now,
    };
    this.relays.set(relayIdHex, { sighting, lastSeq: p.seq });
    return sighting;
  }

  /** Relays heard within the budget, most recently heard first. */
  list(now: number): RelaySighting[] {
    return [...this.relays.values()]
      .map((t) => t.sighting)
      .filter((s) => now - s.lastSeenMs < this.budgetMs)
      .sort((a, b) => b.lastSeenMs - a.lastSeenMs);
  }
}
