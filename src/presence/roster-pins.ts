/**
 * Pseudonym pins and the impostors that break them. The first key seen with a
 * pseudonym pins it, unless the owner's pins (the contact store's TOFU pins)
 * already name a key; another key claiming it is a conflict, never that user.
 * A first-seen pin only the LAN vouches for yields to the key the relay reports
 * for that pseudonym (issue 10: a relay-registered user outranks an unknown LAN
 * heartbeat), and its LAN claimant becomes the conflict.
 */

import { LruMap } from '../util/lru.js';
import { pseudonymKey } from '../wire/text.js';
import { MAX_REMEMBERED_KEYS, MAX_TRACKED_CONFLICTS } from './constants.js';
import type { ListedUsers } from './roster-entries.js';
import {
  type Claim,
  freshEntry,
  type RosterChange,
  type RosterItem,
  snapshot,
} from './roster-entry.js';

/** Known pins: pseudonym key (wire/text.ts pseudonymKey) to user id hex. */
export type PinLookup =
  | ReadonlyMap<string, string>
  | ((pseudonymKey: string) => string | undefined);

/** A first-seen pin; `relay` once the relay has reported that key for the pseudonym. */
interface LocalPin {
  readonly id: string;
  relay: boolean;
}

export class RosterPins {
  /** First-seen pins: pseudonym key -> user id hex. */
  private readonly localPins = new LruMap<string, LocalPin>(MAX_REMEMBERED_KEYS);
  /** Impostors already reported, by claimant key, until their claim expires. */
  private readonly reported = new LruMap<string, { item: RosterItem; untilMs: number }>(
    MAX_TRACKED_CONFLICTS,
  );
  private refused = 0;

  /**
   * @param listed whose pins are never evicted
   * @param claimMs how long an impostor's claim lasts without being repeated
   * @param pins pins that outrank what was seen first; undefined for none
   */
  constructor(
    private readonly listed: ListedUsers,
    private readonly claimMs: number,
    private readonly pins: PinLookup | undefined,
  ) {}

  /** Claims refused because the key differs from the pseudonym's pin. */
  get conflictCount(): number {
    return this.refused;
  }

  /** A conflict change if `id` claims a pseudonym pinned to another key, else null. */
  check(id: string, claim: Claim, now: number): RosterChange[] | null {
    const name = pseudonymKey(claim.card.pseudonym);
    const pinned = this.external(name) ?? this.localPins.peek(name)?.id;
    if (pinned === undefined) {
      // First sight of this pseudonym: pin it. Pins of listed users are never evicted.
      const pin: LocalPin = { id, relay: claim.source === 'relay' };
      this.localPins.set(name, pin, (_k, p) => this.listed.has(p.id));
      return null;
    }
    if (pinned === id) {
      if (claim.source === 'relay') {
        const local = this.localPins.peek(name);
        if (local !== undefined && local.id === id) local.relay = true;
      }
      return null;
    }
    return this.refuse(id, snapshot(id, freshEntry(claim, now, null)), pinned, now + this.claimMs);
  }

  /**
   * The relay reports `id` for a pseudonym whose first-seen pin names another key
   * that only the LAN vouched for (no owner's pin): `id` takes the pin, and the
   * former holder's id is returned so the caller can unlist it and call demote().
   * Null when nothing moves.
   */
  relayTakeover(id: string, claim: Claim): string | null {
    if (claim.source !== 'relay') return null;
    const name = pseudonymKey(claim.card.pseudonym);
    if (this.external(name) !== undefined) return null;
    const local = this.localPins.peek(name);
    if (local === undefined || local.id === id || local.relay) return null;
    this.localPins.set(name, { id, relay: true }, (_k, p) => this.listed.has(p.id));
    return local.id;
  }

  /**
   * The LAN claimant a relay-registered user outranked (`item`, as it was listed)
   * is now an impostor against `pinnedId`: reported as a conflict like any other,
   * its claim lasting until its LAN deadline.
   */
  demote(item: RosterItem, pinnedId: string, now: number): RosterChange[] {
    return this.refuse(item.userIdHex, item, pinnedId, item.expiresAtMs ?? now + this.claimMs);
  }

  private external(name: string): string | undefined {
    return typeof this.pins === 'function' ? this.pins(name) : this.pins?.get(name);
  }

  private refuse(id: string, item: RosterItem, pinned: string, untilMs: number): RosterChange[] {
    this.refused++;
    const previous = this.reported.peek(id);
    this.reported.set(id, { item, untilMs });
    // Report each impostor claim once while it lasts, not on every heartbeat.
    if (previous !== undefined && previous.item.pseudonym === item.pseudonym) return [];
    return [{ type: 'conflict', item, reason: 'pinned-key-mismatch', pinnedUserIdHex: pinned }];
  }

  /** The key said BYE: its claim, if any, ends now. */
  forget(id: string): void {
    this.reported.delete(id);
  }

  /** Forgets impostor claims that have lapsed. */
  expire(now: number): void {
    for (const [id, c] of [...this.reported.entries()]) {
      if (c.untilMs <= now) this.reported.delete(id);
    }
  }

  /** Impostors currently claiming a pinned pseudonym. */
  conflicts(): RosterItem[] {
    return [...this.reported.values()].map((c) => c.item);
  }
}
