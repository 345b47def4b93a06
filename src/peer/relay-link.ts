/**
 * The client's way to its relay: which relay (the configured address, else one
 * that announces itself on the LAN), the one RelaySession to it (link/), and the
 * hooks through which the core hears from it. The rest of the core sends through
 * this object whether or not a session exists yet: send() is false and
 * `writable` false until one is ready.
 */
import type { Duplex } from 'node:stream';
import type { BackoffOptions } from '../util/backoff.js';
import type { Clock } from '../util/clock.js';
import { isNatterError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { Frame } from '../wire/types.js';
import { PeerCode, peerError } from './errors.js';
import type { PeerEvents } from './events.js';
import type { ReadyInfo, SigningIdentity } from './link/handshake.js';
import type { Requests } from './link/requests.js';
import type { SessionHandlers } from './link/routes.js';
import { RelaySession } from './link/session.js';
import { pick } from './pick.js';
import type { DiscoveredRelay } from './presence/client-presence.js';
import {
  type ProfilePaths,
  type RelayAddress,
  readConfig,
  resolveRelayAddress,
} from './profile.js';
import type { PeerStore } from './store.js';

/** How a relay is found on the LAN (presence.ts). */
export interface RelayDiscovery {
  /** False when presence is switched off: no UDP at all. */
  readonly canDiscover: boolean;
  discoverRelay(
    timeoutMs: number,
    preferred: ReadonlySet<string>,
  ): Promise<DiscoveredRelay | undefined>;
}

/** What the core does when the link changes or a frame arrives (wired in components.ts). */
export interface LinkHooks {
  discovery: RelayDiscovery;
  onReady: (info: ReadyInfo) => void;
  onOffline: () => void;
  /** The link was full and takes frames again. */
  onWritable: () => void;
  handlers: SessionHandlers;
}

/** The OpenOptions the link uses (see client.ts for each one's meaning and default). */
export interface LinkOptions {
  relay?: RelayAddress;
  discoverRelay?: () => RelayAddress | undefined;
  acceptNewRelayKey?: boolean;
  connect?: (address: RelayAddress) => Promise<Duplex>;
  clock?: Clock;
  reconnect?: BackoffOptions;
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

  constructor(private readonly d: RelayLinkDeps) {}

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

  /**
   * Opens the session (once) and waits for Ready until `deadlineMs` (clock time).
   * With no relay configured, first listens up to `discoverMs` for a relay beacon.
   */
  async connect(deadlineMs: number, discoverMs: number): Promise<void> {
    this.opening ??= this.open(discoverMs).catch((err: unknown) => {
      this.opening = null;
      throw err;
    });
    const session = await this.opening;
    await session.waitReady(Math.max(0, deadlineMs - this.d.clock.now()));
  }

  /** A relay beacon heard within `timeoutMs`, preferring relays pinned in this profile. */
  async discover(timeoutMs: number): Promise<DiscoveredRelay | undefined> {
    const config = await readConfig(this.d.paths);
    const pinned = new Set(Object.values(config.pinnedRelays));
    return this.bound().discovery.discoverRelay(timeoutMs, pinned);
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
  private async open(discoverMs: number): Promise<RelaySession> {
    if (this.session !== null) return this.session;
    const o = this.d.options;
    let address = o.relay;
    let expectRelayId: string | undefined;
    if (address === undefined) {
      try {
        address = resolveRelayAddress({
          config: await readConfig(this.d.paths),
          ...(o.discoverRelay ? { discovered: o.discoverRelay } : {}),
        });
      } catch (err) {
        if (!isNatterError(err, 'E_NO_RELAY') || !this.bound().discovery.canDiscover) throw err;
        const found = await this.discover(discoverMs);
        if (found === undefined) {
          throw peerError(
            PeerCode.NoRelay,
            `no relay configured, and none announced itself on the LAN within ${discoverMs} ms: start one with natter relay, or pass --relay HOST:PORT`,
          );
        }
        this.d.logger.info('relay discovered', { relayId: found.relayId });
        address = { host: found.host, port: found.port };
        expectRelayId = found.relayId;
      }
    }
    if (this.closed) throw peerError(PeerCode.Closed, 'connect: the client was closed');
    const { discovery: _discovery, ...hooks } = this.bound();
    this.session = new RelaySession({
      address,
      ...(expectRelayId === undefined ? {} : { expectRelayId }),
      paths: this.d.paths,
      store: this.d.store,
      identity: this.d.identity,
      pseudonym: this.d.pseudonym,
      events: this.d.events,
      requests: this.d.requests,
      ...pick(o, ['connect', 'acceptNewRelayKey', 'reconnect', 'clock']),
      logger: this.d.logger,
      ...hooks,
    });
    return this.session;
  }
}
