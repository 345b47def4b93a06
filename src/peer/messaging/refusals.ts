/**
 * The relay's SendAck refusals (docs/protocol.md "Refusals"), as the client core
 * names them to its users. Some are final (the message fails); the others mean
 * "not now": the message stays in the outbox and is retried with backoff, and the
 * user is told at once, with a stable code per reason (issue 8: a full relay disk
 * used to look like a timeout).
 *
 * The words are ours, never the relay's free-text `reason`: that is another
 * machine's text, and a code says all the user needs.
 */
import { NatterError } from '../../util/errors.js';
import type { AckCode } from '../../wire/types.js';

/** Refusals that end a message: retrying would get the same answer. */
export type PermanentRefusal = Extract<AckCode, 'unknown-recipient' | 'too-large'>;

/**
 * The failed reason of a group message the relay refused as unknown-recipient: it does
 * not know me in the group (removed or left meanwhile). A reason of this client's, not
 * an AckCode; history entries failed before it say 'unknown-recipient'.
 */
export const NOT_A_MEMBER = 'not-a-member';

/** Refusals for now: the relay may take the same message later. */
export type TemporaryRefusal = Extract<
  AckCode,
  'disk-full' | 'internal' | 'recipient-quota' | 'sender-quota'
>;

/** One stable error code per temporary refusal (a union, so a typo fails to compile). */
export type RelayRefusalCode =
  | 'E_RELAY_DISK_FULL'
  | 'E_RELAY_INTERNAL'
  | 'E_RELAY_RECIPIENT_QUOTA'
  | 'E_RELAY_SENDER_QUOTA';

/**
 * Every AckCode has exactly one verdict here: a new code without one fails to compile.
 * 'reseal': a group message sealed for an epoch a change ended, which the client seals
 * again once it applies that change (groups/send.ts reseal) and sends again, quietly:
 * it is neither failed nor refused for the user.
 */
const VERDICT: { [K in AckCode]: 'stored' | 'permanent' | 'temporary' | 'reseal' } = {
  stored: 'stored',
  // Held by the recipient instead of the relay: as safe, so the outbox is done with it.
  delivered: 'stored',
  'unknown-recipient': 'permanent',
  'too-large': 'permanent',
  'disk-full': 'temporary',
  internal: 'temporary',
  'recipient-quota': 'temporary',
  'sender-quota': 'temporary',
  'stale-epoch': 'reseal',
};

const TEMPORARY: { [K in TemporaryRefusal]: { code: RelayRefusalCode; message: string } } = {
  'disk-full': { code: 'E_RELAY_DISK_FULL', message: 'relay disk is full' },
  internal: { code: 'E_RELAY_INTERNAL', message: 'the relay could not store the message' },
  'recipient-quota': {
    code: 'E_RELAY_RECIPIENT_QUOTA',
    message: "the recipient's mailbox on the relay is full",
  },
  'sender-quota': {
    code: 'E_RELAY_SENDER_QUOTA',
    message: 'too many of your messages are waiting on the relay (in all, or for this recipient)',
  },
};

export function isPermanentRefusal(code: AckCode): code is PermanentRefusal {
  return VERDICT[code] === 'permanent';
}

export function isTemporaryRefusal(code: AckCode): code is TemporaryRefusal {
  return VERDICT[code] === 'temporary';
}

export function awaitsReseal(code: AckCode): boolean {
  return VERDICT[code] === 'reseal';
}

/** The stable code and the user's words for a refusal for now. */
export function describeRefusal(refusal: TemporaryRefusal): {
  code: RelayRefusalCode;
  message: string;
} {
  return { ...TEMPORARY[refusal] };
}

/** A relay refusal for now as an error; `context` is appended ("relay disk is full; ..."). */
export function relayRefusalError(
  refusal: TemporaryRefusal,
  context?: string,
): NatterError & { code: RelayRefusalCode } {
  const { code, message } = TEMPORARY[refusal];
  return new NatterError(
    code,
    context === undefined ? message : `${message}; ${context}`,
  ) as NatterError & { code: RelayRefusalCode };
}
