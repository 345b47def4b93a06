import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** FileGet: FileGetResult, then the transfer's chunks from `fromIndex` as they are durable (a recipient only). */
export function onFileGet(session: Session, frame: FrameOf<'file-get'>): void {
  session.files.onGet(frame);
}
