import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** DeliverAck: the recipient has the mail safe; delete it (only from its own mailbox). */
export function onDeliverAck(session: Session, frame: FrameOf<'deliver-ack'>): void {
  session.acked(frame.seqs);
}
