/**
 * Register and Login (DESIGN.md §2). Both prove possession of the user's
 * signing key by a signature over (tag, relay id, challenge, pseudonym); no
 * password crosses the wire. A refusal ends the connection with a coded error.
 */

import { isValidBoxPublicKey, verifyBoxKey } from '../../crypto/keys.js';
import {
  domainMessage,
  isValidSignPublicKey,
  TAG_LOGIN,
  TAG_REGISTER,
  verify,
} from '../../crypto/sign.js';
import { bytesEqual, toHex, utf8 } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import type { Card, FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

type Refusal = { code: string; message: string };

function checkCard(card: Card): Refusal | null {
  if (!isValidSignPublicKey(card.userId) || !isValidBoxPublicKey(card.boxPk)) {
    return { code: 'E_BAD_KEY', message: 'register: the card holds an invalid public key' };
  }
  if (!verifyBoxKey(card.userId, card.boxPk, card.boxSig)) {
    return { code: 'E_BAD_KEY', message: 'register: the box key signature did not verify' };
  }
  return null;
}

function proves(session: Session, tag: string, userId: Uint8Array, name: string, sig: Uint8Array) {
  const msg = domainMessage(tag, session.ctx.key.publicKey, session.challenge!, utf8(name));
  return verify(userId, msg, sig);
}

export function onRegister(session: Session, frame: FrameOf<'register'>): void {
  const { card, sig } = frame;
  const refusal =
    checkCard(card) ??
    (proves(session, TAG_REGISTER, card.userId, card.pseudonym, sig)
      ? null
      : {
          code: 'E_AUTH_FAILED',
          message: `register: signature did not verify for '${card.pseudonym}'`,
        });
  if (refusal) {
    session.fail(refusal.code, refusal.message);
    return;
  }
  const owner = session.ctx.directory.ownerOf(card.pseudonym);
  if (owner !== undefined && owner !== toHex(card.userId)) {
    session.fail('E_PSEUDONYM_TAKEN', `register: '${card.pseudonym}' is already taken`);
    return;
  }
  void admit(session, card, true);
}

export function onLogin(session: Session, frame: FrameOf<'login'>): void {
  const known = session.ctx.directory.byPseudonym(frame.pseudonym);
  if (!known || !bytesEqual(known.userId, frame.userId)) {
    session.fail('E_UNKNOWN_USER', `login: no user '${frame.pseudonym}' with this key`);
    return;
  }
  if (!proves(session, TAG_LOGIN, known.userId, frame.pseudonym, frame.sig)) {
    session.fail('E_AUTH_FAILED', `login: signature did not verify for '${frame.pseudonym}'`);
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
    void admit(session, { ...next, pseudonym: known.pseudonym }, true);
    return;
  }
  void admit(session, known, false);
}

async function admit(session: Session, card: Card, store: boolean): Promise<void> {
  session.state = 'auth';
  const { ctx } = session;
  try {
    if (store) await ctx.directory.put(card);
  } catch (err) {
    ctx.log.error('directory write failed', describeError(err));
    session.fail('E_INTERNAL', 'register: the relay could not store the registration');
    return;
  }
  if (session.isClosing()) return;
  const userHex = toHex(card.userId);
  if (!ctx.hub.hasRoomFor(userHex)) {
    session.fail('E_TOO_MANY_SESSIONS', 'login: too many sessions for this user');
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
