/**
 * The client's relay session: one RelayConnection with the profile's pinning
 * policy, its life reported as 'connection:state' events, and the waits the
 * client needs (Ready, writable) as promises on the link's events, never polled.
 */
import { Backoff, type BackoffOptions } from '../../util/backoff.js';
import { toHex } from '../../util/bytes.js';
import { type Clock, systemClock } from '../../util/clock.js';
import { describeError, isNatterError, type NatterError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Frame } from '../../wire/types.js';
import type { PeerEvents } from '../events.js';
import type { ProfilePaths } from '../profile.js';
import { formatRelayAddress, type RelayAddress } from '../relay-address.js';
import type { PeerStore } from '../store.js';
import type { RelayChannel } from './channel.js';
import { RelayConnection } from './connection.js';
import {
  describeDialFailure,
  dialFailedEvent,
  isDefiniteDialFailure,
  lastAttempt,
} from './dial-cause.js';
import { DialTargets } from './dial-targets.js';
import { LinkCode, linkError } from './errors.js';
import type { ReadyInfo, SigningIdentity } from './handshake.js';
import { RelayPinning } from './pinning.js';
import type { Requests } from './requests.js';
import type { SessionHandlers } from './routes.js';
import { RelayStoreState } from './store-state.js';
import { connectTls } from './transport.js';

export interface RelaySessionOptions {
  address: RelayAddress;
  paths: ProfilePaths;
  store: PeerStore;
  identity: SigningIdentity;
  pseudonym: string;
  events: PeerEvents;
  onReady: (info: ReadyInfo) => void;
  onOffline: () => void;
  /** The link was full and takes frames again (a sender that stopped may go on). */
  onWritable?: () => void;
  /** The frames the core handles (StoreStatus is this session's: store-state.ts). */
  handlers: Omit<SessionHandlers, 'store-status'>;
  /** Where request replies go; failed at once when the link drops. Default: the link's own. */
  requests?: Requests;
  /** Opens the secure channel. Default connectTls (TLS 1.3; there is no plaintext link). */
  connect?: (address: RelayAddress) => Promise<RelayChannel>;
  /** Re-pin a relay whose key differs from the pinned one. Default false. */
  acceptNewRelayKey?: boolean;
  /** The relay id (hex) a relay found by its beacon must prove (pinning.ts). */
  expectRelayId?: string;
  /** Else (a configured address): the relay id (hex) whose beacons it follows while lost. */
  followId?: string;
  /** Log in quietly (OpenOptions.quiet). Default false. */
  quiet?: boolean;
  reconnect?: BackoffOptions;
  clock?: Clock;
  logger?: Logger;
}

export class RelaySession {
  readonly connection: RelayConnection;
  private readonly addr: string;
  private readonly targets: DialTargets;
  /** The relay this session reached last (hex), or must reach; null before either is known. */
  private relayIdHex: string | null;
  private readonly clock: Clock;
  /** A first pin being taken back after a refusal for now (pinning.ts notRegistered). */
  private unpinned: Promise<void> = Promise.resolve();
  /** What Ready records (pinning.remember), on disk before connect() resolves. */
  private remembered: Promise<void> = Promise.resolve();

  constructor(o: RelaySessionOptions) {
    this.addr = formatRelayAddress(o.address);
    this.clock = o.clock ?? systemClock;
    const followId = o.expectRelayId ?? o.followId;
    this.relayIdHex = followId ?? null;
    const pinning = new RelayPinning({
      // A relay followed to where its beacon came from is remembered there (dial-targets.ts).
      address: () => this.targets.followedNow ?? this.addr,
      followed: () => this.targets.followedNow !== null,
      pseudonym: o.pseudonym,
      paths: o.paths,
      store: o.store,
      clock: this.clock,
      ...(o.acceptNewRelayKey === undefined ? {} : { acceptNewRelayKey: o.acceptNewRelayKey }),
      ...(o.expectRelayId === undefined ? {} : { expectRelayId: o.expectRelayId }),
    });
    const targets = new DialTargets({
      address: o.address,
      dial: o.connect ?? ((a: RelayAddress) => connectTls(a.host, a.port)),
      followId,
      clock: this.clock,
      logger: o.logger,
    });
    this.targets = targets;
    const store = new RelayStoreState(o.events);
    const connection = new RelayConnection({
      connect: () => targets.connect(),
      identity: o.identity,
      pseudonym: o.pseudonym,
      ...(o.quiet ? { quiet: true } : {}),
      backoff: new Backoff(o.reconnect),
      clock: this.clock,
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.requests ? { requests: o.requests } : {}),
      checkRelay: (relayId) => pinning.checkRelay(relayId),
      authMode: (relayId) => pinning.authMode(relayId),
      handlers: { ...o.handlers, 'store-status': (f) => store.heard(f.code) },
    });
    connection.on('state', (state) => {
      if (state === 'ready') return;
      store.onOffline();
      o.onOffline();
      o.events.emit('connection:state', { state });
    });
    connection.on('ready', (info) => {
      this.relayIdHex = toHex(info.relayId);
      this.remembered = pinning
        .remember(info)
        .catch((err: unknown) =>
          o.logger?.warn('could not record relay details', describeError(err)),
        );
      o.onReady(info);
      store.onReady();
      o.events.emit('connection:state', {
        state: 'ready',
        relay: {
          address: targets.dialled,
          relayId: toHex(info.relayId),
          relayName: info.relayName,
        },
      });
    });
    connection.on('refused', () => {
      const warn = (err: unknown) => o.logger?.warn('relay pin not undone', describeError(err));
      this.unpinned = pinning.notRegistered().catch(warn);
    });
    connection.on('fatal', (err) => {
      pinning.refused(err).catch(() => undefined);
      o.events.emit('error', { code: err.code, message: err.message, fatal: true });
    });
    connection.on('dial-failed', (err) =>
      o.events.emit('connection:failed', dialFailedEvent(targets.dialled, err)),
    );
    if (o.onWritable) connection.on('drain', o.onWritable);
    this.connection = connection;
  }

  get ready(): boolean {
    return this.connection.ready;
  }

  /**
   * A beacon of relay `relayIdHex` was heard on the LAN, from `address` (its best, with
   * the signed port): if it is this session's relay (the one it reached, or must reach),
   * a redial waiting for its backoff goes now. A lost session that follows that relay id
   * (found by it, or the pinned one when configured) dials that address too (dial-targets.ts).
   */
  relayHeard(relayIdHex: string, address?: RelayAddress): void {
    if (relayIdHex !== this.relayIdHex) return;
    if (address !== undefined && !this.connection.ready) this.targets.follow(relayIdHex, address);
    this.connection.relayHeard();
  }

  /** The connection gave up for good (a refusal, a changed relay key): it will not reconnect. */
  get gaveUp(): boolean {
    return this.connection.fatalError !== null;
  }

  /** Ready and not pushing back (writer.ts): bulk senders wait for whenWritable() otherwise. */
  get writable(): boolean {
    return this.connection.writable;
  }

  send(frame: Frame): boolean {
    return this.connection.send(frame);
  }

  /** A frame encoded already, length prefix included (connection.ts sendFramed). */
  sendFramed(bytes: Buffer): boolean {
    return this.connection.sendFramed(bytes);
  }

  whenWritable(): Promise<void> {
    return this.connection.whenWritable();
  }

  /**
   * Starts (if needed) and waits for Ready. Rejects with the refusal that stopped
   * the connection, E_CLOSED, or E_RELAY_TIMEOUT; a timeout leaves it retrying.
   * With `failFastMs`: when every dial of this wait was refused or could not resolve
   * the host (dial-cause.ts), one more dial is made at `failFastMs`, and if it fails
   * so too, rejects with its E_RELAY_UNREACHABLE (issue 13: a wrong address is said
   * in about a second, not after `timeoutMs`; a relay back from a restart by then
   * answers that dial). That too leaves the connection retrying.
   */
  waitReady(
    timeoutMs: number,
    options: { failFastMs?: number; waitedMs?: number } = {},
  ): Promise<void> {
    const conn = this.connection;
    conn.start();
    if (conn.ready) return Promise.resolve();
    const stopped = this.stopped();
    if (stopped !== null) return Promise.reject(stopped);
    const { failFastMs } = options;
    const startedMs = this.clock.now();
    return new Promise<void>((resolve, reject) => {
      /** The last definite dial failure; `mixed` once any attempt of this wait was not one. */
      let definite: unknown = null;
      let mixed = false;
      let dialFailures = 0;
      let offlines = 0;
      const finish = (err: unknown) => {
        this.clock.clearTimeout(timer);
        if (fastTimer !== null) this.clock.clearTimeout(fastTimer);
        off();
        offDial();
        offRefused();
        if (err === null) resolve();
        else reject(err);
      };
      const failFast = () => {
        if (failFastMs === undefined || mixed || definite === null) return;
        if (this.clock.now() - startedMs < failFastMs) return;
        const answered = isNatterError(definite, LinkCode.TlsFailed);
        finish(
          linkError(
            answered ? LinkCode.TlsFailed : LinkCode.Unreachable,
            answered
              ? `connect: relay ${this.addr} answered, but not as a natter relay: ${describeDialFailure(definite)}`
              : `connect: relay ${this.addr} not reachable: ${describeDialFailure(definite)}`,
            { cause: definite },
          ),
        );
      };
      const offDial = conn.on('dial-failed', (err) => {
        dialFailures++;
        if (isDefiniteDialFailure(err)) definite = err;
        else mixed = true;
        failFast();
      });
      // Refused for now (store down, disk full): said at once; the link dials again later.
      const offRefused = conn.on('refused', (err) => {
        void this.unpinned.then(() => finish(err));
      });
      const off = conn.on('state', (state) => {
        // An offline without a dial failure: a channel opened and dropped, so the relay is there.
        if (state === 'offline' && ++offlines > dialFailures) mixed = true;
        if (state === 'ready') queueMicrotask(() => void this.remembered.then(() => finish(null)));
        else if (state === 'closed') finish(this.stopped());
      });
      // The last attempt may be a backoff delay old: dial afresh, and its answer decides.
      const fastTimer =
        failFastMs === undefined
          ? null
          : this.clock.setTimeout(() => {
              if (!mixed) conn.retryNow();
            }, failFastMs);
      const timer = this.clock.setTimeout(() => {
        // Say why, when a dial said so: "no TLS 1.3 there" reads better than a bare timeout.
        const why = conn.dialFailure;
        const ms = options.waitedMs ?? timeoutMs; // the --wait given, not what is left of it
        // A channel opened (dropped since, or its handshake still going): the relay is there.
        const answered = offlines > dialFailures || conn.handshaking;
        finish(
          linkError(
            LinkCode.RelayTimeout,
            (answered
              ? `connect: relay ${this.addr} answered, but no session was ready within ${ms} ms`
              : `connect: relay ${this.addr} not reachable within ${ms} ms`) +
              (why === null ? '' : ` (last attempt: ${lastAttempt(why)})`),
            ...(why === null ? [] : [{ cause: why }]),
          ),
        );
      }, timeoutMs);
    });
  }

  logout(): Promise<void> {
    return this.connection.logout();
  }

  close(): void {
    this.connection.close();
  }

  /** Why the connection stopped for good, if it did. */
  private stopped(): NatterError | null {
    if (this.connection.fatalError) return this.connection.fatalError;
    if (this.connection.closed) return linkError(LinkCode.Closed, 'connect: the client was closed');
    return null;
  }
}
