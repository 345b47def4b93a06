/**
 * Register and Login (DESIGN.md §2). Both prove possession of the user's
 * signing key by a signature over (tag, relay id, challenge, channel binding,
 * pseudonym): crypto/sign.ts authMessage. The binding is this session's own TLS
 * exporter, so a login signed on a channel that a proxy terminated (with its own
 * key) does not verify when the proxy forwards it on its channel to us. No
 * password crosses the wire. A refusal ends the connection with a coded error.
 */

import { isValidBoxPublicKey, verifyBoxKey } from '../../crypto/keys.js';
import {
  authMessage,
  isValidSignPublicKey,
  TAG_LOGIN_V2,
  TAG_REGISTER_V2,
  verify,
} from '../../crypto/sign.js';
import { bytesEqual, toHex } from '../../util/bytes.js';
import { ProtocolCode } from '../../wire/errors.js';
import { newPseudonymProblem, pseudonymKey } from '../../wire/text.js';
import type { Card, FrameOf } from '../../wire/types.js';
import type { Reservation } from '../directory.js';
import { SessionCode, type SessionCodeValue } from '../errors.js';
import type { Session } from '../session.js';

type Refusal = { code: SessionCodeValue; message: string };

function checkCard(card: Card): Refusal | null {
  if (!isValidSignPublicKey(card.userId) || !isValidBoxPublicKey(card.boxPk)) {
    return { code: SessionCode.BadKey, message: 'register: the card holds an invalid public key' };
  }
  if (!verifyBoxKey(card.userId, card.boxPk, card.boxSig)) {
    return { code: SessionCode.BadKey, message: 'register: the box key signature did not verify' };
  }
  return null;
}

function proves(
  session: Session,
  tag: typeof TAG_REGISTER_V2 | typeof TAG_LOGIN_V2,
  userId: Uint8Array,
  name: string,
  sig: Uint8Array,
) {
  const { ctx, challenge, channelBinding } = session;
  const msg = authMessage(tag, ctx.key.publicKey, challenge!, channelBinding, name);
  return verify(userId, msg, sig);
}

export function onRegister(session: Session, frame: FrameOf<'register'>): void {
  const { card, sig } = frame;
  const refusal =
    checkCard(card) ??
    (proves(session, TAG_REGISTER_V2, card.userId, card.pseudonym, sig)
      ? null
      : {
          code: SessionCode.AuthFailed,
          message: `register: signature did not verify for '${card.pseudonym}'`,
        });
  if (refusal) {
    session.fail(refusal.code, refusal.message);
    return;
  }
  // Names registered before today's rules keep working for their owner; new names meet them.
  const current = session.ctx.directory.byUserId(toHex(card.userId));
  const renewing =
    current !== undefined && pseudonymKey(current.pseudonym) === pseudonymKey(card.pseudonym);
  const problem = renewing ? null : newPseudonymProblem(card.pseudonym);
  if (problem !== null) {
    session.fail(ProtocolCode.BadPseudonym, `register: the name '${card.pseudonym}' ${problem}`);
    return;
  }
  const reserved = session.ctx.directory.reserve(card);
  if ('code' in reserved) {
    session.fail(reserved.code, reserved.message);
    return;
  }
  void admit(session, card, reserved);
}

export function onLogin(session: Session, frame: FrameOf<'login'>): void {
  const { directory } = session.ctx;
  // By id, not by name: two legacy owners of names that now fold together can both log in.
  const known = directory.byUserId(toHex(frame.userId));
  if (!known || pseudonymKey(known.pseudonym) !== pseudonymKey(frame.pseudonym)) {
    session.fail(SessionCode.UnknownUser, `login: no user '${frame.pseudonym}' with this key`);
    return;
  }
  if (!proves(session, TAG_LOGIN_V2, known.userId, frame.pseudonym, frame.sig)) {
    session.fail(
      SessionCode.AuthFailed,
      `login: signature did not verify for '${frame.pseudonym}'`,
    );
    return;
  }
  // A client may publish a new box key (signed by the same identity key) at login.
  const next = frame.card;
  if (next && bytesEqual(next.userId, known.userId) && !bytesEqual(next.boxPk, known.boxPk)) {
    const refusal = checkCard(next);
    if (refusal) {
      session.fail(refusal.code, refusal.message);
      return;
    }
    const card = { ...next, pseudonym: known.pseudonym };
    const reserved = directory.reserve(card);
    if ('code' in reserved) {
      session.fail(reserved.code, reserved.message);
      return;
    }
    void admit(session, card, reserved);
    return;
  }
  void admit(session, known, null);
}

/** Store refusals as session error codes: the client shows them as the reason. */
const STORE_REFUSAL_CODES = {
  'disk-full': SessionCode.DiskFull,
  internal: SessionCode.Internal,
} as const;

async function admit(session: Session, card: Card, reserved: Reservation | null): Promise<void> {
  session.startAuth();
  const { ctx } = session;
  if (reserved) {
    const refused = await ctx.directory.commit(reserved);
    if (refused) {
      session.fail(
        STORE_REFUSAL_CODES[refused.code],
        `register: the relay could not store the registration: ${refused.reason}`,
      );
      return;
    }
  }
  if (session.isClosing()) return;
  const userHex = toHex(card.userId);
  if (!ctx.hub.hasRoomFor(userHex)) {
    session.fail(SessionCode.TooManySessions, 'login: too many sessions for this user');
    return;
  }
  // Ready first: the stored mail and roster pushed next must follow it on the wire.
  session.send({
    type: 'ready',
    card,
    pending: ctx.mailbox.pending(userHex),
    serverTimeMs: ctx.clock.now(),
  });
  session.becomeReady(card);
  ctx.hub.addReady(session);
  ctx.log.info('session ready', { session: session.id, user: session.userHex.slice(0, 16) });
}
