/**
 * How an outbox entry is stored (STYLE.md §11: stored formats are frozen).
 *
 *   v2!outbox!<local seq, 16 digits>  → bytes:
 *     u8    record format (1)
 *     u32   big-endian length of the header
 *     ...   header: the entry as UTF-8 JSON, without its sealed payload
 *     ...   sealed payload, if any: recipient user id (32) ‖ nonce (24) ‖ ciphertext (the rest)
 *
 *   or, for a group message (issue 11), sealed once for the whole group when composed:
 *     u8    record format (2)
 *     u32   big-endian length of the header
 *     ...   header: the entry as UTF-8 JSON, without its sealed message
 *     ...   the sealed group message (src/crypto/group-message.ts layout): the rest
 *
 * The sealed payload is kept as the bytes that go on the wire (issue 9: it used
 * to be hex and base64 inside JSON). Entries written before issue 9 live under
 * v1!outbox! as JSON ({ toName, kind, body | receiptFor, sealed: { to, nonce,
 * ciphertext } } in hex and base64); they are still read and sent, and move to
 * v2 the first time they are written (outbox.ts).
 */
import { concatBytes, copyBytes, fromHex } from '../../util/bytes.js';
import { KEY_BYTES, NONCE_BYTES } from '../../wire/limits.js';
import type { FileReplyOutcome } from '../../wire/types.js';
import { type ConversationId, directConversation } from '../conversations/ids.js';
import { PeerCode, peerError } from '../errors.js';
import type { StoredOffer } from '../files/records.js';

/** What an outgoing message carries. */
export type OutgoingContent =
  | { kind: 'text'; body: string }
  /** "I have your messages" (receipts.ts): the acknowledged message ids, hex. */
  | { kind: 'receipt'; msgIds: string[] }
  /**
   * My sender chain of a group epoch, for one member (groups/shares.ts): sealed only to
   * the card of user id `to` (hex), never to another key that the name may have now.
   */
  | { kind: 'sender-key'; groupId: string; epoch: number; share: string; to: string }
  /** A group message (conversation '#<group id>'): its sealed form is `sealedGroup`. */
  | { kind: 'group-text'; body: string }
  /** A file offered to one person (docs/files.md): the offer, byte fields in hex. */
  | { kind: 'file-offer'; offer: StoredOffer }
  /** A file offered to a group: sealed once, like group-text, in `sealedGroup`. */
  | { kind: 'group-file-offer'; offer: StoredOffer }
  /**
   * My answer to a file offer (files/replies.ts), to its sender: sealed only to the card of
   * user id `to` (hex), the key the offer came from, like a sender key.
   */
  | { kind: 'file-reply'; transferId: string; outcome: FileReplyOutcome; to: string }
  /**
   * A file of mine I cancelled, told to one of its recipients (files/cancels.ts): sealed
   * only to the card of user id `to` (hex), whom the offer went to, like a sender key.
   */
  | { kind: 'file-cancel'; transferId: string; to: string };

export type OutgoingKind = OutgoingContent['kind'];

/** The sealed form of an entry: exactly what a Send frame carries. */
export interface SealedPayload {
  /** Recipient user id. */
  to: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

/**
 * queued: to be sent; held: the recipient's key changed, waits for trust().
 * Refused messages leave the outbox; their history entry says 'failed' and why.
 */
export type OutboxState = 'queued' | 'held';

export interface OutboxEntry {
  /** Hex, 16 bytes. */
  msgId: string;
  conversation: ConversationId;
  /**
   * One-to-one: the recipient's name as the user typed it (NFKC). The relay is
   * asked for that name while the contact is not pinned; the conversation id is
   * only its case-folded key.
   */
  peerName?: string;
  content: OutgoingContent;
  counter: number;
  sentAtMs: number;
  sealed?: SealedPayload;
  /** A group message, sealed once when composed: exactly what a GroupSend frame carries. */
  sealedGroup?: Uint8Array;
  state: OutboxState;
  attempts: number;
  reason?: string;
}

/** The record formats: one-to-one (sealed per recipient), and a group message. */
const FORMAT = 1;
const GROUP_FORMAT = 2;
const HEADER_AT = 5;

type Header = Omit<OutboxEntry, 'sealed' | 'sealedGroup'>;

export function encodeOutboxRecord(entry: OutboxEntry): Uint8Array {
  const { sealed, sealedGroup, ...header } = entry;
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.alloc(HEADER_AT);
  head.writeUInt8(sealedGroup === undefined ? FORMAT : GROUP_FORMAT, 0);
  head.writeUInt32BE(json.length, 1);
  const parts: Uint8Array[] = [head, json];
  if (sealedGroup !== undefined) parts.push(sealedGroup);
  else if (sealed !== undefined) parts.push(sealed.to, sealed.nonce, sealed.ciphertext);
  return concatBytes(...parts);
}

/** Throws E_STORE_CORRUPT for a record this version cannot read. */
export function decodeOutboxRecord(bytes: Uint8Array): OutboxEntry {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = buf.length < HEADER_AT ? 0 : buf.readUInt8(0);
  if (format !== FORMAT && format !== GROUP_FORMAT) throw corrupt('unknown record format');
  const end = HEADER_AT + buf.readUInt32BE(1);
  if (end > buf.length) throw corrupt('header runs past the record');
  const header = JSON.parse(buf.subarray(HEADER_AT, end).toString('utf8')) as Header;
  if (format === GROUP_FORMAT) {
    if (end === buf.length) throw corrupt('the sealed group message is missing');
    return { ...header, sealedGroup: copyBytes(buf.subarray(end)) };
  }
  if (end === buf.length) return header;
  const sealedAt = end + KEY_BYTES + NONCE_BYTES;
  if (sealedAt >= buf.length) throw corrupt('sealed payload is cut short');
  return {
    ...header,
    sealed: {
      to: copyBytes(buf.subarray(end, end + KEY_BYTES)),
      nonce: copyBytes(buf.subarray(end + KEY_BYTES, sealedAt)),
      ciphertext: copyBytes(buf.subarray(sealedAt)),
    },
  };
}

/** An entry as written before issue 9 (v1!outbox!, JSON). */
export interface LegacyOutboxEntry {
  msgId: string;
  kind: 'text' | 'receipt';
  toName: string;
  body?: string;
  receiptFor?: string[];
  counter: number;
  sentAtMs: number;
  sealed?: { to: string; nonce: string; ciphertext: string };
  state: OutboxState;
  attempts: number;
  reason?: string;
}

/** A pre-issue-9 entry in today's shape: same message, same sealed bytes. */
export function fromLegacyEntry(old: LegacyOutboxEntry): OutboxEntry {
  const entry: OutboxEntry = {
    msgId: old.msgId,
    conversation: directConversation(old.toName),
    peerName: old.toName,
    content:
      old.kind === 'text'
        ? { kind: 'text', body: old.body ?? '' }
        : { kind: 'receipt', msgIds: old.receiptFor ?? [] },
    counter: old.counter,
    sentAtMs: old.sentAtMs,
    state: old.state,
    attempts: old.attempts,
  };
  if (old.reason !== undefined) entry.reason = old.reason;
  if (old.sealed !== undefined) {
    entry.sealed = {
      to: fromHex(old.sealed.to),
      nonce: fromHex(old.sealed.nonce),
      ciphertext: new Uint8Array(Buffer.from(old.sealed.ciphertext, 'base64')),
    };
  }
  return entry;
}

const corrupt = (why: string) =>
  peerError(PeerCode.StoreCorrupt, `outbox: a stored entry does not decode: ${why}`);
