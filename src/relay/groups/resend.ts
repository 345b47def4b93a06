/**
 * Whether a GroupResend may be served (docs/protocol.md "In GroupResendResult.code"),
 * from the group's ledger as both stores hold it (stream.ts, cluster/groups.ts): the
 * group must be here, the user tracked in it (a member, or one that left and is still
 * owed items up to its removal), and `afterGseq` within what the group issued. What is
 * then sent again is what a catch-up reads: the items the user may receive that the
 * store still holds.
 */
import { GroupResendCode, type GroupResendCodeValue } from '../errors.js';
import type { GroupLedger } from './ledger.js';

export function resendRefusal(
  ledger: GroupLedger | undefined,
  userHex: string,
  afterGseq: number,
): GroupResendCodeValue | null {
  if (ledger === undefined) return GroupResendCode.Unknown;
  if (!ledger.tracks.has(userHex)) return GroupResendCode.NotMember;
  if (afterGseq > ledger.lastIssued) return GroupResendCode.BadGseq;
  return null;
}
