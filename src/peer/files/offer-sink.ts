/**
 * What the messaging layer hands incoming file offers (and answers to mine) to (files/transfers.ts implements it):
 * the offer's record goes into the delivery batch's write, and the decision about it (auto-
 * accept, decline over the limit, ask) is taken once that batch is durable.
 */
import type { FileOffer } from '../../wire/types.js';
import type { KvOp } from '../store.js';
import type { CancelIn } from './cancels.js';
import type { OfferMeta } from './offers.js';
import type { IncomingRecord } from './records.js';
import type { ReplyIn } from './replies.js';

export interface OfferSink {
  /** The ops that record a new offer, or null for one already known (a resend). */
  intakeOps(offer: FileOffer, meta: OfferMeta): { ops: KvOp[]; record: IncomingRecord } | null;
  /** Offers whose batch is durable now. */
  arrived(records: IncomingRecord[]): void;
  /** Answers to my offers (replies.ts) whose batch is durable now. */
  replied(replies: readonly ReplyIn[]): void;
  /** Senders' cancels of offers made to me (cancels.ts) whose batch is durable now. */
  cancelled(cancels: readonly CancelIn[]): void;
}
