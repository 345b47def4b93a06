import { toHex } from '../../util/bytes.js';
import { describeError } from '../../util/errors.js';
import { MAX_GROUP_LOG_PAGE_CHANGES } from '../../wire/limits.js';
import type { FrameOf } from '../../wire/types.js';
import { SessionCode } from '../errors.js';
import type { Session } from '../session.js';

/**
 * GroupLogRequest: one page of the group's membership log as the store holds it
 * (durable changes only), for current members; anyone else learns nothing
 * (found = false), not even whether the group exists.
 */
export function onGroupLogRequest(session: Session, frame: FrameOf<'group-log-request'>): void {
  const { registry, streams } = session.ctx.groups;
  const { requestId } = frame;
  const gidHex = toHex(frame.groupId);
  if (!registry.get(gidHex)?.members.has(session.userHex)) {
    session.send({ type: 'group-log-result', requestId, found: false, changes: [], more: false });
    return;
  }
  void streams.readLog(gidHex, frame.fromSeq, MAX_GROUP_LOG_PAGE_CHANGES).then(
    ({ changes, more }) =>
      session.send({ type: 'group-log-result', requestId, found: true, changes, more }),
    (err: unknown) => {
      session.ctx.log.error('group log read failed', describeError(err));
      session.fail(SessionCode.Internal, 'relay could not read the group log');
    },
  );
}
