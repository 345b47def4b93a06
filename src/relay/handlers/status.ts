import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** SetStatus: remember it for this session and tell everyone connected. */
export function onSetStatus(session: Session, frame: FrameOf<'set-status'>): void {
  session.setStatus(frame.status, frame.statusText);
  session.ctx.hub.statusChanged(session);
}
