import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** FileChunk from an uploader: the next chunk of a transfer it put in this session, queued for the blob (acked once durable). */
export function onFileChunk(session: Session, frame: FrameOf<'file-chunk'>): void {
  session.files.onChunk(frame);
}
