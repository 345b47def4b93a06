import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/** FileChunkAck from a downloader: chunks below `through` are durable on its side; its window moves on. */
export function onFileChunkAck(session: Session, frame: FrameOf<'file-chunk-ack'>): void {
  session.files.onAck(frame);
}
