/**
 * Building signed presence datagrams (proto: SignedDatagram over PresenceBody).
 * signature = Ed25519(key, domainMessage(TAG_PRESENCE, body)), where key is the
 * card's user id (peers) or the relay id (relay beacons).
 */
import { domainMessage, sign, TAG_PRESENCE } from '../crypto/sign.js';
import { encodePresence, encodeSignedDatagram } from '../wire/codec.js';
import { SIGNATURE_BYTES } from '../wire/limits.js';
import type { Presence } from '../wire/types.js';

/**
 * The signature field of an anonymous QUERY (no card, so no key to sign with).
 * The decoder requires 64 bytes; the filter never verifies it (see filter.ts).
 */
export const ANONYMOUS_SIGNATURE: Uint8Array = new Uint8Array(SIGNATURE_BYTES);

/** The message a presence signature covers. */
export function presenceMessage(body: Uint8Array): Uint8Array {
  return domainMessage(TAG_PRESENCE, body);
}

/** Encodes and signs one presence; `secretKey` is the 64-byte Ed25519 key. */
export function signPresence(p: Presence, secretKey: Uint8Array): Uint8Array {
  const body = encodePresence(p);
  return encodeSignedDatagram({ body, signature: sign(secretKey, presenceMessage(body)) });
}

/** An anonymous QUERY: a listener with no identity asking who is there. */
export function anonymousQuery(
  p: Extract<Presence, { kind: 'query' }> & { card: null },
): Uint8Array {
  return encodeSignedDatagram({ body: encodePresence(p), signature: ANONYMOUS_SIGNATURE });
}

/**
 * Strictly increasing sequence numbers that survive a restart: never below the
 * clock's milliseconds, so a restarted peer's first seq is above its last one
 * (unless its clock stepped back, which the roster then treats as stale for
 * that long).
 */
export class SeqCounter {
  private last = 0;

  next(nowMs: number): number {
    this.last = Math.max(this.last + 1, Math.floor(nowMs));
    return this.last;
  }
}
