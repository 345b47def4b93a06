/**
 * A new outgoing transfer, from the paths a user named to the offer and its record
 * (docs/files.md "The offer"): the stream hashed (and checked unchanged while it was), a
 * fresh transfer id, file key and nonce prefix, and the sources kept for the upload and its
 * resumes.
 */
import {
  DEFAULT_FILE_CHUNK_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MIN_FILE_CHUNK_BYTES,
  newFileKey,
} from '../../crypto/file-stream.js';
import { randomBytes } from '../../crypto/random.js';
import { TRANSFER_ID_BYTES } from '../../wire/limits.js';
import type { FileOffer } from '../../wire/types.js';
import type { ConversationId } from '../conversations/ids.js';
import type { KvOp } from '../store.js';
import type { FileTarget } from './api.js';
import { type OutgoingRecord, storeOffer } from './records.js';
import type { ReplyPoster } from './replies.js';
import { type StreamPlan, StreamReader } from './stream-source.js';
import { TransferCode, transferError } from './transfer-errors.js';

/** Where an offer goes, resolved: recipients for the FilePut, and the conversation. */
export interface ResolvedTarget {
  peer: string;
  conversation: OutgoingRecord['conversation'];
  recipients: OutgoingRecord['recipients'];
}

/** Posts offers through the outbox (offer-post.ts): 1:1 or to a group. */
export interface OfferPoster extends ReplyPoster {
  resolve(target: FileTarget): Promise<ResolvedTarget>;
  post(target: ResolvedTarget, offer: FileOffer, nowMs: number): Promise<void>;
  /** The members a group's file was left out for (user ids from the relay), as record fields. */
  leftOut(target: ResolvedTarget, ids: readonly Uint8Array[]): Pick<OutgoingRecord, 'leftOut'>;
  /** The messages telling `record`'s recipients I cancelled it (cancels.ts), as ops. */
  cancelOps(record: OutgoingRecord, nowMs: number): KvOp[];
  /** Lets the outbox send what was queued. */
  kick(): void;
  /** The name of the group of `conversation` now (a group renamed since a file was offered). */
  groupName?(conversation: ConversationId): string | undefined;
}

/** The chunk size asked for, or the default. E_FILE_BAD_STATE out of range. */
export function chunkBytesOf(asked: number | undefined): number {
  const n = asked ?? DEFAULT_FILE_CHUNK_BYTES;
  if (!Number.isSafeInteger(n) || n < MIN_FILE_CHUNK_BYTES || n > MAX_FILE_CHUNK_BYTES) {
    throw transferError(
      TransferCode.BadState,
      `send file: chunk size must be ${MIN_FILE_CHUNK_BYTES} to ${MAX_FILE_CHUNK_BYTES} bytes`,
    );
  }
  return n;
}

/** Hashes `plan`'s stream and makes its offer and record ('running', nothing acked). */
export async function buildOutgoing(
  plan: StreamPlan,
  chunkBytes: number,
  dest: ResolvedTarget,
  nowMs: number,
): Promise<{ offer: FileOffer; record: OutgoingRecord }> {
  const reader = new StreamReader(plan.files);
  let sha256: Uint8Array;
  try {
    sha256 = await reader.sha256();
    await reader.checkUnchanged();
  } finally {
    await reader.close();
  }
  const { key, noncePrefix } = newFileKey();
  const offer: FileOffer = {
    transferId: randomBytes(TRANSFER_ID_BYTES),
    name: plan.name,
    size: plan.size,
    sha256,
    chunkBytes,
    mime: '',
    fileKey: key,
    noncePrefix,
    entries: plan.folder ? plan.files.map((f) => ({ path: f.relative, size: f.size })) : [],
    several: plan.several,
  };
  const record: OutgoingRecord = {
    offer: storeOffer(offer),
    peer: dest.peer,
    conversation: dest.conversation,
    recipients: dest.recipients,
    sources: plan.files.map((f) => ({ path: f.path, size: f.size, mtimeMs: f.mtimeMs })),
    state: 'running',
    ackedChunks: 0,
    createdAtMs: nowMs,
    error: null,
  };
  return { offer, record };
}
