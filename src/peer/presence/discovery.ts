/**
 * Finding a relay on the LAN (DESIGN.md §5, issue 3): relays answer a QUERY at
 * once with a signed beacon; among those heard, one whose id this profile has
 * pinned wins.
 */
import type { Beacon } from '../../presence/beacon.js';
import type { RelaySighting } from '../../presence/relays.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { RelayAddress } from '../profile.js';

/**
 * When discovery hears a relay that is not pinned in the profile, how long it
 * waits for a pinned one before taking it. Relays answer a QUERY at once, so a
 * pinned relay on the same LAN is heard well within this.
 */
export const DISCOVERY_SETTLE_MS = 50;

/** A relay heard through its signed beacon. host:port is where to dial; relayId must then match. */
export interface DiscoveredRelay extends RelayAddress {
  /** The relay id from the signed beacon, hex. The relay's Challenge must prove this key. */
  relayId: string;
  name: string;
}

/**
 * Waits up to `timeoutMs` for `beacon` to hear a relay; a pinned one (in
 * `preferred`) is taken at once, another after DISCOVERY_SETTLE_MS.
 */
export function waitForRelay(
  beacon: Beacon,
  clock: Clock,
  timeoutMs: number,
  preferred: ReadonlySet<string>,
): Promise<DiscoveredRelay | undefined> {
  return new Promise((resolve) => {
    let settle: Timer | null = null;
    const finish = (found: RelaySighting | undefined) => {
      off();
      clock.clearTimeout(timer);
      if (settle !== null) clock.clearTimeout(settle);
      resolve(
        found && {
          host: found.address,
          port: found.port,
          relayId: found.relayIdHex,
          name: found.name,
        },
      );
    };
    const check = () => {
      const heard = beacon.relays();
      const pinned = heard.find((r) => preferred.has(r.relayIdHex));
      if (pinned !== undefined || (heard.length > 0 && preferred.size === 0)) {
        finish(pinned ?? heard[0]);
      } else if (heard.length > 0 && settle === null) {
        // A relay we have pinned may answer a moment later: give it that moment.
        settle = clock.setTimeout(() => finish(beacon.relays()[0]), DISCOVERY_SETTLE_MS);
      }
    };
    const off = beacon.on('relay:seen', check);
    const timer = clock.setTimeout(() => finish(beacon.relays()[0]), Math.max(0, timeoutMs));
    check();
  });
}
