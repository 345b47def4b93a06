/**
 * Why one of the user's messages was not sent, in words (issue 13: the screen
 * showed `✗ not sent (unknown-recipient)`). The core gives a reason code with the
 * 'failed' state (messaging/sender.ts: the relay's final SendAck codes and its own);
 * this table is the one place that turns one into text.
 */
const FAILED_REASONS: Readonly<Record<string, string>> = {
  'unknown-recipient': 'no such user on this relay',
  'not-a-member': 'you are no longer a member of the group',
  'too-large': 'too large for the relay',
  cancelled: 'cancelled',
  expired: 'it waited too long to be sent',
  self: 'that is you',
  'unsupported-conversation': 'this version of natter cannot send it',
};

/** The words for a failed message's reason; a reason this version does not know gets general ones. */
export function failedReason(reason: string | undefined): string {
  if (reason === undefined) return 'refused';
  return Object.hasOwn(FAILED_REASONS, reason) ? FAILED_REASONS[reason]! : 'refused';
}
