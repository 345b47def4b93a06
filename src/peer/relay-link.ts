/**
 * The client's way to its relay: which relay (the configured address, else the
 * relay this profile registered with, found where it announces itself on the
 * LAN: relay-candidates.ts), the one RelaySession to it (link/), and the hooks
 * through which the core hears from it. The rest of the core sends through this
 * object whether or not a session exists yet: send() is false and `writable`
 * false until one is ready.
 */
import type { BackoffOptions } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';
import { isNatterError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { Frame } from '../wire/types.js';
import { PeerCode, peerError } from './errors.js';
import type { PeerEvents } from './events.js';
import type { RelayChannel } from './link/channel.js';
import type { ReadyInfo, SigningIdentity } from './link/handshake.js';
import type { Requests } from './link/requests.js';
import type { SessionHandlers } from './link/routes.js';
import { RelaySession } from './link/session.js';
import { pick } from './pick.js';
import type { DiscoveredRelay } from './presence/discovery.js';
import { type ProfileConfig, type ProfilePaths, readConfig } from './profile.js';
import {
  parseRelayAddress,
  type RelayAddress,
  resolveRelayAddress,
  withAlternates,
} from './relay-address.js';
import { connectCandidates } from './relay-candidates.js';
import { findRelay, type RelayDiscovery, relayQuery, unheardToo } from './relay-heard.js';
import type { PeerStore } from './store.js';

export type { RelayDiscovery };

/** What the core does when the link changes or a frame arrives (wired in components.ts). */
export interface LinkHooks {
  discovery: RelayDiscovery;
  onReady: (info: ReadyInfo) => void;
  onOffline: () => void;
  /** The link was full and takes frames again. */
  onWritable: () => void;
  handlers: Omit<SessionHandlers, 'store-status'>;
}

/** The OpenOptions the link uses (see client.ts for each one's meaning and default). */
export interface LinkOptions {
  relay?: RelayAddress;
  quiet?: boolean;
  discoverRelay?: () => RelayAddress | undefined;
  acceptNewRelayKey?: boolean;
  connect?: (address: RelayAddress) => Promise<RelayChannel>;
  clock?: Clock;
  reconnect?: BackoffOptions;
}

/** connect()'s options beyond the deadline (client.ts connect() has each one's meaning). */
export interface LinkConnectOptions {
  failFastMs?: number;
  /** The whole wait the caller was given, named in a timeout's message. */
  waitMs?: number;
  /** Listen for a beacon all of `discoverMs` even when no relay at all is heard. Default false. */
  listenWholeWait?: boolean;
}

export interface RelayLinkDeps {
  paths: ProfilePaths;
  store: PeerStore;
  identity: SigningIdentity;
  pseudonym: string;
  events: PeerEvents;
  requests: Requests;
  options: LinkOptions;
  clock: Clock;
  logger: Logger;
}

export class RelayLink {
  private session: RelaySession | null = null;
  private opening: Promise<RelaySession> | null = null;
  private hooks: LinkHooks | null = null;
  private closed = false;
  /** The session dials the address remembered from an earlier run (no beacon was heard). */
  private remembered: string | null = null;
  /** The relay of the last session that was ready: where "on this relay" is. */
  private reached: { address: string; relayId: string } | null = null;

  constructor(private readonly d: RelayLinkDeps) {
    d.events.on('connection:state', (e) => {
      if (e.state === 'ready' && e.relay !== undefined)
        this.reached = { address: e.relay.address, relayId: e.relay.relayId };
    });
  }

  /** The relay the link reached last ('host:port' and its id, hex); null before any. */
  get relay(): { address: string; relayId: string } | null {
    return this.reached;
  }

  /** Sets what the core does on link events; once, before connect(). */
  bind(hooks: LinkHooks): void {
    this.hooks = hooks;
  }

  get ready(): boolean {
    return this.session?.ready ?? false;
  }

  /** Ready and not pushing back (link/writer.ts). */
  get writable(): boolean {
    return this.session?.writable ?? false;
  }

  /** Queues a frame on the live session; false when there is none or it is not ready. */
  send(frame: Frame): boolean {
    return this.session?.send(frame) ?? false;
  }

  /** A beacon of relay `relayIdHex` was heard at `address` (presence): see RelaySession.relayHeard. */
  relayHeard(relayIdHex: string, address?: RelayAddress): void {
    this.session?.relayHeard(relayIdHex, address);
  }

  /** A frame encoded already, length prefix included (a file chunk): as send(). */
  sendFramed(bytes: Buffer): boolean {
    return this.session?.sendFramed(bytes) ?? false;
  }

  /**
   * Opens the session (once) and waits for Ready until `deadlineMs` (clock time).
   * With no relay configured, first listens up to `discoverMs` for a relay beacon.
   * `failFastMs` (RelaySession.waitReady) applies once a session exists, whatever gave
   * its address: while a beacon's addresses are tried in turn (relay-candidates.ts) a
   * refusal moves to the next one instead. A session to a relay that went away (a chat
   * whose relay stopped) is thereby said in about a second (seventeenth sitting).
   */
  async connect(deadlineMs: number, discoverMs: number, o: LinkConnectOptions = {}): Promise<void> {
    this.opening ??= this.open(deadlineMs, discoverMs, o).catch((err: unknown) => {
      this.opening = null;
      throw err;
    });
    const session = await this.opening;
    try {
      await session.waitReady(Math.max(0, deadlineMs - this.d.clock.now()), {
        ...pick(o, ['failFastMs']),
        ...(o.waitMs === undefined ? {} : { waitedMs: o.waitMs }),
      });
    } catch (err) {
      // A remembered address that did not answer: no beacon came in either, and that is said.
      if (this.remembered === null || this.ready) throw err;
      throw unheardToo(err, this.bound().discovery);
    }
  }

  /**
   * A relay heard within `timeoutMs` that this profile may use: the one it
   * registered with, or any when it has none or the user accepts a new relay.
   */
  async discover(timeoutMs: number): Promise<DiscoveredRelay | undefined> {
    const query = relayQuery(
      await readConfig(this.d.paths),
      this.d.options.acceptNewRelayKey === true,
    );
    return (await this.bound().discovery.discoverRelay(timeoutMs, query)).found;
  }

  /**
   * Forgets a session that gave up for good, so the next connect() dials afresh
   * and checks the relay again (issue 13: a chat that met a relay with another key
   * waits for its own relay to return). False, doing nothing, otherwise.
   */
  restart(): boolean {
    if (this.closed || this.session === null || !this.session.gaveUp) return false;
    this.session = null;
    this.opening = null;
    return true;
  }

  logout(): Promise<void> {
    return this.session?.logout() ?? Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.d.requests.cancelAll('the client was closed');
  }

  private bound(): LinkHooks {
    if (this.hooks === null) throw peerError(PeerCode.Internal, 'relay link: used before bind');
    return this.hooks;
  }

  /** The configured relay (option, NATTER_RELAY, config), else one found on the LAN. */
  private async open(
    deadlineMs: number,
    discoverMs: number,
    o: LinkConnectOptions,
  ): Promise<RelaySession> {
    if (this.session !== null) return this.session;
    const options = this.d.options;
    const config = await readConfig(this.d.paths);
    let address = options.relay;
    if (address === undefined) {
      try {
        address = resolveRelayAddress({
          config,
          ...(options.discoverRelay ? { discovered: options.discoverRelay } : {}),
        });
      } catch (err) {
        if (!isNatterError(err, 'E_NO_RELAY') || !this.bound().discovery.canDiscover) throw err;
        return this.openDiscovered(config, deadlineMs, discoverMs, o.listenWholeWait === true);
      }
    }
    // A configured address too follows the pinned relay's beacon while lost (restart trial).
    const follow = options.acceptNewRelayKey === true ? undefined : config.relayId;
    return this.start(address, undefined, this.d.events, follow);
  }

  /** Listens for the relay, then tries the addresses announcing it (relay-candidates.ts). */
  private async openDiscovered(
    config: ProfileConfig,
    deadlineMs: number,
    discoverMs: number,
    listenWholeWait: boolean,
  ): Promise<RelaySession> {
    const discovery = this.bound().discovery;
    const heard = await findRelay(discovery, config, discoverMs, {
      acceptNewRelayKey: this.d.options.acceptNewRelayKey === true,
      listenWholeWait,
    });
    if (heard.kind === 'remembered') {
      this.d.logger.info('no relay beacon heard; dialling the relay at its last address', {
        address: heard.address,
      });
      this.remembered = heard.address;
      return this.start(parseRelayAddress(heard.address), heard.relayId, this.d.events);
    }
    const { found } = heard;
    this.d.logger.info('relay discovered', {
      relayId: found.relayId,
      candidates: found.candidates.length,
    });
    const session = connectCandidates(found, deadlineMs, {
      clock: this.d.clock,
      logger: this.d.logger,
      events: this.d.events,
      beaconIntervalMs: discovery.beaconIntervalMs,
      // The others heard announcing the relay id stay as alternates: relays of one cluster
      // share it, and a session whose relay dies dials the next (issue 15).
      open: (address, relayId, events) =>
        this.start(withAlternates(address, found.candidates), relayId, events),
      rediscover: async (exclude, timeoutMs) => {
        const again = await discovery.discoverRelay(timeoutMs, {
          preferred: new Set([found.relayId]),
          preferredOnly: true,
          exclude,
        });
        return again.found?.candidates ?? [];
      },
    });
    return session.catch((err: unknown) => {
      // Every address refused: nothing to keep; the next connect() listens again.
      this.session = null;
      throw err;
    });
  }

  /**
   * The session to `address` (whose relay must prove `expectRelayId`, if given), as this
   * link's own; a configured one follows beacons of `followId` (RelaySessionOptions).
   */
  private start(
    address: RelayAddress,
    expectRelayId: string | undefined,
    events: PeerEvents,
    followId?: string,
  ): RelaySession {
    if (this.closed) throw peerError(PeerCode.Closed, 'connect: the client was closed');
    const o = this.d.options;
    const { discovery: _discovery, ...hooks } = this.bound();
    this.session = new RelaySession({
      address,
      ...(expectRelayId === undefined ? {} : { expectRelayId }),
      ...(followId === undefined ? {} : { followId }),
      paths: this.d.paths,
      store: this.d.store,
      identity: this.d.identity,
      pseudonym: this.d.pseudonym,
      events,
      requests: this.d.requests,
      ...pick(o, ['connect', 'acceptNewRelayKey', 'reconnect', 'clock', 'quiet']),
      logger: this.d.logger,
      ...hooks,
    });
    return this.session;
  }
}
