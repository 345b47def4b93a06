/**
 * Pseudonym pins and the impostors that break them. The first key seen with a
 * pseudonym pins it, unless the owner's pins (the contact store's TOFU pins)
 * already name a key; another key claiming it is a conflict, never that user.
 */

import { pseudonymKey } from '../wire/text.js';
import { MAX_REMEMBERED_KEYS, MAX_TRACKED_CONFLICTS } from './constants.js';
import { LruMap } from './lru.js';
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

export class RosterPins {
  /** First-seen pins: pseudonym key -> user id hex. */
  private readonly localPins = new LruMap<string, string>(MAX_REMEMBERED_KEYS);
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
    const external = typeof this.pins === 'function' ? this.pins(name) : this.pins?.get(name);
    const pinned = external ?? this.localPins.peek(name);
    if (pinned === undefined) {
      // First sight of this pseudonym: pin it. Pins of listed users are never evicted.
      this.localPins.set(name, id, (_k, pinnedId) => this.listed.has(pinnedId));
      return null;
    }
    if (pinned === id) return null;

    this.refused++;
    const untilMs = now + this.claimMs;
    const previous = this.reported.peek(id);
    const item = snapshot(id, freshEntry(claim, now, null));
    this.reported.set(id, { item, untilMs });
    // Report each impostor claim once while it lasts, not on every heartbeat.
    if (previous !== undefined && previous.item.pseudonym === claim.card.pseudonym) return [];
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
