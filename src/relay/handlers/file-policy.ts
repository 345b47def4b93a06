import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** FilePolicy: the largest file the user accepts (0: the relay's default), stored durably. */
export function onFilePolicy(session: Session, frame: FrameOf<'file-policy'>): void {
  session.files.onPolicy(frame);
}
