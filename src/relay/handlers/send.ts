import { toHex } from '../../util/bytes.js';
import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/**
 * Send: queue for the synced batch; ack the sender only after that batch
 * (DESIGN.md §4, guarantee 1). Online recipients get the mail at once, while it
 * is being written (docs/decisions.md, "Deliver while storing"); a session that
 * is catching up or backed up gets it from the store instead.
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
  const queued = ctx.mailbox.enqueue(
    session.card!,
    toHexId,
    frame.msgId,
    frame.nonce,
    frame.ciphertext,
  );
  if (queued.code !== 'queued') {
    session.send({
      type: 'send-ack',
      msgId: frame.msgId,
      code: queued.code,
      reason: queued.reason,
    });
    return;
  }
  session.sendStarted();
  ctx.hub.deliverEarly(queued.mail, queued.prevSeq);
  void queued.durable.then((result) => {
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
