import { sendRecipientHex } from '../../wire/codec.js';
import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** Send: to a known recipient through the fanout (store, early push, durable ack, push). */
export function onSend(session: Session, frame: FrameOf<'send'>): void {
  const { ctx } = session;
  const recipientHex = sendRecipientHex(frame);
  if (!ctx.directory.byUserId(recipientHex)) {
    session.send({
      type: 'send-ack',
      msgId: frame.msgId,
      code: 'unknown-recipient',
      reason: 'no such user on this relay',
    });
    return;
  }
  // Send is dispatched only when ready, so the card is set.
  ctx.fanout.send(session, session.card!, recipientHex, frame);
}
