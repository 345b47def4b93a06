import { toHex } from '../../util/bytes.js';
import type { FrameOf } from '../../wire/types.js';
import type { Session } from '../session.js';

/**
 * GroupResend: the group's items after after_gseq, pushed again on this connection
 * after a GroupResendResult (groups/delivery.ts resend). A refusal (unknown group, a
 * user owed nothing of it, a gseq beyond it, too many resends) is that result with a
 * code; the connection stays open.
 */
export function onGroupResend(session: Session, frame: FrameOf<'group-resend'>): void {
  session.groupDelivery.resend(frame.groupId, toHex(frame.groupId), frame.afterGseq);
}
