/**
 * The client's half of the handshake (docs/protocol.md "Session", signature
 * table): Hello{client nonce} → Challenge (relay_sig proves the relay holds
 * relay_id) → Register | Login → Ready. `ClientHandshake` owns one attempt's
 * state (our nonce, the relay it answered for); the checks are pure functions,
 * testable without a socket.
 */
import type { Identity } from '../../crypto/keys.js';
import { randomBytes } from '../../crypto/random.js';
import {
  domainMessage,
  sign,
  TAG_LOGIN,
  TAG_REGISTER,
  TAG_RELAY,
  verify,
} from '../../crypto/sign.js';
import { bytesEqual, utf8 } from '../../util/bytes.js';
import type { Clock, Timer } from '../../util/clock.js';
import { isNatterError, NatterError } from '../../util/errors.js';
import { CHALLENGE_BYTES, PROTOCOL_VERSION } from '../../wire/limits.js';
import type { Card, Frame, FrameOf } from '../../wire/types.js';
import { LinkCode, linkError } from './errors.js';

export type AuthMode = 'register' | 'login';

/** Hello to Ready must finish within this (the relay enforces its own limit too). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

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
 * Our own verdicts on a relay that retrying cannot change: it is not the relay
 * we trust (profile.ts refuses a changed pin with E_RELAY_KEY_CHANGED). Dialling
 * it again in a loop would only sign more for nobody.
 */
export const UNTRUSTED_RELAY_CODES: ReadonlySet<string> = new Set([
  LinkCode.BadRelaySignature,
  LinkCode.RelayIdMismatch,
  'E_RELAY_KEY_CHANGED',
]);

/** A refusal or an untrusted relay: stop for good instead of dialling again. */
export function isFinal(err: unknown): err is NatterError {
  return isNatterError(err) && (FINAL_CODES.has(err.code) || UNTRUSTED_RELAY_CODES.has(err.code));
}

/** The relay's Error frame as a final refusal, or null when a reconnect may help. */
export function refusalOf(err: FrameOf<'error'>, mode: AuthMode | undefined): NatterError | null {
  if (!FINAL_CODES.has(err.code)) return null;
  return new NatterError(err.code, `relay refused ${mode ?? 'session'}: ${err.message}`);
}

/** What the relay told us at Ready, with the relay the handshake proved. */
export interface ReadyInfo {
  card: Card;
  pending: number;
  serverTimeMs: number;
  relayId: Uint8Array;
  relayName: string;
  mode: AuthMode;
}

/** The profile's say in a handshake: trust this relay id? Register or Login there? */
export interface RelayPolicy {
  /** Called with the relay's proven id before anything is signed for it; throw to refuse. */
  checkRelay: (relayId: Uint8Array) => Promise<void>;
  authMode: (relayId: Uint8Array) => Promise<AuthMode>;
}

/**
 * The relay must prove it holds relay_id by signing our fresh nonce with its
 * challenge; without that, anyone could replay a recorded Challenge.
 */
export function checkChallenge(clientNonce: Uint8Array, ch: FrameOf<'challenge'>): void {
  if (ch.version !== PROTOCOL_VERSION) {
    throw linkError(
      LinkCode.BadVersion,
      `handshake: relay speaks version ${ch.version}, we speak ${PROTOCOL_VERSION}`,
    );
  }
  if (!verify(ch.relayId, domainMessage(TAG_RELAY, clientNonce, ch.challenge), ch.relaySig)) {
    throw linkError(LinkCode.BadRelaySignature, 'handshake: the relay did not prove its key');
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

/**
 * One handshake attempt on one socket: a fresh nonce, the relay it proved, and
 * its deadline (Hello to Ready), on the injected clock.
 */
export class ClientHandshake {
  private readonly clientNonce = randomBytes(CHALLENGE_BYTES);
  private proven: { relayId: Uint8Array; relayName: string; mode: AuthMode } | null = null;
  private deadline: Timer | null;

  constructor(
    private readonly identity: SigningIdentity,
    private readonly pseudonym: string,
    private readonly clock: Clock,
    timeoutMs: number,
    expired: () => void,
  ) {
    this.deadline = clock.setTimeout(() => {
      this.deadline = null;
      expired();
    }, timeoutMs);
  }

  /** Ready arrived, or the socket is gone: the deadline no longer applies. Safe to repeat. */
  stop(): void {
    if (this.deadline !== null) this.clock.clearTimeout(this.deadline);
    this.deadline = null;
  }

  /** Register or Login, once the handshake got that far. */
  get mode(): AuthMode | undefined {
    return this.proven?.mode;
  }

  hello(): Frame {
    return { type: 'hello', version: PROTOCOL_VERSION, clientNonce: this.clientNonce };
  }

  /** Checks the Challenge, asks the policy, and returns our signed Register or Login. */
  async answer(ch: FrameOf<'challenge'>, policy: RelayPolicy): Promise<Frame> {
    checkChallenge(this.clientNonce, ch);
    await policy.checkRelay(ch.relayId);
    const mode = await policy.authMode(ch.relayId);
    this.proven = { relayId: ch.relayId, relayName: ch.relayName, mode };
    return authFrame(this.identity, this.pseudonym, mode, ch);
  }

  /** Ready must name us; with the relay proven at the Challenge, that is the session. */
  ready(ready: FrameOf<'ready'>): ReadyInfo {
    this.stop();
    const proven = this.proven;
    if (proven === null || !bytesEqual(ready.card.userId, this.identity.signPk)) {
      throw linkError(LinkCode.AuthFailed, 'login: the relay returned a card for another user');
    }
    return {
      card: ready.card,
      pending: ready.pending,
      serverTimeMs: ready.serverTimeMs,
      relayId: proven.relayId,
      relayName: proven.relayName,
      mode: proven.mode,
    };
  }
}
