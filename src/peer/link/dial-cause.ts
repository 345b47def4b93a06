/**
 * Why a dial to the relay failed, in the system's words (issue 13): a refused or
 * unresolvable address is said at once, with its errno code, instead of as a
 * timeout half a minute later. Pure: reads errors, touches no socket.
 */
import { describeError, isNatterError, type NatterError } from '../../util/errors.js';
import type { PeerEventMap } from '../events.js';
import { LinkCode } from './errors.js';

/**
 * Dial failures that a retry within seconds will not fix: nothing listens there, or
 * the name does not resolve. A relay that is restarting also refuses for a moment;
 * connect()'s `failFastMs` says how long that may take (docs/decisions.md).
 */
const DEFINITE = new Set(['ECONNREFUSED', 'ENOTFOUND']);

const WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
};

/** The system code under a failure to reach the relay (ECONNREFUSED, ENOTFOUND, ...), if any. */
export function dialErrno(err: unknown): string | undefined {
  if (!isNatterError(err, LinkCode.Unreachable)) return undefined;
  const cause: unknown = err.cause;
  const code = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What OpenSSL says when the bytes that came back are no TLS record at all: something
 * listens there, and it is not a relay of this protocol (a web server, a natter 1
 * relay). Retrying will not change that either. A listener that says nothing (a busy
 * relay?) ends in a handshake timeout instead, which is not definite.
 */
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG']);

/** The OpenSSL code under a failed TLS handshake with the relay, if any. */
function tlsCode(err: unknown): string | undefined {
  if (!isNatterError(err, LinkCode.TlsFailed)) return undefined;
  const cause: unknown = err.cause;
  const code = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** True for a dial that failed for one of the DEFINITE reasons, or was answered in no TLS. */
export function isDefiniteDialFailure(err: unknown): boolean {
  return DEFINITE.has(dialErrno(err) ?? '') || NOT_TLS.has(tlsCode(err) ?? '');
}

/** 'connection refused (ECONNREFUSED)'; for a failure without an errno, its code. */
export function describeDialFailure(err: unknown): string {
  const errno = dialErrno(err);
  if (errno !== undefined) return `${WORDS[errno] ?? 'failed'} (${errno})`;
  if (isNatterError(err, LinkCode.TlsFailed)) {
    const code = tlsCode(err);
    return code?.startsWith('ERR_SSL_') === true
      ? `no TLS 1.3 handshake: not a relay, or an old one (${code})`
      : `closed during the TLS 1.3 handshake: a relay with no room, or not a relay${code === undefined ? '' : ` (${code})`}`;
  }
  if (isNatterError(err)) return err.code;
  return 'failed';
}

/** A failure with a system cause in words ('connection refused (ECONNREFUSED)'), else its message. */
export function lastAttempt(err: NatterError): string {
  return dialErrno(err) === undefined ? err.message : describeDialFailure(err);
}

/** The 'connection:failed' event of a dial to `address` that failed with `err`. */
export function dialFailedEvent(address: string, err: unknown): PeerEventMap['connection:failed'] {
  const errno = dialErrno(err);
  return {
    address,
    code: describeError(err).code,
    ...(errno === undefined ? {} : { errno }),
    reason: describeDialFailure(err),
  };
}
