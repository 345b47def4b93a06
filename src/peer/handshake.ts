/**
 * The client's half of the handshake (docs/protocol.md "Session", signature
 * table): pure functions from the relay's Challenge to our answer, so they are
 * testable without a socket.
 */
import type { Identity } from '../crypto/keys.js';
import { domainMessage, sign, TAG_LOGIN, TAG_REGISTER, TAG_RELAY, verify } from '../crypto/sign.js';
import { utf8 } from '../util/bytes.js';
import { NatterError } from '../util/errors.js';
import { PROTOCOL_VERSION } from '../wire/limits.js';
import type { Card, Frame, FrameOf } from '../wire/types.js';

export type AuthMode = 'register' | 'login';

export type SigningIdentity = Pick<Identity, 'signPk' | 'signSk' | 'boxPk' | 'boxSig'>;

/** Relay refusals that retrying cannot fix: surfaced once, never looped on. */
export const FINAL_CODES: ReadonlySet<string> = new Set([
  'E_PSEUDONYM_TAKEN',
  'E_AUTH_FAILED',
  'E_UNKNOWN_USER',
  'E_BAD_KEY',
  'E_BAD_PSEUDONYM',
  'E_BAD_VERSION',
]);

/**
 * The relay must prove it holds relay_id by signing our fresh nonce with its
 * challenge; without that, anyone could replay a recorded Challenge.
 */
export function checkChallenge(clientNonce: Uint8Array, ch: FrameOf<'challenge'>): void {
  if (ch.version !== PROTOCOL_VERSION) {
    throw new NatterError(
      'E_BAD_VERSION',
      `handshake: relay speaks version ${ch.version}, we speak ${PROTOCOL_VERSION}`,
    );
  }
  if (!verify(ch.relayId, domainMessage(TAG_RELAY, clientNonce, ch.challenge), ch.relaySig)) {
    throw new NatterError('E_RELAY_BAD_SIGNATURE', 'handshake: the relay did not prove its key');
  }
}

/** Register or Login, signed over (tag, relay id, challenge, pseudonym). */
export function authFrame(
  identity: SigningIdentity,
  pseudonym: string,
  mode: AuthMode,
  ch: FrameOf<'challenge'>,
): Frame {
  const tag = mode === 'register' ? TAG_REGISTER : TAG_LOGIN;
  const sig = sign(identity.signSk, domainMessage(tag, ch.relayId, ch.challenge, utf8(pseudonym)));
  const card: Card = {
    userId: identity.signPk,
    pseudonym,
    boxPk: identity.boxPk,
    boxSig: identity.boxSig,
  };
  return mode === 'register'
    ? { type: 'register', card, sig }
    : { type: 'login', pseudonym, userId: identity.signPk, sig, card };
}
