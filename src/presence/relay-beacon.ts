import { fingerprint } from '../crypto/keys.js';
import { bytesEqual, toHex } from '../util/bytes.js';
import { MAX_RELAY_NAME_CHARS } from '../wire/limits.js';
import { isSafeLine } from '../wire/text.js';
import { MAX_OTHER_RELAYS_NAMED } from './constants.js';
import { SeqCounter, signPresence } from './datagram.js';
import { PresenceCode, presenceError } from './errors.js';
import { type Accepted, type LinkOptions, type LinkStats, PresenceLink } from './link.js';
import { OtherRelays } from './other-relays.js';
import { OwnBeacons } from './own-beacons.js';
import type { RelayPresence } from './relays.js';
import {
  type InterfaceList,
  type ListenScope,
  listenScope,
  scopeReaches,
  specificIPv4,
} from './targets.js';
import type { OpenTransport } from './transport.js';
import { openPresenceSocket } from './udp-socket.js';

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
  /**
   * The address the relay's TCP listener is bound to (best: server.address().address).
   * A wildcard ('0.0.0.0', '::') beacons on every interface; a loopback address
   * only to 127.255.255.255; another IPv4 address only on the interfaces holding
   * it, and beacons are sent from it; an IPv6 address, a host name or an address
   * no interface holds, on no interface (with one warning). extraTargets always
   * apply. Default '0.0.0.0'.
   */
  listenHost?: string;
  /** Default openPresenceSocket (UDP). */
  openTransport?: OpenTransport;
  /**
   * The relay id is a cluster's, announced by its other relays too: beacons with this id
   * from elsewhere are expected, not a twin (E_RELAY_TWIN). Default false.
   */
  sharedKey?: boolean;
}

export interface RelayBeaconStats extends LinkStats {
  /** QUERYs not answered because their source cannot reach the relay's listen address. */
  queriesOutOfScope: number;
}

export class RelayBeacon {
  private readonly link: PresenceLink;
  private readonly seq = new SeqCounter();
  private readonly listenHost: string;
  /** Recomputed on every broadcast, and at the first QUERY after each tick. */
  private scope: ListenScope | null = null;
  private warned: string | null = null;
  private queriesOutOfScope = 0;
  private readonly otherRelays = new OtherRelays();
  /** Twins named, keyed by their address and port, on the same terms as other relays. */
  private readonly twins = new OtherRelays();
  private readonly ownBeacons = new OwnBeacons();

  constructor(private readonly options: RelayBeaconOptions) {
    const { relayPort, name } = options;
    if (!Number.isInteger(relayPort) || relayPort < 1 || relayPort > 65535) {
      throw presenceError(PresenceCode.BadArgument, 'relay beacon: relayPort must be 1..65535');
    }
    if ([...name].length > MAX_RELAY_NAME_CHARS || !isSafeLine(name)) {
      throw presenceError(PresenceCode.BadArgument, 'relay beacon: name must be one short line');
    }
    this.listenHost = options.listenHost ?? '0.0.0.0';
    // The listening socket stays on bindAddress (the wildcard by default): bound to a
    // unicast address, it would not hear the broadcast QUERYs of starting clients.
    const sendAddress = specificIPv4(this.listenHost);
    this.link = new PresenceLink(
      sendAddress === null ? options : { ...options, sendAddress },
      options.openTransport ?? openPresenceSocket,
      {
        accepted: (d) => this.accepted(d),
        dropped: () => undefined,
        started: () => this.link.broadcast(() => this.beacon()),
        tick: () => {
          this.scope = null;
          return this.link.broadcast(() => this.beacon());
        },
        interfaceTargets: (interfaces) => this.refreshScope(interfaces).targets,
      },
    );
  }

  /** Binds and sends the first beacon at once. Idempotent. */
  start(): Promise<void> {
    return this.link.start();
  }

  /** Stops beaconing and closes the sockets. Idempotent. */
  stop(): Promise<void> {
    return this.link.stop();
  }

  stats(): RelayBeaconStats {
    return { ...this.link.stats(), queriesOutOfScope: this.queriesOutOfScope };
  }

  /** QUERYs are answered, another relay's beacon is said in the log, heartbeats are not the relay's business. */
  private accepted(d: Accepted): void {
    if (d.presence.kind === 'relay') {
      this.otherRelay(d.presence, d.address);
      return;
    }
    if (d.presence.kind !== 'query') return;
    const scope = this.scope ?? this.refreshScope(this.link.interfaces());
    if (!scopeReaches(scope, d.address)) {
      this.queriesOutOfScope++;
      return;
    }
    this.link.reply(d, () => this.beacon());
  }

  /**
   * Another relay's signed beacon: new clients on this LAN refuse to choose between two
   * relays (E_SEVERAL_RELAYS), so the operator is told, once an hour per relay. Only
   * what the beacon cannot make unsafe reaches the log: the id's fingerprint, the
   * kernel's source address and the signed port; never its name.
   */
  private otherRelay(p: RelayPresence, address: string): void {
    if (bytesEqual(p.relayId, this.options.relayId)) {
      if (this.options.sharedKey !== true && !this.ownBeacons.isOurs(p.seq)) this.twin(p, address);
      return;
    }
    const note = this.otherRelays.heard(toHex(p.relayId), this.link.clock.now());
    if (note === 'quiet') return;
    if (note === 'too-many') {
      this.link.log.warn(
        `more than ${MAX_OTHER_RELAYS_NAMED} other natter relays announce themselves on this LAN within an hour; the others are not named: clients that discover relays will refuse to choose (E_SEVERAL_RELAYS)`,
        { code: 'E_SEVERAL_RELAYS' },
      );
      return;
    }
    const id = fingerprint(p.relayId);
    const at = `${address}:${p.relayPort}`;
    this.link.log.warn(
      `another natter relay is on this LAN: ${id} at ${at}; clients that discover relays will refuse to choose (E_SEVERAL_RELAYS): run one, or give clients --relay`,
      { code: 'E_SEVERAL_RELAYS', otherRelayId: id, otherRelayAddress: at },
    );
  }

  /**
   * A beacon signed with this relay's key that this relay did not send (own-beacons.ts): a
   * copy of its data dir runs at that address, clients that discover the relay send to
   * either, and each holds part of the users' mail. Once an hour per address and port.
   */
  private twin(p: RelayPresence, address: string): void {
    const at = `${address}:${p.relayPort}`;
    const note = this.twins.heard(at, this.link.clock.now());
    if (note === 'quiet') return;
    const id = fingerprint(p.relayId);
    this.link.log.warn(
      note === 'too-many'
        ? `more than ${MAX_OTHER_RELAYS_NAMED} other addresses announce this relay's id ${id} within an hour; the others are not named: copies of this relay's data directory are running, and mail is split between them (E_RELAY_TWIN)`
        : `another relay announces this relay's id ${id} at ${at}: a copy of this relay's data directory is running there, clients that find the relay on the LAN send to either, and mail is split between them (E_RELAY_TWIN): stop the copy, or give it a data directory of its own (a new relay id)`,
      { code: 'E_RELAY_TWIN', twinAddress: at },
    );
  }

  private refreshScope(interfaces: InterfaceList): ListenScope {
    const scope = listenScope(interfaces, this.listenHost);
    this.scope = scope;
    if (scope.problem !== null && scope.problem !== this.warned) {
      this.link.log.warn('relay beacon: announced on no interface', {
        listenHost: this.listenHost,
        problem: scope.problem,
      });
    }
    this.warned = scope.problem;
    return scope;
  }

  private beacon(): Uint8Array {
    const now = this.link.clock.now();
    const o = this.options;
    const seq = this.seq.next(now);
    this.ownBeacons.sent(seq);
    return signPresence(
      {
        kind: 'relay',
        relayId: o.relayId,
        relayPort: o.relayPort,
        relayName: o.name,
        seq,
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
