/**
 * Register and Login (DESIGN.md §2). Both prove possession of the user's
 * signing key by a signature over (tag, relay id, challenge, channel binding,
 * pseudonym): crypto/sign.ts authMessage. The binding is this session's own TLS
 * exporter, so a login signed on a channel that a proxy terminated (with its own
 * key) does not verify when the proxy forwards it on its channel to us. No
 * password crosses the wire. The card must be signed as a whole (user id,
 * pseudonym, box key). A refusal ends the connection with a coded error.
 */

import { verifyCard } from '../../crypto/card.js';
import { isValidBoxPublicKey } from '../../crypto/keys.js';
import {
  authMessage,
  isValidSignPublicKey,
  TAG_LOGIN_V2,
  TAG_REGISTER_V2,
  verify,
} from '../../crypto/sign.js';
import { bytesEqual, toHex } from '../../util/bytes.js';
import { ProtocolCode } from '../../wire/errors.js';
import { CLIENT_FEATURE_STORE_STATUS } from '../../wire/limits.js';
import { newPseudonymProblem, pseudonymKey } from '../../wire/text.js';
import type { Card, FrameOf } from '../../wire/types.js';
import { addressOf } from '../address-shares.js';
import type { Reservation } from '../directory.js';
import { SessionCode, type SessionCodeValue, STORE_REFUSAL_CODES } from '../errors.js';
import type { Session } from '../session.js';
import { storeStatusFrame } from '../store-reach.js';

type Refusal = { code: SessionCodeValue; message: string };

/**
 * Valid keys, and the card signature over user id, this exact pseudonym and box key
 * (crypto/card.ts): a card re-labelled with another name after signing is refused.
 */
function checkCard(card: Card, step: 'register' | 'login'): Refusal | null {
  if (!isValidSignPublicKey(card.userId) || !isValidBoxPublicKey(card.boxPk)) {
    return { code: SessionCode.BadKey, message: `${step}: the card holds an invalid public key` };
  }
  if (!verifyCard(card)) {
    return {
      code: SessionCode.BadKey,
      message: `${step}: the card signature did not verify for '${card.pseudonym}'`,
    };
  }
  return null;
}

const sameCard = (a: Card, b: Card) =>
  a.pseudonym === b.pseudonym &&
  bytesEqual(a.userId, b.userId) &&
  bytesEqual(a.boxPk, b.boxPk) &&
  bytesEqual(a.cardSig, b.cardSig);

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
    checkCard(card, 'register') ??
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
  if (refuseStoreDown(session, 'register')) return;
  // A new user: within its address's rate and the relay's most users (registration-gate.ts).
  const { directory, registrations } = session.ctx;
  const tooMany =
    current === undefined ? registrations.admit(addressOf(session.remote), directory.size) : null;
  if (tooMany !== null) {
    session.fail(tooMany.code, tooMany.message);
    return;
  }
  const reserved = directory.reserve(card);
  if ('code' in reserved) {
    session.fail(reserved.code, reserved.message);
    return;
  }
  void admit(session, card, reserved, frame.quiet);
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
  const update = cardUpdate(known, frame.card);
  if (update === null) {
    void admit(session, known, null, frame.quiet);
    return;
  }
  if ('code' in update) {
    session.fail(update.code, update.message);
    return;
  }
  if (refuseStoreDown(session, 'login')) return;
  const reserved = directory.reserve(update);
  if ('code' in reserved) {
    session.fail(reserved.code, reserved.message);
    return;
  }
  void admit(session, update, reserved, frame.quiet);
}

/**
 * The card a Login brings, to replace ours when it differs: a new box key, or the
 * same keys signed as a card rather than as a box key alone (a registration from
 * before protocol 2's card signature, docs/decisions.md). The signature covers
 * the name, so the relay cannot re-label a card: one that spells the name
 * otherwise than it was registered is ignored (null: keep ours), unless it brings
 * a new box key, which is refused (publishing it under another name is not ours
 * to do).
 */
function cardUpdate(known: Card, next: Card | null): Card | Refusal | null {
  if (next === null || !bytesEqual(next.userId, known.userId) || sameCard(next, known)) {
    return null;
  }
  if (next.pseudonym === known.pseudonym) return checkCard(next, 'login') ?? next;
  if (bytesEqual(next.boxPk, known.boxPk)) return null;
  return {
    code: SessionCode.BadKey,
    message: `login: a new card must name the user as registered ('${known.pseudonym}')`,
  };
}

/**
 * A write to a store the relay cannot reach (a cluster's NATS down) would only wait out its
 * timeout and end in E_INTERNAL, which a client takes for a relay that did not answer
 * (sixteenth sitting's operator trial). Refused at once instead, with the code a logged-in
 * user is told in StoreStatus; a client from before it retries, as it did on E_INTERNAL.
 */
function refuseStoreDown(session: Session, step: 'register' | 'login'): boolean {
  if (session.ctx.mailbox.reach?.reachable !== false) return false;
  session.fail(
    SessionCode.StoreUnavailable,
    `${step}: the relay cannot reach its store; nothing was registered, try again when it is back`,
  );
  return true;
}

async function admit(
  session: Session,
  card: Card,
  reserved: Reservation | null,
  quiet = false,
): Promise<void> {
  session.startAuth();
  const { ctx } = session;
  if (reserved) {
    const refused = await ctx.directory.commit(reserved);
    if (refused && 'message' in refused) {
      session.fail(refused.code, refused.message);
      return;
    }
    if (refused) {
      // A cluster's write that failed is its store not answering (cluster/directory.ts).
      const storeDown = refused.code === 'internal' && ctx.mailbox.reach !== undefined;
      if (storeDown) ctx.mailbox.reach?.down();
      session.fail(
        storeDown ? SessionCode.StoreUnavailable : STORE_REFUSAL_CODES[refused.code],
        `register: the relay could not store the registration: ${refused.reason}`,
      );
      return;
    }
  }
  const userHex = toHex(card.userId);
  const { reach } = ctx.mailbox;
  // A store with no connection is not asked: its read would only time out (5 s). One that
  // failed a read is asked again: a cluster that lost a node answers after its election.
  const pending = reach?.offline === true ? null : await ctx.mailbox.pending(userHex);
  if (session.isClosing()) return;
  if (!ctx.hub.hasRoomFor(userHex)) {
    session.fail(SessionCode.TooManySessions, 'login: too many sessions for this user');
    return;
  }
  // Before Ready, so the client knows its count means nothing when it reads it. Checked
  // now, in the same turn as the session joins the hub: any later change reaches it too.
  if (reach?.reachable === false && session.understands(CLIENT_FEATURE_STORE_STATUS)) {
    session.send(storeStatusFrame(false));
  }
  // Ready first: the stored mail and roster pushed next must follow it on the wire.
  session.send({
    type: 'ready',
    card,
    pending: pending ?? 0,
    serverTimeMs: ctx.clock.now(),
    ...reachedAt(session.stream),
  });
  session.becomeReady(card, quiet);
  ctx.hub.addReady(session);
  ctx.connections.loggedIn(session.remote);
  ctx.log.info('session ready', { session: session.id, user: session.userHex.slice(0, 16) });
}

/**
 * This connection's end at the relay, 'host:port' (an IPv4-mapped address as IPv4): where
 * the client reached it, so that a client remembers a discovered address only when it
 * dialled the relay itself, not a host that replayed its beacon (Ready.reached_at).
 */
function reachedAt(stream: unknown): { reachedAt?: string } {
  const { localAddress, localPort } = stream as { localAddress?: string; localPort?: number };
  if (!localAddress || !localPort) return {};
  const host = localAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return { reachedAt: host.includes(':') ? `[${host}]:${localPort}` : `${host}:${localPort}` };
}
