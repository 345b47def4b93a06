/**
 * The relay's half of the client's roster (DESIGN.md §5): RosterUpdate frames, checked,
 * into the roster ClientPresence shares with the LAN beacon. A card must be signed by
 * its user id over exactly that id, pseudonym and box key (a card re-labelled with
 * another name fails), and never be our own; a status must carry the user's signature
 * and a seq not below the last seen (relay-statuses.ts). The relay may omit or delay
 * entries, but it cannot make anyone appear under a name or status they did not sign.
 */
import { verifyCard } from '../../crypto/card.js';
import type { Roster, RosterChange } from '../../presence/roster.js';
import { toHex } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Card, FrameOf, RosterEntry } from '../../wire/types.js';
import { RelayStatuses, type RelayStatusStats } from './relay-statuses.js';

export interface RelayRosterFeedOptions {
  /** Our user id (hex), or null for a listener. */
  selfId: string | null;
  roster: Roster;
  clock: Clock;
  logger: Logger;
  /** Reports the roster's changes (as events). */
  apply: (changes: RosterChange[]) => void;
}

export class RelayRosterFeed {
  /** Relayed statuses: the last signed one per user, and what was dropped. */
  private readonly statuses = new RelayStatuses();

  constructor(private readonly o: RelayRosterFeedOptions) {}

  /**
   * A RosterUpdate from the relay: full (the first after Ready) replaces every
   * relay-sourced entry; deltas add, update, or remove (online: false) one user.
   */
  onRoster(frame: FrameOf<'roster-update'>): void {
    const now = this.o.clock.now();
    const entries: RosterEntry[] = [];
    for (const e of frame.entries) {
      if (!this.acceptCard(e.card)) continue;
      const checked = this.statuses.check(e);
      if (typeof checked === 'string') {
        this.o.logger.warn(`relay roster: dropped a ${checked} status`, {
          userId: toHex(e.card.userId),
        });
        continue;
      }
      entries.push(checked);
    }
    const roster = this.o.roster;
    if (frame.full) {
      this.o.apply(roster.relayReset(entries, now));
      return;
    }
    for (const e of entries) {
      this.o.apply(e.online ? roster.relaySeen(e, now) : roster.relayLeft(toHex(e.card.userId)));
    }
  }

  /** The relay link is gone: its entries go (they may be stale), LAN entries stay. */
  onOffline(): void {
    this.o.apply(this.o.roster.relayReset([], this.o.clock.now(), 'link-lost'));
  }

  /** Relayed statuses dropped as forged or stale. */
  stats(): RelayStatusStats {
    return this.statuses.stats();
  }

  private acceptCard(card: Card): boolean {
    const id = toHex(card.userId);
    if (id === this.o.selfId) return false;
    if (!verifyCard(card)) {
      this.o.logger.warn('relay roster: dropped a card that is not signed as it reads', {
        userId: id,
      });
      return false;
    }
    return true;
  }
}
