/**
 * The mail store the relay's sessions, fanout and handlers see: LevelDB
 * (mailbox.ts) or a NATS cluster's stream (cluster/mailbox.ts).
 */

import type { Logger } from '../util/logger.js';
import type { AckCode } from '../wire/types.js';
import type { DeliveryLink, SessionDelivery } from './delivery.js';
import type { RelayLimits } from './limits.js';
import type { StoreReach } from './store-reach.js';

export interface StoredMail {
  seq: number;
  recipientHex: string;
  /** The owner's record, as stored (for 1:1 mail: the encoded Deliver frame). */
  record: Uint8Array;
}

export type Refusal = { code: Exclude<AckCode, 'stored' | 'delivered'>; reason: string };

/** The recipient's mailbox holds maxMailboxMessages or maxMailboxBytes. */
export const MAILBOX_FULL: Readonly<Refusal> = Object.freeze({
  code: 'recipient-quota',
  reason: 'recipient mailbox is full',
});
/** The sender has maxPendingPerSender messages waiting in all mailboxes. */
export const SENDER_FULL: Readonly<Refusal> = Object.freeze({
  code: 'sender-quota',
  reason: 'too many undelivered messages',
});
/**
 * The sender's part of the recipient's mailbox is full (maxMailboxMessagesPerSender,
 * maxMailboxBytesPerSender): refused to that sender only, so the mailbox keeps room for
 * everyone else.
 */
export const SHARE_FULL: Readonly<Refusal> = Object.freeze({
  code: 'sender-quota',
  reason: "your share of the recipient's mailbox is full",
});

/**
 * `stored`: durable in the store. `delivered`: the recipient acknowledged the mail
 * before its write, which was then never made (held-puts.ts).
 */
export type EnqueueResult = { code: 'stored' | 'delivered'; mail: StoredMail } | Refusal;

/**
 * Where the outcome of an enqueued record goes, with the message id given to `enqueue`:
 * one function can serve every message of a sender (fanout.ts), so that nothing is made
 * per message to hear it.
 */
export type MailDone = (result: EnqueueResult, msgId: Uint8Array | undefined) => void;

/** What `enqueue` returns when it took the record; `done` will be called. */
export type Queued = { code: 'queued'; mail?: StoredMail; prevSeq?: number };

/**
 * What Mailbox.enqueue returns at once: a refusal, or the mail and the seq of the mail
 * issued to the same recipient just before it (0 if none since start).
 */
export type Enqueued = { code: 'queued'; mail: StoredMail; prevSeq: number } | Refusal;

/**
 * The early push (fanout.ts): `push` gives `mail` to the recipient's sessions on this
 * relay that keep up (true if one took it) before its write. `mayHold`: the sender
 * understands `delivered`, so the store may hold the write back for the recipient's ack
 * (held-puts.ts; in a cluster also for a recipient on another relay, cluster/held-mail.ts).
 */
export interface EarlyPush {
  push(mail: StoredMail, prevSeq: number): boolean;
  readonly mayHold: boolean;
}

/**
 * What the relay needs of a mail store: LevelDB (Mailbox, here) or a NATS
 * cluster's stream (cluster/mailbox.ts). fanout.ts, delivery.ts and the
 * handlers see only this; test/integration/relay/mail-compliance.test.ts runs
 * one suite against both (STYLE.md §12).
 */
export interface MailStore {
  /**
   * Stores one record: a refusal at once (`done` is then never called), or `queued`,
   * and `done` is called once, after the write, with its result and `msgId` (a callback:
   * no promise per message on the relay's hot path). Only where the seq is known before
   * the write (LevelDB) do `mail` and `prevSeq` come at once; `early` pushes the mail
   * before its write where the store can (LevelDB: with its seq; a cluster: with an early
   * seq, only to hold it). `build` runs before enqueue returns, if at all: it may read
   * views of the received Send (codec/hot.ts), which are not kept past that turn.
   */
  enqueue(
    senderId: Uint8Array,
    recipientHex: string,
    build: (seq: number, storedAtMs: number) => Uint8Array,
    /** The sender's message id: in a cluster, the same message sent twice is stored once. */
    msgId: Uint8Array | undefined,
    early: EarlyPush | undefined,
    done: MailDone,
  ): Queued | Refusal;
  read(
    recipientHex: string,
    afterSeq: number,
    limit: number,
  ): Promise<{ mails: StoredMail[]; done: boolean }>;
  ack(recipientHex: string, seqs: readonly number[]): number;
  /** Messages waiting for a recipient; null when the store did not answer. */
  pending(recipientHex: string): number | null | Promise<number | null>;
  /** Whether the store answers (store-reach.ts); absent where it always does (LevelDB). */
  readonly reach?: StoreReach;
  /** Stored messages (in a cluster: as last counted). */
  readonly size: number;
  /** Drops mail older than the TTL; how many. */
  sweep(): number;
  /** The delivery of one session of `link.userHex` (delivery.ts SessionDelivery). */
  deliveryFor(link: DeliveryLink, limits: RelayLimits, log: Logger): SessionDelivery;
  open(): Promise<void>;
  close(): Promise<void>;
}
