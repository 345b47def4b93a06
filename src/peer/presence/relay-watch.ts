/**
 * Listening for relay beacons when no beacon of the client's own runs (a one-shot command
 * announces nothing and lists nobody): for discovery, one listener for as long as it
 * takes; and while the relay link is lost, one until it is ready or closed again (restart
 * trial: such a command had no UDP socket once discovery ended, so the relay back on
 * another port went unheard, and `send-file` dialled the old port until its --wait ran
 * out). A listener announces nothing; relays answer its one anonymous QUERY at start at
 * once, and it reports relay beacons as a running beacon does (ClientPresence.relaySeen).
 */
import { Beacon, type BeaconOptions } from '../../presence/beacon.js';
import type { RelaySighting } from '../../presence/relays.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import type { ConnectionState } from '../events.js';
import { type DiscoveryResult, type RelayQuery, waitForRelay } from './discovery.js';

export interface RelayWatchOptions {
  /** The LAN's settings (port, targets, interval, clock, logger) for a listener. */
  network: BeaconOptions;
  /** A relay beacon a listener heard (ClientPresence.relaySeen tells the link). */
  seen: (listener: Beacon, sighting: RelaySighting) => void;
  /** False (the client's own beacon runs, or presence is off): linkState() does nothing. */
  whileLost: boolean;
}

export class RelayWatch {
  /** The listener while the link is lost. */
  private lost: Beacon | null = null;
  /** Its starts and stops, in the order asked. */
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly o: RelayWatchOptions) {
    this.clock = o.network.clock ?? systemClock;
    this.log = o.network.logger ?? silentLogger;
  }

  /** Waits up to `timeoutMs` for a relay the query allows (discovery.ts), on a listener of its own. */
  async discover(timeoutMs: number, query: RelayQuery): Promise<DiscoveryResult> {
    if (this.stopped) return { found: undefined, ignored: [], heardAny: false };
    const listener = this.listener();
    try {
      await listener.start();
      return await waitForRelay(listener, this.clock, timeoutMs, query);
    } finally {
      await listener.stop();
    }
  }

  /** The link's state: listens while it is offline (waiting to redial), until ready or closed. */
  linkState(state: ConnectionState): void {
    if (state === 'offline') this.listen();
    else if (state !== 'connecting') void this.pause();
  }

  /** Stops for good (presence stops); resolves once the socket is closed. Idempotent. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.pause();
  }

  private listener(): Beacon {
    const listener = new Beacon({ ...this.o.network, announce: false });
    listener.on('relay:seen', (s) => this.o.seen(listener, s));
    return listener;
  }

  private listen(): void {
    if (this.lost !== null || this.stopped || !this.o.whileLost) return;
    const listener = this.listener();
    this.lost = listener;
    this.log.info('relay link lost: listening for its beacon');
    this.chain = this.chain
      .then(() => listener.start())
      .catch((err: unknown) => this.log.warn('relay watch could not listen', describeError(err)));
  }

  private pause(): Promise<void> {
    const listener = this.lost;
    this.lost = null;
    if (listener === null) return this.chain;
    this.chain = this.chain
      .then(() => listener.stop({ bye: false }))
      .catch((err: unknown) =>
        this.log.warn('relay watch did not stop cleanly', describeError(err)),
      );
    return this.chain;
  }
}
