/**
 * Which other relays' beacons a relay says it heard, and when (the LAN-newcomer
 * trial: two relays on one LAN, and neither operator knew, while every new client
 * refused to choose, E_SEVERAL_RELAYS). One line per other relay id and interval;
 * the ids are bounded, and a storm of fresh ids past the bound is one line an
 * interval, not one per id. Pure: `now` is passed in.
 */
import { MAX_OTHER_RELAYS_NAMED, OTHER_RELAY_WARN_INTERVAL_MS } from './constants.js';

/** What to say of one beacon of another relay: name it, say that more came than are named, or nothing. */
export type OtherRelayNote = 'name' | 'too-many' | 'quiet';

export class OtherRelays {
  /** Relay id (hex) → when it was last named. */
  private readonly named = new Map<string, number>();
  private tooManySaidAt: number | null = null;

  constructor(
    private readonly intervalMs = OTHER_RELAY_WARN_INTERVAL_MS,
    private readonly maxNamed = MAX_OTHER_RELAYS_NAMED,
  ) {}

  /** Relay ids remembered now (at most maxNamed). */
  get size(): number {
    return this.named.size;
  }

  /** One verified beacon of the relay `relayIdHex` (not this relay's own). */
  heard(relayIdHex: string, now: number): OtherRelayNote {
    const at = this.named.get(relayIdHex);
    if (at !== undefined && now - at < this.intervalMs) return 'quiet';
    if (at === undefined && this.named.size >= this.maxNamed) this.forget(now);
    if (at === undefined && this.named.size >= this.maxNamed) {
      // Full of relays named within the interval: a flood of fresh keys. Evicting one to
      // name the next would turn the flood into a line per beacon.
      if (this.tooManySaidAt !== null && now - this.tooManySaidAt < this.intervalMs) return 'quiet';
      this.tooManySaidAt = now;
      return 'too-many';
    }
    this.named.set(relayIdHex, now);
    return 'name';
  }

  private forget(now: number): void {
    for (const [id, at] of this.named) if (now - at >= this.intervalMs) this.named.delete(id);
  }
}
