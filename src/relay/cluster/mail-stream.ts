/**
 * The mail stream of a cluster (cluster/mailbox.ts): its configuration, made or
 * brought up to date at every start (streams.ts), its subjects, and the
 * leader's read of a recipient's next stored mail.
 */

import { DiscardPolicy, RetentionPolicy, StorageType, type StoredMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Clock } from '../../util/clock.js';
import { describeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { MAX_FRAME_BYTES } from '../../wire/limits.js';
import type { RelayLimits } from '../limits.js';
import type { Refusal } from '../mail-store.js';
import type { StoreRefusal } from '../store/index.js';
import type { StoreReach } from '../store-reach.js';
import { type ClusterLink, MAIL_STREAM, MAIL_SUBJECT_PREFIX } from './connection.js';
import { ensureStream, nextStored } from './streams.js';

export async function ensureMailStream(
  link: ClusterLink,
  limits: RelayLimits,
  clock: Clock,
): Promise<void> {
  const config = {
    name: MAIL_STREAM,
    subjects: [`${MAIL_SUBJECT_PREFIX}*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    num_replicas: link.replicas,
    // The recipient quota, exact across relays: a publish over it is refused, never
    // an older message dropped.
    max_msgs_per_subject: limits.maxMailboxMessages,
    discard: DiscardPolicy.New,
    discard_new_per_subject: true,
    max_age: nanos(limits.mailTtlMs),
    max_msg_size: MAX_FRAME_BYTES,
  };
  await ensureStream(link, clock, config);
}

/** The subject of `recipientHex`'s mail. */
export function mailSubject(recipientHex: string): string {
  return MAIL_SUBJECT_PREFIX + recipientHex;
}

/**
 * The first message stored on `subject` at or after `fromSeq`, or null, from the
 * stream's leader (not a direct get: a replica's copy may lag behind an ack).
 */
export function nextStoredMail(
  link: ClusterLink,
  clock: Clock,
  subject: string,
  fromSeq: number,
): Promise<StoredMsg | null> {
  return nextStored(link, clock, MAIL_STREAM, subject, fromSeq);
}

/** JetStream API error codes a publish can meet (nats-server's errors.json). */
const JS_PER_SUBJECT_LIMIT = 10077;
const JS_INSUFFICIENT_RESOURCES = 10047;
const JS_STORE_FAILED = 10074;

const REFUSED_UNREACHABLE: StoreRefusal = Object.freeze({
  code: 'internal',
  reason: 'the relay cluster store did not answer',
});

/** The sender's refusal for a mail publish that failed (retry.ts gave up on it). */
export function refusalOf(err: unknown, log: Logger): Refusal {
  const code = (err as { code?: unknown }).code;
  if (code === JS_PER_SUBJECT_LIMIT) {
    return { code: 'recipient-quota', reason: 'recipient mailbox is full' };
  }
  if (code === JS_INSUFFICIENT_RESOURCES || code === JS_STORE_FAILED) {
    return { code: 'disk-full', reason: 'the relay cluster has no room' };
  }
  log.warn('cluster mail publish failed', describeError(err));
  return REFUSED_UNREACHABLE;
}

/** Messages stored for `recipientHex`; null, and `reach` told, if the stream does not answer. */
export async function pendingMail(
  link: ClusterLink,
  recipientHex: string,
  reach: StoreReach,
): Promise<number | null> {
  const subject = mailSubject(recipientHex);
  try {
    const info = await link.jsm.streams.info(MAIL_STREAM, { subjects_filter: subject });
    reach.answered();
    return info.state.subjects?.[subject] ?? 0;
  } catch {
    // Not 0: "nothing waiting" is what a client would then tell its user (store-reach.ts).
    reach.down();
    return null;
  }
}
