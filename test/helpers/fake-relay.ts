/** The relay end of an in-memory link, for client tests: records frames and runs a script. */
import type { Duplex } from 'node:stream';
import { randomBytes } from '../../src/crypto/random.js';
import { domainMessage, generateSigningKeyPair, sign, TAG_RELAY } from '../../src/crypto/sign.js';
import type { RelayChannel } from '../../src/peer/link/channel.js';
import { decodeFrame, encodeFrame } from '../../src/wire/codec.js';
import { FrameDecoder, frame as framed } from '../../src/wire/framing.js';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, RELAY_FEATURES } from '../../src/wire/limits.js';
import type { Card, Frame } from '../../src/wire/types.js';

/** The signing key every FakeRelay proves unless given another. */
export const FAKE_RELAY_KEY = generateSigningKeyPair();

/** The channel binding of every fake channel (a real one is the TLS exporter). */
export const FAKE_BINDING: Uint8Array = new Uint8Array(32).fill(0xcb);

/**
 * The client end of an in-memory pair as a secure channel, as if TLS had been keyed
 * by `relayKey` (default: FAKE_RELAY_KEY's, the key a FakeRelay proves).
 */
export function fakeChannel(
  stream: Duplex,
  relayKey: Uint8Array = FAKE_RELAY_KEY.publicKey,
  binding: Uint8Array = FAKE_BINDING,
): RelayChannel {
  return { stream, relayKey, binding };
}

export type RelayScript = (relay: FakeRelay, f: Frame) => void;

export class FakeRelay {
  readonly frames: Frame[] = [];
  private readonly decoder = new FrameDecoder(MAX_FRAME_BYTES);
  challenge = randomBytes(32);
  /** Challenge.features: this build's relay by default; 0 plays a relay from before files. */
  features = RELAY_FEATURES;
  constructor(
    readonly socket: Duplex,
    script: RelayScript,
    readonly key = FAKE_RELAY_KEY,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const bytes of this.decoder.push(chunk)) {
        const f = decodeFrame(bytes);
        this.frames.push(f);
        script(this, f);
      }
    });
    socket.on('error', () => undefined);
  }
  send(f: Frame): void {
    this.socket.write(framed(encodeFrame(f)));
  }
  sendChallenge(clientNonce: Uint8Array, signer = this.key.secretKey): void {
    this.send({
      type: 'challenge',
      version: PROTOCOL_VERSION,
      relayId: this.key.publicKey,
      challenge: this.challenge,
      relaySig: sign(signer, domainMessage(TAG_RELAY, clientNonce, this.challenge)),
      relayName: 'test relay',
      features: this.features,
    });
  }
}

/**
 * A well-behaved relay: challenge, then Ready (as `card`) for any Register/Login; Ready
 * says `reachedAt` (the relay's end of the connection) when given.
 */
export const honestRelay =
  (card: Card, reachedAt?: string): RelayScript =>
  (relay, f) => {
    if (f.type === 'hello') relay.sendChallenge(f.clientNonce);
    if (f.type === 'register' || f.type === 'login') {
      relay.send({
        type: 'ready',
        card,
        pending: 3,
        serverTimeMs: 1,
        ...(reachedAt ? { reachedAt } : {}),
      });
    }
  };
