/**
 * The profile's policy around one relay connection: which relay key to accept
 * (pinning), whether to Register or Login (a per-relay 'registered' flag), which
 * address to remember, and how the connection's life shows up as events.
 */
import type { Duplex } from 'node:stream';
import { Backoff, type BackoffOptions } from '../util/backoff.js';
import { toHex } from '../util/bytes.js';
import type { Clock } from '../util/clock.js';
import { describeError, NatterError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { Frame } from '../wire/types.js';
import { type ReadyInfo, RelayConnection, type SessionHandlers } from './connection.js';
import type { PeerEvents } from './events.js';
import type { AuthMode, SigningIdentity } from './handshake.js';
import {
  checkRelayPin,
  formatRelayAddress,
  type ProfilePaths,
  type RelayAddress,
  readConfig,
  updateConfig,
} from './profile.js';
import { del, type PeerStore, PREFIX, putJson } from './store.js';
import { connectTcp } from './transport.js';

const POLL_MS = 20;

export interface RelaySessionOptions {
  address: RelayAddress;
  paths: ProfilePaths;
  store: PeerStore;
  identity: SigningIdentity;
  pseudonym: string;
  events: PeerEvents;
  onReady: (info: ReadyInfo) => void;
  onOffline: () => void;
  handlers: SessionHandlers;
  /** Default connectTcp. */
  connect?: (address: RelayAddress) => Promise<Duplex>;
  /** Re-pin a relay whose key differs from the pinned one. Default false. */
  acceptNewRelayKey?: boolean;
  /**
   * The relay id (hex) the relay must prove, when the address came from a relay
   * beacon: a beacon's source address is only a hint, so a relay that answers
   * there with another key is refused (E_RELAY_ID_MISMATCH) before pinning.
   */
  expectRelayId?: string;
  reconnect?: BackoffOptions;
  clock?: Clock;
  logger?: Logger;
}

/** Set once a relay has accepted our Register: from then on we Login there. */
const registeredKey = (relayId: Uint8Array) => `${PREFIX.meta}registered!${toHex(relayId)}`;

export class RelaySession {
  readonly connection: RelayConnection;
  private readonly addr: string;
  private relayId: Uint8Array | null = null;

  constructor(private readonly o: RelaySessionOptions) {
    this.addr = formatRelayAddress(o.address);
    const dial = o.connect ?? ((a: RelayAddress) => connectTcp(a.host, a.port));
    this.connection = new RelayConnection({
      connect: () => dial(o.address),
      identity: o.identity,
      pseudonym: o.pseudonym,
      backoff: new Backoff(o.reconnect),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      checkRelay: async (relayId) => {
        this.relayId = relayId;
        if (o.expectRelayId !== undefined && toHex(relayId) !== o.expectRelayId) {
          throw new NatterError(
            'E_RELAY_ID_MISMATCH',
            `connect: the relay at ${this.addr} is not the one whose beacon announced it (a different relay key)`,
          );
        }
        await checkRelayPin(o.paths, this.addr, toHex(relayId), o.acceptNewRelayKey === true);
      },
      authMode: async (relayId): Promise<AuthMode> =>
        (await o.store.get(registeredKey(relayId))) === undefined ? 'register' : 'login',
      onState: (state) => {
        if (state === 'ready') return;
        o.onOffline();
        o.events.emit('connection:state', { state });
      },
      onReady: (info) => {
        this.remember(info).catch((err: unknown) =>
          o.logger?.warn('could not record relay details', describeError(err)),
        );
        o.onReady(info);
        o.events.emit('connection:state', {
          state: 'ready',
          relay: { address: this.addr, relayId: toHex(info.relayId), relayName: info.relayName },
        });
      },
      handlers: o.handlers,
      onFatal: (err) => {
        // The relay forgot us (its directory was reset): register again next time.
        if (err.code === 'E_UNKNOWN_USER' && this.relayId !== null) {
          o.store.write([del(registeredKey(this.relayId))]).catch(() => undefined);
        }
        o.events.emit('error', { code: err.code, message: err.message, fatal: true });
      },
    });
  }

  get ready(): boolean {
    return this.connection.ready;
  }

  send(frame: Frame): boolean {
    return this.connection.send(frame);
  }

  /**
   * Starts (if needed) and waits for Ready. Rejects with the refusal that stopped
   * the connection, or E_RELAY_TIMEOUT; a timeout leaves it retrying.
   */
  async waitReady(timeoutMs: number): Promise<void> {
    this.connection.start();
    const deadline = Date.now() + timeoutMs;
    while (!this.connection.ready) {
      if (this.connection.fatalError) throw this.connection.fatalError;
      if (this.connection.closed)
        throw new NatterError('E_CLOSED', 'connect: the client was closed');
      if (Date.now() >= deadline) {
        throw new NatterError(
          'E_RELAY_TIMEOUT',
          `connect: relay ${this.addr} not reachable within ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  logout(): Promise<void> {
    return this.connection.logout();
  }

  close(): void {
    this.connection.close();
  }

  /**
   * After Ready: Login from now on, and remember the first relay that worked,
   * unless it was found by discovery: that one is found again on every run (it
   * answers a QUERY in milliseconds), so a relay that moves to another address is
   * followed instead of dialled at its old one forever.
   */
  private async remember(info: ReadyInfo): Promise<void> {
    if (info.mode === 'register') {
      await this.o.store.write([putJson(registeredKey(info.relayId), Date.now())]);
    }
    if (this.o.expectRelayId !== undefined) return;
    const config = await readConfig(this.o.paths);
    if (config.relay === undefined) {
      await updateConfig(this.o.paths, (c) => {
        c.relay = this.addr;
      });
    }
  }
}
