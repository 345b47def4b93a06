/**
 * The core's reports about messages (events.ts): deliveries dropped as damaged or
 * forged, gaps and rewound counters in a sender's numbering, and messages the relay
 * refused for now. Each is an event payload and, for the first two, a record kept
 * until a UI takes it.
 */
import type { ConversationId } from './conversations/ids.js';
import type { PeerRef } from './events.js';
import type { RelayRefusalCode, TemporaryRefusal } from './messaging/refusals.js';

/** Why a delivered message was dropped (see envelope.ts). */
export type RejectReason =
  | 'bad-card'
  | 'open-failed'
  | 'malformed'
  | 'reflected'
  | 'sender-mismatch'
  | 'misrouted'
  | 'msg-id-mismatch'
  /** Sent before the oldest mail a relay may still hold (envelope.ts MAX_MESSAGE_AGE_MS). */
  | 'expired'
  /** Sent too far ahead of our clock (envelope.ts MAX_FUTURE_SKEW_MS). */
  | 'future-dated'
  /**
   * A counter this sender already used in this conversation, on a message no newer
   * than their newest: a copy of old mail (messaging/counters.ts).
   */
  | 'counter-reused'
  /** A group message (groups/receive.ts) not signed by its sender's chain key: forged. */
  | 'bad-signature'
  /** A group message sealed for another epoch than the group was in when it came. */
  | 'wrong-epoch'
  /** A group message from someone who was not a member when it came. */
  | 'not-a-member'
  /** Its chain index's key was evicted, or it is too far ahead (sender-keys.ts). */
  | 'key-unavailable'
  /**
   * No longer given: a group message whose sender's key had not come, over the held
   * bound, was dropped with it. It now waits unacknowledged on the relay (groups/held.ts);
   * a report an older version kept may still carry it.
   */
  | 'too-many-held'
  | 'replay';

/**
 * Rejections a user is told about: the delivery was damaged on the way or forged.
 * 'replay' is not one of them: at-least-once delivery redelivers a message whose
 * ack was lost, and the copy already shown is all the user needs (counted in
 * stats().duplicateDeliveries).
 */
export type DamageReason = Exclude<RejectReason, 'replay'>;

/** The one stable code of every damaged or forged delivery. */
export const MESSAGE_DAMAGED_CODE = 'E_MESSAGE_DAMAGED';

/**
 * A delivery that did not open or did not check out (envelope.ts), dropped and
 * acknowledged (so the relay deletes it), and reported to the user.
 */
export interface DamagedMessage {
  code: typeof MESSAGE_DAMAGED_CODE;
  reason: DamageReason;
  /**
   * Who the relay says sent it: routing metadata only, never authenticated
   * (DESIGN.md §3). Show it as "claimed to be from", sanitised: it is peer text.
   */
  claimedFrom: PeerRef;
  /** The conversation with the claimed sender. */
  conversation: ConversationId;
  /** Hex, as the relay labelled it. */
  msgId: string;
  /** The relay's mailbox sequence number of the delivery. */
  seq: number;
  /** Our clock, when it was dropped. */
  receivedAtMs: number;
}

/**
 * Something about the order of a conversation's messages (messaging/counters.ts):
 * a notice, not an error; nothing was dropped (a dropped delivery is a
 * 'message:damaged'). The sender numbers its messages in each conversation.
 * - 'gap': `missing` messages numbered before this one have not arrived. They may
 *   still be on their way (a send the relay refused for now is retried later) or be
 *   lost; any that arrive are shown as usual.
 * - 'rewound': the sender's numbering went back, with a newer send time: their
 *   profile was probably restored from a backup, or is used on a second device.
 *   Their messages are still accepted (by send time); copies of old ones are not.
 * - 'held' (groups only): the group's messages waiting for a sender's key filled the
 *   bound (groups/held.ts), so the group's stream stopped; nothing is lost. With
 *   `resumes`, the newer ones come in this session once the held ones opened (the
 *   relay sends them again: GroupResend); without, at the next session.
 *
 * In a group (`group` set) a sender's numbering is its sender chain of the group's
 * epoch (DESIGN.md §6), counted from 1: the chain index plus one.
 */
export interface ConversationNotice {
  kind: 'gap' | 'rewound' | 'held';
  conversation: ConversationId;
  /**
   * The sender, as authenticated by the sealed envelope; for 'held', the sender the relay
   * names for the message that could not wait (a routing claim: its key is what is missing).
   */
  from: PeerRef;
  /** The counter of the message that showed it; 'held': the gseq the group stopped at. */
  counter: number;
  /** The highest counter accepted from the sender before it; 'held': the last gseq handled. */
  previousCounter: number;
  /**
   * 'gap': how many are missing (counter - previousCounter - 1); 'rewound': 0; 'held': how
   * many messages of the group wait for a sender's key.
   */
  missing: number;
  /** The group's name (peer text, not sanitised) when the conversation is a group. */
  group?: { name: string };
  /**
   * 'held': true when the group resumes in this session once its held messages opened
   * (the relay serves GroupResend); false or absent (kept by an older version): at the
   * next session.
   */
  resumes?: boolean;
  /** Our clock, when it was noticed. */
  atMs: number;
}

/**
 * The relay refused a message for now (SendAck disk-full, internal,
 * recipient-quota, sender-quota): it stays queued in the outbox and is retried
 * with backoff. Emitted on every refusal, retries included.
 */
export interface RefusedMessage {
  msgId: string;
  conversation: ConversationId;
  /** The relay's SendAck code. */
  refusal: TemporaryRefusal;
  /** Stable error code for it (E_RELAY_DISK_FULL, ...). */
  code: RelayRefusalCode;
  /** The user's words for it ("relay disk is full"); never the relay's free text. */
  message: string;
  /** Refusals of this message so far. */
  attempts: number;
  /** Our clock: the next try is not before this. */
  retryAtMs: number;
}

/**
 * A 'gap' notice's count in words. A sender's counter is theirs to choose, so a forged or
 * broken one may skip 2^50 numbers (a trial): past MANY_MISSING it says "many".
 */
export function missingCount(missing: number): string {
  return missing > MANY_MISSING
    ? `more than ${MANY_MISSING.toLocaleString('en-US')}`
    : missing.toLocaleString('en-US');
}

/** Five times the mail a relay keeps for one recipient by default (200,000). */
const MANY_MISSING = 1_000_000;
