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
import { isNatterError, type NatterError } from '../util/errors.js';
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
import type {
  DiscoveredRelay,
  DiscoveryResult,
  IgnoredRelay,
  RelayQuery,
} from './presence/discovery.js';
import { OTHER_RELAYS_END_MS } from './presence/discovery.js';
import { type ProfileConfig, type ProfilePaths, readConfig, relayFingerprint } from './profile.js';
import { type RelayAddress, resolveRelayAddress, withAlternates } from './relay-address.js';
import { connectCandidates } from './relay-candidates.js';
import type { PeerStore } from './store.js';

/** How a relay is found on the LAN (presence/client-presence.ts). */
export interface RelayDiscovery {
  /** False when presence is switched off: no UDP at all. */
  readonly canDiscover: boolean;
  /** The LAN's beacon interval: a relay is heard again within it. */
  readonly beaconIntervalMs: number;
  discoverRelay(timeoutMs: number, query: RelayQuery): Promise<DiscoveryResult>;
}

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
  /** The session's address was configured (option, NATTER_RELAY, config), not discovered. */
  private configured = false;

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

  /** A beacon of relay `relayIdHex` was heard (presence): see RelaySession.relayHeard. */
  relayHeard(relayIdHex: string): void {
    this.session?.relayHeard(relayIdHex);
  }

  /** A frame encoded already, length prefix included (a file chunk): as send(). */
  sendFramed(bytes: Buffer): boolean {
    return this.session?.sendFramed(bytes) ?? false;
  }

  /**
   * Opens the session (once) and waits for Ready until `deadlineMs` (clock time).
   * With no relay configured, first listens up to `discoverMs` for a relay beacon.
   * `failFastMs` (RelaySession.waitReady) applies to a configured address only: the
   * addresses a beacon named are tried in turn instead (relay-candidates.ts).
   * `waitMs`: the whole wait the caller was given, named in a timeout's message.
   */
  async connect(
    deadlineMs: number,
    discoverMs: number,
    failFastMs?: number,
    waitMs?: number,
  ): Promise<void> {
    this.opening ??= this.open(deadlineMs, discoverMs).catch((err: unknown) => {
      this.opening = null;
      throw err;
    });
    const session = await this.opening;
    const fast = failFastMs !== undefined && this.configured ? { failFastMs } : {};
    await session.waitReady(Math.max(0, deadlineMs - this.d.clock.now()), {
      ...fast,
      ...(waitMs === undefined ? {} : { waitedMs: waitMs }),
    });
  }

  /**
   * A relay heard within `timeoutMs` that this profile may use: the one it
   * registered with, or any when it has none or the user accepts a new relay.
   */
  async discover(timeoutMs: number): Promise<DiscoveredRelay | undefined> {
    const query = this.relayQuery(await readConfig(this.d.paths));
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

  /**
   * What discovery may take: only the relay this profile registered with, unless
   * the user accepts a new one (then it is still preferred). A profile from
   * before issue 10 prefers the relays it pinned per address, as it did.
   */
  private relayQuery(config: ProfileConfig): RelayQuery {
    if (config.relayId !== undefined) {
      return {
        preferred: new Set([config.relayId]),
        preferredOnly: this.d.options.acceptNewRelayKey !== true,
        othersEndAfterMs: OTHER_RELAYS_END_MS,
      };
    }
    return { preferred: new Set(Object.values(config.pinnedRelays)) };
  }

  /** The configured relay (option, NATTER_RELAY, config), else one found on the LAN. */
  private async open(deadlineMs: number, discoverMs: number): Promise<RelaySession> {
    if (this.session !== null) return this.session;
    const o = this.d.options;
    let address = o.relay;
    if (address === undefined) {
      const config = await readConfig(this.d.paths);
      try {
        address = resolveRelayAddress({
          config,
          ...(o.discoverRelay ? { discovered: o.discoverRelay } : {}),
        });
      } catch (err) {
        if (!isNatterError(err, 'E_NO_RELAY') || !this.bound().discovery.canDiscover) throw err;
        return this.openDiscovered(config, deadlineMs, discoverMs);
      }
    }
    this.configured = true;
    return this.start(address, undefined, this.d.events);
  }

  /** Listens for the relay, then tries the addresses announcing it (relay-candidates.ts). */
  private async openDiscovered(
    config: ProfileConfig,
    deadlineMs: number,
    discoverMs: number,
  ): Promise<RelaySession> {
    const discovery = this.bound().discovery;
    const query = this.relayQuery(config);
    const { found, ignored } = await discovery.discoverRelay(discoverMs, query);
    if (found === undefined) throw notFound(discoverMs, config.relayId, ignored);
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

  /** The session to `address` (whose relay must prove `expectRelayId`, if given), as this link's own. */
  private start(
    address: RelayAddress,
    expectRelayId: string | undefined,
    events: PeerEvents,
  ): RelaySession {
    if (this.closed) throw peerError(PeerCode.Closed, 'connect: the client was closed');
    const o = this.d.options;
    const { discovery: _discovery, ...hooks } = this.bound();
    this.session = new RelaySession({
      address,
      ...(expectRelayId === undefined ? {} : { expectRelayId }),
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

/** No relay this profile may use answered within `discoverMs`. */
function notFound(
  discoverMs: number,
  pinned: string | undefined,
  ignored: IgnoredRelay[],
): NatterError {
  const other = ignored[0];
  if (pinned !== undefined && other !== undefined) {
    return peerError(
      PeerCode.RelayKeyChanged,
      `the relay this profile registered with (${relayFingerprint(pinned)}) did not announce itself on the LAN; relay '${other.name}' at ${other.address} did, with another relay id (${relayFingerprint(other.relayId)}): if your relay was reinstalled on purpose and its startup line shows that id, retry with --accept-new-relay-key`,
    );
  }
  return peerError(
    PeerCode.NoRelay,
    pinned === undefined
      ? `no relay configured, and none announced itself on the LAN within ${discoverMs} ms: start one with natter relay, or pass --relay HOST:PORT`
      : `the relay this profile registered with (${relayFingerprint(pinned)}) did not announce itself on the LAN within ${discoverMs} ms: is it running? Or pass --relay HOST:PORT`,
  );
}
