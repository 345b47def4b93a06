import { randomBytes } from '../../crypto/random.js';
import { domainMessage, sign, TAG_RELAY } from '../../crypto/sign.js';
import { ProtocolCode, ProtocolError } from '../../wire/errors.js';
import { CHALLENGE_BYTES, PROTOCOL_VERSION, RELAY_FEATURES } from '../../wire/limits.js';
import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** Hello: answer with a fresh challenge and prove the relay key over the client's nonce. */
export function onHello(session: Session, frame: FrameOf<'hello'>): void {
  if (frame.version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      ProtocolCode.BadVersion,
      `hello: protocol version ${frame.version} is not supported (relay speaks ${PROTOCOL_VERSION})`,
    );
  }
  const { key, name } = session.ctx;
  const challenge = randomBytes(CHALLENGE_BYTES);
  session.issueChallenge(challenge, frame.features);
  session.send({
    type: 'challenge',
    version: PROTOCOL_VERSION,
    relayId: key.publicKey,
    challenge,
    relaySig: sign(key.secretKey, domainMessage(TAG_RELAY, frame.clientNonce, challenge)),
    relayName: name,
    features: RELAY_FEATURES,
  });
}
