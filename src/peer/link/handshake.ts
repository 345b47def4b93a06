/**
 * The client's half of the handshake (docs/protocol.md "Session", signature
 * table), inside the TLS channel (channel.ts): Hello{client nonce} → Challenge
 * (its relay_id must be the key that authenticated the channel, and relay_sig
 * proves the relay holds it over our nonce) → Register | Login, signed over the
 * channel binding too → Ready. `ClientHandshake` owns one attempt's state (our
 * nonce, the channel, the relay it answered for); the checks are pure functions,
 * testable without a socket.
 */
import { signCard } from '../../crypto/card.js';
import type { Identity } from '../../crypto/keys.js';
import { randomBytes } from '../../crypto/random.js';
import {
  authMessage,
  domainMessage,
  sign,
  TAG_LOGIN_V2,
  TAG_REGISTER_V2,
  TAG_RELAY,
  verify,
} from '../../crypto/sign.js';
import { bytesEqual, toHex } from '../../util/bytes.js';
import type { Clock, Timer } from '../../util/clock.js';
import { isNatterError, NatterError } from '../../util/errors.js';
import { CHALLENGE_BYTES, CLIENT_FEATURES, PROTOCOL_VERSION } from '../../wire/limits.js';
import type { Card, Frame, FrameOf } from '../../wire/types.js';
import type { RelayChannel } from './channel.js';
import { LinkCode, linkError } from './errors.js';

export type AuthMode = 'register' | 'login';

/** Hello to Ready must finish within this (the relay enforces its own limit too). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export type SigningIdentity = Pick<Identity, 'signPk' | 'signSk' | 'boxPk'>;

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
  LinkCode.TlsKeyMismatch,
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

/**
 * Relay refusals of a Register or Login for now: its store is down or its disk full. The
 * link dials again later, but a caller waiting for Ready is told at once (session.ts
 * waitReady): waiting out its --wait would only say "timeout" (sixteenth sitting's
 * operator trial). Named as a logged-in user is told the same (E_RELAY_DISK_FULL from a
 * message's refusal, E_STORE_UNAVAILABLE from StoreStatus).
 */
const FOR_NOW_CODES: Readonly<Record<string, { code: string; why: string; after?: string }>> = {
  E_DISK_FULL: { code: 'E_RELAY_DISK_FULL', why: "the relay's disk is full" },
  E_STORE_UNAVAILABLE: { code: 'E_STORE_UNAVAILABLE', why: 'the relay cannot reach its store' },
  // The relay's fair shares (seventeenth sitting): said before the Hello, so not yet proven
  // to come from the relay id; it only ever makes us wait and dial again.
  E_RELAY_FULL: {
    code: 'E_RELAY_FULL',
    why: 'the relay has no room for more connections (in all, or from this address)',
    after: 'natter tries again; if it lasts, another program on this host may hold the connections',
  },
  E_TOO_MANY_REGISTRATIONS: {
    code: 'E_TOO_MANY_REGISTRATIONS',
    why: 'too many new users were registered from this address lately (the relay takes a few a minute)',
    after: 'try again in a minute',
  },
  E_RELAY_USERS_FULL: {
    code: 'E_RELAY_USERS_FULL',
    why: 'the relay has no room for more users',
    after: "ask the relay's operator (natter relay --max-users)",
  },
};

/** The codes of refusedForNow's errors: the relay proved its id before refusing. */
export const REFUSED_FOR_NOW_CODES: ReadonlySet<string> = new Set(
  Object.values(FOR_NOW_CODES).map((c) => c.code),
);

/** The relay's Error frame as a refusal for now (FOR_NOW_CODES), or null. */
export function refusedForNow(
  err: FrameOf<'error'>,
  mode: AuthMode | undefined,
): NatterError | null {
  const known = FOR_NOW_CODES[err.code];
  if (known === undefined) return null;
  const what = mode === 'register' ? 'not registered yet' : 'not logged in';
  return new NatterError(
    known.code,
    `connect: ${what}: ${known.why} (it refused the ${mode ?? 'connection'} for now); ${known.after ?? 'try again when it is back'}`,
  );
}

/** What the relay told us at Ready, with the relay the handshake proved. */
export interface ReadyInfo {
  card: Card;
  pending: number;
  serverTimeMs: number;
  /** The relay's end of this connection, 'host:port' (absent from older relays). */
  reachedAt?: string;
  relayId: Uint8Array;
  relayName: string;
  /** The relay's Challenge.features (RELAY_FEATURE_* bits). */
  features: number;
  mode: AuthMode;
}

/** The profile's say in a handshake: trust this relay id? Register or Login there? */
export interface RelayPolicy {
  /** Called with the relay's proven id before anything is signed for it; throw to refuse. */
  checkRelay: (relayId: Uint8Array) => Promise<void>;
  authMode: (relayId: Uint8Array) => Promise<AuthMode>;
}

/**
 * The relay id the Challenge claims must be the key that authenticated the TLS
 * channel: otherwise something in between terminated our channel with its own key
 * and forwards the real relay's frames (issue 10). Then the relay must prove it
 * holds relay_id by signing our fresh nonce with its challenge; without that,
 * anyone could replay a recorded Challenge.
 */
export function checkChallenge(
  clientNonce: Uint8Array,
  ch: FrameOf<'challenge'>,
  channelKey: Uint8Array,
): void {
  if (ch.version !== PROTOCOL_VERSION) {
    throw linkError(
      LinkCode.BadVersion,
      `handshake: relay speaks version ${ch.version}, we speak ${PROTOCOL_VERSION}`,
    );
  }
  if (!bytesEqual(ch.relayId, channelKey)) {
    throw linkError(
      LinkCode.TlsKeyMismatch,
      `handshake: refused: the relay claims id ${toHex(ch.relayId).slice(0, 16)}… but its TLS channel is keyed ${toHex(channelKey).slice(0, 16)}…: something between us and the relay terminated the connection; nothing was signed`,
    );
  }
  if (!verify(ch.relayId, domainMessage(TAG_RELAY, clientNonce, ch.challenge), ch.relaySig)) {
    throw linkError(LinkCode.BadRelaySignature, 'handshake: the relay did not prove its key');
  }
}

/**
 * Register or Login, signed over (tag, relay id, challenge, channel binding, pseudonym),
 * with our card signed for this pseudonym (crypto/card.ts).
 */
export function authFrame(
  identity: SigningIdentity,
  pseudonym: string,
  mode: AuthMode,
  ch: FrameOf<'challenge'>,
  binding: Uint8Array,
  quiet = false,
): Frame {
  const tag = mode === 'register' ? TAG_REGISTER_V2 : TAG_LOGIN_V2;
  const sig = sign(identity.signSk, authMessage(tag, ch.relayId, ch.challenge, binding, pseudonym));
  const card: Card = signCard(identity, pseudonym);
  return mode === 'register'
    ? { type: 'register', card, sig, quiet }
    : { type: 'login', pseudonym, userId: identity.signPk, sig, card, quiet };
}

/**
 * One handshake attempt on one channel: a fresh nonce, the channel's key and
 * binding, the relay it proved, and its deadline (Hello to Ready), on the
 * injected clock.
 */
export class ClientHandshake {
  private readonly clientNonce = randomBytes(CHALLENGE_BYTES);
  private proven: {
    relayId: Uint8Array;
    relayName: string;
    features: number;
    mode: AuthMode;
  } | null = null;
  private deadline: Timer | null;

  constructor(
    private readonly identity: SigningIdentity,
    private readonly pseudonym: string,
    private readonly channel: Pick<RelayChannel, 'relayKey' | 'binding'>,
    private readonly clock: Clock,
    timeoutMs: number,
    expired: () => void,
    private readonly quiet = false,
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
    return {
      type: 'hello',
      version: PROTOCOL_VERSION,
      clientNonce: this.clientNonce,
      features: CLIENT_FEATURES,
    };
  }

  /** Checks the Challenge, asks the policy, and returns our signed Register or Login. */
  async answer(ch: FrameOf<'challenge'>, policy: RelayPolicy): Promise<Frame> {
    checkChallenge(this.clientNonce, ch, this.channel.relayKey);
    await policy.checkRelay(ch.relayId);
    const mode = await policy.authMode(ch.relayId);
    this.proven = { relayId: ch.relayId, relayName: ch.relayName, features: ch.features, mode };
    return authFrame(this.identity, this.pseudonym, mode, ch, this.channel.binding, this.quiet);
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
      ...(ready.reachedAt === undefined ? {} : { reachedAt: ready.reachedAt }),
      relayId: proven.relayId,
      relayName: proven.relayName,
      features: proven.features,
      mode: proven.mode,
    };
  }
}
