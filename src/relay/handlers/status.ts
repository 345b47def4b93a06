/**
 * SetStatus (issue 10): the status is the user's statement, signed by them
 * (crypto/status.ts), so the relay can forward it but not forge it. The relay
 * checks the signature itself, so a broken client learns at once instead of
 * being silently dropped by everyone, and it refuses a seq that does not grow,
 * which an honest client never sends. Both end the session with E_BAD_STATUS.
 */
import { verifyStatus } from '../../crypto/status.js';
import type { FrameOf } from '../../wire/types.js';
import { SessionCode } from '../errors.js';
import type { Session } from '../session.js';

/** SetStatus: check the user's signature, remember it for this session and tell everyone connected. */
export function onSetStatus(session: Session, frame: FrameOf<'set-status'>): void {
  // Dispatched only when ready, so the card is set.
  const userId = session.card!.userId;
  const { status, statusText, seq, sig } = frame;
  if (!verifyStatus(userId, { status, statusText, seq }, sig)) {
    session.fail(SessionCode.BadStatus, 'set-status: the signature did not verify for this user');
    return;
  }
  const last = session.signedStatus;
  if (last !== null && seq <= last.seq) {
    session.fail(
      SessionCode.BadStatus,
      `set-status: seq ${seq} is not above this session's last (${last.seq})`,
    );
    return;
  }
  session.setStatus(status, statusText, { seq, sig });
  session.ctx.hub.statusChanged(session);
}
