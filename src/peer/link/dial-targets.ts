/**
 * Where a session dials its relay: the addresses it was opened with (a cluster's, in
 * turn and staggered: relay-list.ts), and, for a relay found by its id, the address a
 * beacon of that relay came from while the session was lost (LAN-newcomer trial: a
 * session that dialled its relay's remembered address kept dialling it after the relay
 * came back elsewhere, until a restart). A beacon's source address is only a hint
 * (issue 10): a channel there counts only if its TLS key is the relay id; one with
 * another key is closed before anything is said on it, and the address forgotten. The
 * addresses the session was opened with are still dialled first, so what a failure
 * reports is theirs, and a replayed beacon adds a dial, never takes one away.
 */
import { toHex } from '../../util/bytes.js';
import type { Clock } from '../../util/clock.js';
import { type Logger, silentLogger } from '../../util/logger.js';
import { formatRelayAddress, type RelayAddress, relayAddresses } from '../relay-address.js';
import type { RelayChannel } from './channel.js';
import { LinkCode, linkError } from './errors.js';
import { dialFirst } from './relay-list.js';

export interface DialTargetsOptions {
  /** The address the session was opened with, and its alternates. */
  address: RelayAddress;
  /** Opens a channel to one address (transport.ts connectTls). */
  dial: (address: RelayAddress) => Promise<RelayChannel>;
  /** The relay id (hex) whose beacons may add an address; undefined: none may (a configured relay). */
  followId?: string | undefined;
  clock: Clock;
  logger?: Logger | undefined;
}

export class DialTargets {
  private readonly addresses: RelayAddress[];
  private readonly keys: Set<string>;
  private turn = 0;
  private last: string;
  /** Where a beacon of the relay last came from, if not one of `addresses`. */
  private followed: RelayAddress | null = null;
  /** The last channel came from `followed`: its address is the session's now. */
  private throughFollowed: string | null = null;
  private readonly log: Logger;

  constructor(private readonly o: DialTargetsOptions) {
    this.log = o.logger ?? silentLogger;
    this.addresses = relayAddresses(o.address);
    this.keys = new Set(this.addresses.map(formatRelayAddress));
    this.last = formatRelayAddress(this.addresses[0]!);
  }

  /** The address dialled last ('host:port'): what events name. */
  get dialled(): string {
    return this.last;
  }

  /** The followed address the last channel came from, or null: it came from the session's own. */
  get followedNow(): string | null {
    return this.throughFollowed;
  }

  /**
   * A verified beacon of relay `relayIdHex` came from `address` (its port the signed one):
   * dialled beside the session's own from the next dial on, if it is the relay this
   * session follows and not an address it dials already.
   */
  follow(relayIdHex: string, address: RelayAddress): void {
    if (this.o.followId === undefined || relayIdHex !== this.o.followId) return;
    const key = formatRelayAddress(address);
    const now = this.keys.has(key) ? null : { host: address.host, port: address.port };
    const before = this.followed === null ? null : formatRelayAddress(this.followed);
    this.followed = now;
    if (now !== null && key !== before)
      this.log.info('relay heard at another address: dialling it there too', { address: key });
  }

  /** One dial: the session's addresses from the current turn, then the followed one. */
  connect(): Promise<RelayChannel> {
    const followed = this.followed;
    const list = followed === null ? this.addresses : [...this.addresses, followed];
    const start = this.turn % this.addresses.length;
    this.last = formatRelayAddress(list[start]!);
    const dial = (a: RelayAddress) => (a === followed ? this.dialFollowed(a) : this.o.dial(a));
    return dialFirst(list, start, dial, this.o.clock).then(
      ({ channel, index }) => {
        const viaFollowed = index === this.addresses.length;
        if (!viaFollowed) this.turn = index;
        this.last = formatRelayAddress(list[index]!);
        this.throughFollowed = viaFollowed ? this.last : null;
        return channel;
      },
      (err: unknown) => {
        this.turn++;
        throw err;
      },
    );
  }

  /** A channel to a beacon's address, kept only if its TLS key is the relay id. */
  private async dialFollowed(address: RelayAddress): Promise<RelayChannel> {
    const channel = await this.o.dial(address);
    if (toHex(channel.relayKey) === this.o.followId) return channel;
    channel.stream.destroy();
    if (this.followed === address) this.followed = null;
    const where = formatRelayAddress(address);
    this.log.warn('relay beacon address refused: another relay key', {
      address: where,
    });
    // Never the error a dial reports (the session's own addresses come first: dialFirst
    // reports the first one's), so its being final does not stop the session.
    throw linkError(
      LinkCode.RelayIdMismatch,
      `connect: ${where}, where a beacon of the relay came from, is not that relay (a different relay key)`,
    );
  }
}
