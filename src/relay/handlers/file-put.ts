import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** FilePut: a new transfer (recipients, limits, quota, durable record) or the resume of the uploader's own; answered with FilePutResult. */
export function onFilePut(session: Session, frame: FrameOf<'file-put'>): void {
  session.files.onPut(frame);
}
