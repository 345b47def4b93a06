import { toHex } from '../../util/bytes.js';
import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/**
 * GroupAck: the user has every item of the group up to through_gseq. Moves only
 * the acknowledging user's own cursor; acks for groups it is owed nothing in are
 * ignored, like a DeliverAck for unknown mail.
 */
export function onGroupAck(session: Session, frame: FrameOf<'group-ack'>): void {
  session.ctx.groups.streams.ack(toHex(frame.groupId), session.userHex, frame.throughGseq);
}
