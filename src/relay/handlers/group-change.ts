import type { FrameOf } from '../../wire/types.js';
import { GroupResultCode } from '../errors.js';
import type { Session } from '../session.js';

/**
 * GroupChangeRequest: checked against the relay's state of the group (signature,
 * chain, the relay's rules), stored, answered with GroupChangeResult, then pushed
 * to the members (groups/fanout.ts).
 */
export function onGroupChange(session: Session, frame: FrameOf<'group-change'>): void {
  if (session.ctx.cluster) {
    // Each relay's groups live in its own store: members on other relays would never see them.
    session.send({
      type: 'group-change-result',
      requestId: frame.requestId,
      code: GroupResultCode.Cluster,
      reason: 'group: groups are not carried across the relays of a cluster yet',
      gseq: 0,
    });
    return;
  }
  session.ctx.groups.fanout.change(session, frame.requestId, frame.change);
}
