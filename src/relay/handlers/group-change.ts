import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/**
 * GroupChangeRequest: checked against the relay's state of the group (signature,
 * chain, the relay's rules), stored, answered with GroupChangeResult, then pushed
 * to the members (groups/fanout.ts).
 */
export function onGroupChange(session: Session, frame: FrameOf<'group-change'>): void {
  session.ctx.groups.fanout.change(session, frame.requestId, frame.change);
}
