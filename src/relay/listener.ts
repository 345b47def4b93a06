/**
 * The relay's listening socket and its secure channel (DESIGN.md §2, §4; issue 10):
 * TCP accept with TCP_NODELAY (with Nagle on, light-load p99 rises from under 1 ms to
 * about 39 ms) and keepalive, the connection cap, then TLS 1.3 with the relay's
 * certificate (crypto/tls-cert.ts: its key is the relay id). A connection is handed on
 * only once its channel is up, as its cleartext stream and its channel binding.
 *
 * The first byte of a connection says what speaks: a TLS record starts with 0x16
 * (RFC 8446 §5.1, handshake); a natter 1 client speaks plain TCP and starts with the
 * varint length of its Hello (at least 34 bytes: never 0x16). That client is answered
 * in its own plaintext protocol with an Error frame E_BAD_VERSION, a refusal it treats
 * as final, and closed: it learns why instead of seeing a TLS alert it cannot read.
 * Everything after that first byte is TLS's: nothing else is read in the clear.
 *
 * Bounds before a session exists: the caps count every accepted socket, half-open
 * handshakes too: in all (maxConnections) and per remote address (address-shares.ts:
 * in all, and before login). A connection over a cap is refused in words the client
 * shows: its TLS handshake is completed and an Error frame E_RELAY_FULL sent (cheaper
 * than a session, and honest where a reset read as "not a relay"), within
 * REFUSAL_DEADLINE_MS; at most REFUSALS_IN_FLIGHT such refusals at once (beyond them a
 * refused connection is reset, and net.Server's maxConnections bounds the sockets held
 * in all), and one log line per address a minute (refusal-log.ts). The first byte must
 * come within handshakeTimeoutMs (injected clock), and the TLS handshake within
 * handshakeTimeoutMs (node:tls handshakeTimeout); a failed handshake destroys its socket,
 * because node:tls leaves that to whoever listens for 'tlsClientError'.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import {
  channelBinding,
  TLS_VERSION,
  TLS13_CIPHERS,
  type TlsCredentials,
} from '../crypto/tls-cert.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { encodeFrame } from '../wire/codec.js';
import { ProtocolCode } from '../wire/errors.js';
import { frame } from '../wire/framing.js';
import { PROTOCOL_VERSION } from '../wire/limits.js';
import { addressOf, type ConnectionRefusal, type ConnectionShares } from './address-shares.js';
import { SessionCode } from './errors.js';
import { CLOSE_LINGER_MS, type RelayLimits } from './limits.js';
import { RefusalLog } from './refusal-log.js';

/**
 * Refused connections in their handshake at once, above maxConnections: a refusal costs a
 * file descriptor for a few milliseconds, and a flood of them must not run the relay out.
 */
export const REFUSALS_IN_FLIGHT = 256;
/** A refused connection is closed after this, whatever it did: a LAN handshake takes milliseconds. */
export const REFUSAL_DEADLINE_MS = 1_000;

/** What a refused client is told, by cap. */
const REFUSED: Record<ConnectionRefusal, { log: string; tell: string }> = {
  relay: {
    log: 'the relay is full',
    tell: 'the relay has no room for more connections; try again later',
  },
  address: {
    log: 'the address has its share of connections',
    tell: 'the relay has no room for more connections from your address; close some or try again later',
  },
  prelogin: {
    log: 'the address has its share of connections logging in',
    tell: 'the relay has no room for more connections logging in from your address; try again in a moment',
  },
};

/** RFC 8446 §5.1: ContentType handshake, the first byte of every ClientHello record. */
const TLS_HANDSHAKE_RECORD = 0x16;

/**
 * The binding of a plain-TCP session, which exists only for benchmarks
 * (RelayOptions.tls false): all zeros, binding nothing. No client can use it: the
 * client's transport speaks TLS only.
 */
export const PLAIN_CHANNEL_BINDING: Uint8Array = new Uint8Array(32);

export interface RelayListenerOptions {
  host: string;
  port: number;
  /** The relay's certificate and key; null serves plain TCP (benchmarks only). */
  credentials: TlsCredentials | null;
  limits: Pick<RelayLimits, 'maxConnections' | 'handshakeTimeoutMs'>;
  /** Each address's share of the connections, which the Login updates too. */
  shares: ConnectionShares;
  clock: Clock;
  log: Logger;
  /** A connection whose channel is up: its cleartext stream and channel binding. */
  accepted: (stream: Duplex, binding: Uint8Array, remote: string) => void;
}

export class RelayListener {
  private readonly server: net.Server;
  private readonly tlsServer: tls.Server | null;
  /**
   * Accepted sockets whose channel is not up yet, by remote address and port (unique
   * per connection to one listening socket; the TLS socket reports the same): close()
   * ends them at once instead of waiting for their handshake deadline.
   */
  private readonly pending = new Map<string, net.Socket>();
  /** Of those, the refused ones (by the same key): told E_RELAY_FULL once their channel is up. */
  private readonly refusing = new Map<string, ConnectionRefusal>();
  private readonly refusals = new RefusalLog();
  /** Refused sockets not yet closed (REFUSALS_IN_FLIGHT at most). */
  private refusalsInFlight = 0;

  constructor(private readonly o: RelayListenerOptions) {
    this.server = net.createServer({ noDelay: true, keepAlive: true }, (socket) =>
      this.onConnection(socket),
    );
    // Counts every accepted socket until it closes, handshaking or refused: file descriptors last.
    this.server.maxConnections = o.limits.maxConnections + REFUSALS_IN_FLIGHT;
    this.tlsServer =
      o.credentials === null
        ? null
        : tls.createServer({
            ...o.credentials,
            minVersion: TLS_VERSION,
            maxVersion: TLS_VERSION,
            ciphers: TLS13_CIPHERS,
            honorCipherOrder: true,
            handshakeTimeout: o.limits.handshakeTimeoutMs,
          });
    this.tlsServer?.on('secureConnection', (socket: tls.TLSSocket) => {
      const remote = remoteOf(socket);
      this.pending.delete(remote);
      const refused = this.refusing.get(remote);
      this.refusing.delete(remote);
      if (refused !== undefined) {
        this.tellRefused(socket, refused);
        return;
      }
      // The first Session write coalesces a turn's frames; no Nagle delay on top (DESIGN.md §4).
      socket.setNoDelay(true);
      socket.on('error', () => {});
      this.o.accepted(socket, channelBinding(socket), remote);
    });
    this.tlsServer?.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      this.o.log.debug('tls handshake failed', { code: err.code ?? 'unknown' });
      socket.destroy();
    });
  }

  /** Binds; rejects with the listen error (EADDRINUSE and the like). */
  listen(): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /** After listen(): errors of the listening socket, for the log. */
  onError(listener: (err: Error) => void): void {
    this.server.on('error', listener);
  }

  /**
   * Stops accepting and ends connections still in their handshake; resolves once every
   * accepted socket has closed (the caller closes the sessions).
   */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.pending.values()) socket.destroy();
    this.pending.clear();
    return closed;
  }

  private onConnection(socket: net.Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    const remote = remoteOf(socket);
    const ticket = this.o.shares.admit(remote);
    if (typeof ticket === 'string') {
      this.refuse(socket, remote, ticket);
      return;
    }
    socket.once('close', () => this.o.shares.release(ticket));
    if (this.tlsServer === null) {
      this.o.accepted(socket, PLAIN_CHANNEL_BINDING, remote);
      return;
    }
    this.startTls(socket, remote, this.o.limits.handshakeTimeoutMs, true);
  }

  /**
   * Waits for the first byte (within `deadlineMs`), then hands the socket to TLS, or
   * answers a natter 1 client. `untilFirstByte`: the deadline ends there (TLS has its own).
   */
  private startTls(
    socket: net.Socket,
    remote: string,
    deadlineMs: number,
    untilFirstByte: boolean,
  ) {
    const tlsServer = this.tlsServer!;
    const { clock } = this.o;
    this.pending.set(remote, socket);
    const deadline = clock.setTimeout(() => socket.destroy(), deadlineMs);
    (deadline as { unref?: () => void }).unref?.();
    socket.once('close', () => {
      clock.clearTimeout(deadline);
      if (this.pending.get(remote) === socket) {
        this.pending.delete(remote);
        this.refusing.delete(remote);
      }
    });
    socket.once('readable', () => {
      if (untilFirstByte) clock.clearTimeout(deadline);
      const first = socket.read(1) as Buffer | null;
      if (first === null) {
        socket.destroy(); // closed before saying anything
        return;
      }
      if (first[0] !== TLS_HANDSHAKE_RECORD) {
        this.refusePlaintext(socket, remote);
        return;
      }
      // Back in front of the stream: TLSSocket reads what is buffered before its first read.
      socket.unshift(first);
      tlsServer.emit('connection', socket);
    });
  }

  /** A connection over a cap: logged (once a minute per address), then told why. */
  private refuse(socket: net.Socket, remote: string, why: ConnectionRefusal): void {
    const address = addressOf(remote);
    const refused = this.refusals.note(address, this.o.clock.now());
    if (refused > 0) {
      const { shares } = this.o;
      this.o.log.warn(`refused connections: ${REFUSED[why].log}`, {
        address,
        refused,
        open: shares.size,
        fromAddress: shares.countOf(address).open,
      });
    }
    if (this.tlsServer === null || this.refusalsInFlight >= REFUSALS_IN_FLIGHT) {
      socket.destroy();
      return;
    }
    this.refusalsInFlight++;
    socket.once('close', () => this.refusalsInFlight--);
    this.refusing.set(remote, why);
    this.startTls(socket, remote, REFUSAL_DEADLINE_MS, false);
  }

  /** A refused connection's channel is up: an Error frame E_RELAY_FULL, then close. */
  private tellRefused(socket: tls.TLSSocket, why: ConnectionRefusal): void {
    socket.on('error', () => {});
    const refusal = encodeFrame({
      type: 'error',
      code: SessionCode.RelayFull,
      message: `connect: ${REFUSED[why].tell}`,
    });
    socket.end(frame(refusal));
  }

  /** A client speaking natter 1 (plain TCP): its own Error frame, then close. */
  private refusePlaintext(socket: net.Socket, remote: string): void {
    this.o.log.info('refused a client without TLS (natter 1?)', { remote });
    const refusal = encodeFrame({
      type: 'error',
      code: ProtocolCode.BadVersion,
      message: `hello: this relay speaks natter protocol ${PROTOCOL_VERSION}, inside TLS 1.3; update natter to connect`,
    });
    socket.end(frame(refusal));
    const linger = this.o.clock.setTimeout(() => socket.destroy(), CLOSE_LINGER_MS);
    (linger as { unref?: () => void }).unref?.();
    socket.once('close', () => this.o.clock.clearTimeout(linger));
  }
}

function remoteOf(socket: net.Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}
