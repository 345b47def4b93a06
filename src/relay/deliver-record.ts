/**
 * The stored 1:1 record is the encoded Deliver frame (fanout.ts), so a push
 * hands stored bytes to the socket unchanged. These read it back: when it was
 * stored (for the TTL, at open), and, in a cluster, the record stored with seq
 * 0 given the seq JetStream assigned (cluster/mailbox.ts).
 */
import { decodeFrame, encodeFrame } from '../wire/codec.js';
import { varintAt, varintEnd, varintLength, writeVarint } from '../wire/framing.js';
import { RelayFailureCode, relayFailure } from './errors.js';

/** Frame.deliver (field 8, length-delimited) and Deliver.seq (field 1, varint) tags. */
const DELIVER_TAG = (8 << 3) | 2;
const SEQ_TAG = (1 << 3) | 0;

/**
 * A stored 1:1 record (a Deliver frame stored with seq 0, in a cluster) with its
 * seq: the seq field goes in front of the others, where encodeDeliver puts it, and
 * the frame's length grows by it; same bytes as encoding the frame with the seq
 * (test/unit/relay/deliver-record.test.ts), without decoding it. A record of any
 * other shape is decoded and encoded again; one that does not decode throws.
 */
export function deliverWithSeq(record: Uint8Array, seq: number): Uint8Array {
  const bodyBytes = record[0] === DELIVER_TAG ? varintAt(record, 1, record.length) : -1;
  const bodyAt = varintEnd;
  if (bodyBytes < 0 || bodyAt + bodyBytes !== record.length || record[bodyAt] === SEQ_TAG) {
    const frame = decodeFrame(record);
    if (frame.type !== 'deliver')
      throw relayFailure(RelayFailureCode.StoreOpen, 'stored mail is not a Deliver frame');
    return encodeFrame({ ...frame, seq });
  }
  const seqField = 1 + varintLength(seq);
  const length = bodyBytes + seqField;
  const out = Buffer.allocUnsafe(1 + varintLength(length) + length);
  out[0] = DELIVER_TAG;
  let at = writeVarint(out, length, 1);
  out[at++] = SEQ_TAG;
  at = writeVarint(out, seq, at);
  out.set(record.subarray(bodyAt), at);
  return out;
}

/** Deliver.stored_at_ms: field 6, a varint. */
const STORED_AT_FIELD = 6;
const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/**
 * When a stored 1:1 record (an encoded Deliver frame) was stored, for the TTL; null if
 * unreadable. Read at open for every stored mail: the Deliver's fields are walked for
 * stored_at_ms, skipping the others unread, since decoding copied each ciphertext (most of
 * a start with 500 MB waiting went to those copies and their collection). A record the
 * walk does not understand is decoded, as before.
 */
export function deliverStoredAt(record: Uint8Array): number | null {
  const walked = walkStoredAt(record);
  if (walked >= 0) return walked;
  try {
    const frame = decodeFrame(record);
    return frame.type === 'deliver' ? frame.storedAtMs : null;
  } catch {
    return null;
  }
}

/** stored_at_ms of a Deliver frame laid out as encodeDeliver writes it; -1 if it is not one. */
function walkStoredAt(record: Uint8Array): number {
  if (record[0] !== DELIVER_TAG) return -1;
  const bodyBytes = varintAt(record, 1, record.length);
  const end = varintEnd + bodyBytes;
  if (bodyBytes < 0 || end !== record.length) return -1;
  let at = varintEnd;
  let storedAt = 0; // proto3 leaves 0 out
  while (at < end) {
    const tag = record[at]!;
    const n = varintAt(record, at + 1, end);
    if (tag >= 0x80 || n < 0) return -1;
    if ((tag & 7) === WIRE_BYTES) at = varintEnd + n;
    else if ((tag & 7) === WIRE_VARINT) at = varintEnd;
    else return -1;
    if (tag === ((STORED_AT_FIELD << 3) | WIRE_VARINT)) storedAt = n;
  }
  return at === end && storedAt > 0 ? storedAt : -1;
}
