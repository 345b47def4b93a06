/**
 * The one place in src/peer that opens sockets (DESIGN.md §1): everything else
 * takes a RelayChannel (channel.ts), so unit tests can pass in-memory pairs.
 *
 * Every connection to a relay runs inside TLS 1.3 (DESIGN.md §2, issue 10); there
 * is no plaintext fallback. The relay's certificate is self-signed and is not
 * checked against any CA (rejectUnauthorized: false): what authenticates the relay
 * is that the certificate's Ed25519 key is the relay id, which handshake.ts compares
 * with the id the Challenge claims, and the profile pins (pinning.ts), before
 * anything is signed. TLS's CertificateVerify proves the relay holds that key.
 */
import { connect as netConnect } from 'node:net';
import tls from 'node:tls';
import {
  certificateSignKey,
  channelBinding,
  TLS_VERSION,
  TLS13_CIPHERS,
} from '../../crypto/tls-cert.js';
import { isNatterError } from '../../util/errors.js';
import type { RelayChannel } from './channel.js';
import { LinkCode, linkError } from './errors.js';

/** TCP keepalive probe delay: notices a dead relay host on an idle link within a minute or so. */
export const TCP_KEEPALIVE_MS = 15_000;

/** Give up on a TCP connect and TLS handshake after this long (a LAN relay answers in milliseconds). */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connects to host:port with TCP_NODELAY (with Nagle on, light-load p99 jumps from
 * under 1 ms to about 39 ms: DESIGN.md §4) and keepalive, and completes a TLS 1.3
 * handshake. Fails with E_RELAY_UNREACHABLE (no TCP connection), E_RELAY_TLS_FAILED
 * (something answered but did not complete TLS 1.3: a natter 1 relay, or not a relay)
 * or E_RELAY_TLS_KEY_MISMATCH (its certificate holds no Ed25519 key, so it cannot be
 * any relay id).
 */
export function connectTls(host: string, port: number): Promise<RelayChannel> {
  return new Promise((resolve, reject) => {
    let tcpUp = false;
    // Our own TCP socket: node:tls does not pass noDelay and keepAlive on to the one it makes.
    const tcp = netConnect({
      host,
      port,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: TCP_KEEPALIVE_MS,
    });
    tcp.once('connect', () => {
      tcpUp = true;
    });
    const socket = tls.connect({
      socket: tcp,
      minVersion: TLS_VERSION,
      maxVersion: TLS_VERSION,
      ciphers: TLS13_CIPHERS,
      // No CA and no names: the key is checked against the relay id instead (see above).
      rejectUnauthorized: false,
    });
    const timer = setTimeout(
      () => fail(new Error(`timed out after ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      tcp.destroy();
      if (isNatterError(err)) {
        reject(err);
        return;
      }
      reject(
        tcpUp
          ? linkError(LinkCode.TlsFailed, tlsFailure(host, port, err), { cause: err })
          : linkError(
              LinkCode.Unreachable,
              `connect: cannot reach relay ${host}:${port}: ${err.message}`,
              { cause: err },
            ),
      );
    };
    const closed = () => fail(new Error('the connection closed during the handshake'));
    socket.once('error', fail);
    socket.once('close', closed);
    socket.once('secureConnect', () => {
      let relayKey: Uint8Array;
      try {
        relayKey = certificateSignKey(socket.getPeerX509Certificate());
      } catch (err) {
        fail(
          linkError(
            LinkCode.TlsKeyMismatch,
            `connect: relay ${host}:${port} is not a natter relay: ${(err as Error).message}`,
            { cause: err },
          ),
        );
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.off('error', fail);
      socket.off('close', closed);
      socket.setNoDelay(true);
      resolve({ stream: socket, relayKey, binding: channelBinding(socket) });
    });
  });
}

/**
 * What a failed handshake says of whoever answered. Bytes that were no TLS: a natter 1
 * relay, or not a relay. A connection closed or reset before any answer: a relay with no
 * room resets what it cannot even refuse in words (natter relays since the seventeenth
 * sitting say E_RELAY_FULL when they can), so that is said too (QA trial: a full relay
 * read as "not a relay").
 */
function tlsFailure(host: string, port: number, err: Error): string {
  const why = tlsWhy(err);
  return why.startsWith('ERR_SSL_')
    ? `connect: relay ${host}:${port} did not complete a TLS 1.3 handshake (a natter 1 relay, or not a relay): ${why}`
    : `connect: relay ${host}:${port} closed the connection before the TLS 1.3 handshake completed (the relay may have no room for more connections, or it is not a natter relay): ${why}`;
}

/**
 * A failed handshake in a few words: OpenSSL's code (ERR_SSL_WRONG_VERSION_NUMBER)
 * rather than its message, which names its own source files and line numbers.
 */
function tlsWhy(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_SSL_') ? code : err.message;
}
