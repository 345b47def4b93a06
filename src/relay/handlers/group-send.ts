import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** GroupSend: a member's sealed message, stored once and pushed to every member (groups/fanout.ts). */
export function onGroupSend(session: Session, frame: FrameOf<'group-send'>): void {
  session.ctx.groups.fanout.send(session, frame);
}
