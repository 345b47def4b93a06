/**
 * Why a dial to the relay failed, in the system's words (issue 13): a refused or
 * unresolvable address is said at once, with its errno code, instead of as a
 * timeout half a minute later. Pure: reads errors, touches no socket.
 */
import { isNatterError } from '../../util/errors.js';
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

/** True for a dial that failed for one of the DEFINITE reasons. */
export function isDefiniteDialFailure(err: unknown): boolean {
  return DEFINITE.has(dialErrno(err) ?? '');
}

/** 'connection refused (ECONNREFUSED)'; for a failure without an errno, its code. */
export function describeDialFailure(err: unknown): string {
  const errno = dialErrno(err);
  if (errno !== undefined) return `${WORDS[errno] ?? 'failed'} (${errno})`;
  if (isNatterError(err, LinkCode.TlsFailed))
    return 'no TLS 1.3 handshake: not a relay, or an old one';
  if (isNatterError(err)) return err.code;
  return 'failed';
}
