/**
 * How transfers are kept in the profile's store (STYLE.md §11: stored formats are frozen):
 *
 *   v1!fout!<transfer id hex>  → OutgoingRecord (JSON): an upload, its offer and its sources
 *   v1!fin!<transfer id hex>   → IncomingRecord (JSON): an offer received, and its download
 *
 * Byte fields are lowercase hex. The offer keeps its file key: the profile's store already
 * holds every message in the clear, and a resumed upload or download needs it.
 */
import { bytesEqual, fromHex, toHex } from '../../util/bytes.js';
import type { FileOffer, FileReplyOutcome } from '../../wire/types.js';
import type { ConversationId } from '../conversations/ids.js';
import { del, type KvOp, type PeerStore, putJson } from '../store.js';
import type { OfferState, TransferState } from './api.js';

export const OUTGOING_PREFIX = 'v1!fout!';
export const INCOMING_PREFIX = 'v1!fin!';

/** A FileOffer as JSON: byte fields in hex. */
export interface StoredOffer {
  transferId: string;
  name: string;
  size: number;
  sha256: string;
  chunkBytes: number;
  mime: string;
  fileKey: string;
  noncePrefix: string;
  entries: { path: string; size: number }[];
  /** FileOffer.several; absent in records from before it (false). */
  several?: boolean;
}

/** One file read into the stream, as it was when the offer was made. */
export interface SourceFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export type StoredRecipients = { to: string[] } | { groupId: string };

export interface TransferError {
  code: string;
  message: string;
}

export interface OutgoingRecord {
  offer: StoredOffer;
  /** '@bob' or '#team'. */
  peer: string;
  conversation: ConversationId;
  recipients: StoredRecipients;
  /** The stream's files, in stream order (one for a single file). */
  sources: SourceFile[];
  state: TransferState;
  /** Chunks the relay acknowledged as durable. */
  ackedChunks: number;
  createdAtMs: number;
  error: TransferError | null;
  /** Cancelled or failed: the relay was sent FileDone(cancelled) on a live link. */
  doneSent?: boolean;
  /** What recipients answered (replies.ts), oldest first; absent before the first answer. */
  replies?: StoredReply[];
  /**
   * A group's file: the members the relay left out, over their size limit (FilePutResult
   * left_out), by user id and name then; absent when nobody was.
   */
  leftOut?: { userId: string; name: string }[];
  /**
   * The link was lost before the relay accepted the first FilePut: the offer is posted once
   * a resumed put is accepted (first-put.ts). Absent once posted.
   */
  offerPending?: true;
}

/** A recipient's answer to one of my offers: who (user id hex, their name), what, when. */
export interface StoredReply {
  userId: string;
  name: string;
  outcome: FileReplyOutcome;
  atMs: number;
  /** false until a UI took it (takeFileReplies); absent in what was kept before: told. */
  told?: boolean;
}

export interface IncomingRecord {
  offer: StoredOffer;
  /** Display name (sanitised) of the sender. */
  from: string;
  fromUserId: string;
  conversation: ConversationId;
  group: string | null;
  /** When it arrived here (book.offerTime: a batch's offers a millisecond apart). */
  offeredAtMs: number;
  /** When its sender says it offered it (its message's time); absent in records from before. */
  sentAtMs?: number;
  state: OfferState;
  /** The download folder chosen at accept; null before. */
  dir: string | null;
  savedAs: string | null;
  /** Several paths sent at once (FileOffer.several): what each was saved as in `savedAs`. */
  savedItems?: string[];
  error: TransferError | null;
  /**
   * Chunks of the part file known to be on the disk (fdatasynced at a checkpoint): a resume
   * cuts the part file back to this many. Set to 0 at accept; absent in records from before
   * checkpoints, whose part files were fsynced before every ack (all their whole chunks count).
   */
  durableChunks?: number;
  /** Received or declined: the relay was sent FileDone on a live link. */
  doneSent?: boolean;
  /** The offer was the first word from its sender's key: never auto-accepted (offers.ts). */
  firstContact?: boolean;
  /**
   * Received or declined: false while the answer to the sender (replies.ts) is owed, true once
   * it is in the outbox; absent in records from before answers, which owe none.
   */
  replied?: boolean;
}

export function storeOffer(o: FileOffer): StoredOffer {
  return {
    transferId: toHex(o.transferId),
    name: o.name,
    size: o.size,
    sha256: toHex(o.sha256),
    chunkBytes: o.chunkBytes,
    mime: o.mime,
    fileKey: toHex(o.fileKey),
    noncePrefix: toHex(o.noncePrefix),
    entries: o.entries.map((e) => ({ path: e.path, size: e.size })),
    ...(o.several ? { several: true } : {}),
  };
}

export function loadOffer(s: StoredOffer): FileOffer {
  return {
    transferId: fromHex(s.transferId),
    name: s.name,
    size: s.size,
    sha256: fromHex(s.sha256),
    chunkBytes: s.chunkBytes,
    mime: s.mime,
    fileKey: fromHex(s.fileKey),
    noncePrefix: fromHex(s.noncePrefix),
    entries: s.entries.map((e) => ({ path: e.path, size: e.size })),
    several: s.several === true,
  };
}

export const outgoingOps = (r: OutgoingRecord): KvOp[] => [
  putJson(OUTGOING_PREFIX + r.offer.transferId, r),
];
export const incomingOps = (r: IncomingRecord): KvOp[] => [
  putJson(INCOMING_PREFIX + r.offer.transferId, r),
];
export const forgetOutgoingOps = (id: string): KvOp[] => [del(OUTGOING_PREFIX + id)];

/** Every stored transfer, each kind in id order. */
export async function loadRecords(
  store: Pick<PeerStore, 'scan'>,
): Promise<{ outgoing: OutgoingRecord[]; incoming: IncomingRecord[] }> {
  const outgoing: OutgoingRecord[] = [];
  const incoming: IncomingRecord[] = [];
  for await (const [, r] of store.scan<OutgoingRecord>(OUTGOING_PREFIX)) outgoing.push(r);
  for await (const [, r] of store.scan<IncomingRecord>(INCOMING_PREFIX)) incoming.push(r);
  return { outgoing, incoming };
}

/** Whether the relay's answer to a FileGet (size, chunk size, sender) is the transfer offered. */
export function isOfferedTransfer(
  record: IncomingRecord,
  reply: { size: number | bigint; chunkBytes: number; from: Uint8Array },
): boolean {
  const o = record.offer;
  return (
    Number(reply.size) === o.size &&
    reply.chunkBytes === o.chunkBytes &&
    bytesEqual(reply.from, fromHex(record.fromUserId))
  );
}
