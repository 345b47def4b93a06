import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** FileDone: a recipient received or declined the transfer, or its uploader cancelled it. */
export function onFileDone(session: Session, frame: FrameOf<'file-done'>): void {
  session.files.onDone(frame);
}
