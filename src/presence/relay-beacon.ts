/**
 * The relay's side of presence (DESIGN.md §5, issue 3 §2): a signed
 * PRESENCE_RELAY beacon every interval, and an immediate unicast answer to
 * every QUERY, so a starting client finds the relay with no configuration.
 * The sockets come from beacon.ts (the one socket owner).
 */
import { NatterError } from '../util/errors.js';
import { MAX_RELAY_NAME_CHARS } from '../wire/limits.js';
import { isSafeLine } from '../wire/text.js';
import { openPresenceSocket } from './beacon.js';
import { SeqCounter, signPresence } from './datagram.js';
import { type LinkOptions, type LinkStats, PresenceLink } from './link.js';
import type { OpenTransport } from './transport.js';

/** See LinkOptions for port (UDP), bindAddress, intervalMs, targets, filter, clock and logger. */
export interface RelayBeaconOptions extends LinkOptions {
  /** The relay's Ed25519 public key (its relay id), 32 bytes. */
  relayId: Uint8Array;
  /** The matching 64-byte secret key; signs every beacon. */
  relaySecretKey: Uint8Array;
  /** The relay's TCP port, announced in the beacon (not the UDP presence port). */
  relayPort: number;
  /** Display name in the beacon: one line of at most MAX_RELAY_NAME_CHARS. */
  name: string;
  /** Default openPresenceSocket (UDP). */
  openTransport?: OpenTransport;
}

export class RelayBeacon {
  private readonly link: PresenceLink;
  private readonly seq = new SeqCounter();

  constructor(private readonly options: RelayBeaconOptions) {
    const { relayPort, name } = options;
    if (!Number.isInteger(relayPort) || relayPort < 1 || relayPort > 65535) {
      throw new NatterError('E_BAD_ARGUMENT', 'relay beacon: relayPort must be 1..65535');
    }
    if ([...name].length > MAX_RELAY_NAME_CHARS || !isSafeLine(name)) {
      throw new NatterError('E_BAD_ARGUMENT', 'relay beacon: name must be one short line');
    }
    this.link = new PresenceLink(options, options.openTransport ?? openPresenceSocket, {
      // Only QUERYs concern the relay: heartbeats and other relays are not its business.
      accepted: (d) => {
        if (d.presence.kind === 'query') this.link.reply(d, () => this.beacon());
      },
      dropped: () => undefined,
      started: () => this.link.broadcast(() => this.beacon()),
      tick: () => this.link.broadcast(() => this.beacon()),
    });
  }

  /** Binds and sends the first beacon at once. Idempotent. */
  start(): Promise<void> {
    return this.link.start();
  }

  /** Stops beaconing and closes the sockets. Idempotent. */
  stop(): Promise<void> {
    return this.link.stop();
  }

  stats(): LinkStats {
    return this.link.stats();
  }

  private beacon(): Uint8Array {
    const now = this.link.clock.now();
    const o = this.options;
    return signPresence(
      {
        kind: 'relay',
        relayId: o.relayId,
        relayPort: o.relayPort,
        relayName: o.name,
        seq: this.seq.next(now),
        timestampMs: now,
      },
      o.relaySecretKey,
    );
  }
}

/** Creates and starts a relay beacon; stop() it on shutdown. */
export async function startRelayBeacon(options: RelayBeaconOptions): Promise<RelayBeacon> {
  const beacon = new RelayBeacon(options);
  await beacon.start();
  return beacon;
}
