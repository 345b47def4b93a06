import { toHex } from '../../util/bytes.js';
import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/**
 * Send: store durably, then ack the sender and push to the recipient's sessions.
 * The ack goes out only after the synced batch (DESIGN.md §4, guarantee 1).
 */
export function onSend(session: Session, frame: FrameOf<'send'>): void {
  const { ctx } = session;
  const toHexId = toHex(frame.to);
  if (!ctx.directory.byUserId(toHexId)) {
    session.send({
      type: 'send-ack',
      msgId: frame.msgId,
      code: 'unknown-recipient',
      reason: 'no such user on this relay',
    });
    return;
  }
  session.sendStarted();
  void ctx.mailbox
    .enqueue(session.card!, toHexId, frame.msgId, frame.nonce, frame.ciphertext)
    .then((result) => {
      session.sendFinished();
      session.send({
        type: 'send-ack',
        msgId: frame.msgId,
        code: result.code,
        reason: result.code === 'stored' ? '' : result.reason,
      });
      if (result.code === 'stored') ctx.hub.deliver(result.mail);
    });
}
