import type { FrameOf } from '../../wire/types.js';
import { FileCode } from '../files/codes.js';
import type { Session } from '../session.js';

/** FilePut: a new transfer (recipients, limits, quota, durable record) or the resume of the uploader's own; answered with FilePutResult. */
export function onFilePut(session: Session, frame: FrameOf<'file-put'>): void {
  if (session.ctx.cluster) {
    // Each relay's blobs live on its own disk: recipients on other relays could not fetch them.
    session.send({
      type: 'file-put-result',
      requestId: frame.requestId,
      code: FileCode.Cluster,
      reason: 'file: files are not carried across the relays of a cluster yet',
      haveChunks: 0,
    });
    return;
  }
  session.files.onPut(frame);
}
