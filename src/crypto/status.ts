/**
 * The user's signature on a status (issue 10: statuses that arrive through the
 * relay were unsigned, so a relay, or anyone on a link before it was encrypted,
 * could make a user look "busy: resigned today"). The client signs each status
 * it sets; the relay checks the signature, stores it and forwards it unchanged
 * in its roster; every receiver checks it against the card's user id and keeps
 * the highest `seq` per user, so an older status replayed later is dropped.
 *
 * LAN heartbeats need none of this: the whole datagram is signed (sign.ts
 * TAG_PRESENCE). Bytes only; the status is its name ("online", "away", "busy"),
 * so this layer needs no wire enum.
 */
import { concatBytes, utf8 } from '../util/bytes.js';
import { lengthPrefixed } from './card.js';
import { CryptoCode, cryptoError } from './errors.js';
import type { Identity } from './keys.js';
import { domainMessage, SIGN_PUBLIC_KEY_BYTES, sign, verify } from './sign.js';

export const TAG_STATUS = 'natter-status-v1';

/** A status as its user states it. */
export interface StatusClaim {
  /** The status's name: 'online', 'away' or 'busy' today. */
  status: string;
  statusText: string;
  /** Strictly increasing per user; a safe non-negative integer (milliseconds, in practice). */
  seq: number;
}

/**
 * `natter-status-v1` || 0x00 || user id (32) || u32be(length) || status name ||
 * u32be(length) || UTF-8 status text || u64be(seq). Throws E_BAD_ARGUMENT on a
 * user id that is not 32 bytes or a seq that is not a safe non-negative integer.
 */
export function statusMessage(userId: Uint8Array, claim: StatusClaim): Uint8Array {
  if (userId.byteLength !== SIGN_PUBLIC_KEY_BYTES) {
    throw cryptoError(CryptoCode.BadArgument, 'statusMessage: a user id is 32 bytes');
  }
  if (!Number.isSafeInteger(claim.seq) || claim.seq < 0) {
    throw cryptoError(CryptoCode.BadArgument, 'statusMessage: seq must be a safe integer >= 0');
  }
  const seq = new Uint8Array(8);
  new DataView(seq.buffer).setBigUint64(0, BigInt(claim.seq));
  return domainMessage(
    TAG_STATUS,
    userId,
    concatBytes(lengthPrefixed(utf8(claim.status)), lengthPrefixed(utf8(claim.statusText))),
    seq,
  );
}

/** The 64-byte signature of `identity` over `claim`. */
export function signStatus(identity: Pick<Identity, 'signPk' | 'signSk'>, claim: StatusClaim) {
  return sign(identity.signSk, statusMessage(identity.signPk, claim));
}

/** True only for `userId`'s valid signature over exactly this claim. Never throws. */
export function verifyStatus(userId: Uint8Array, claim: StatusClaim, sig: Uint8Array): boolean {
  let message: Uint8Array;
  try {
    message = statusMessage(userId, claim);
  } catch {
    return false;
  }
  return verify(userId, message, sig);
}
