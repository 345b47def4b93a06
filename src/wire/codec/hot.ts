/**
 * The relay's per-message frames, by hand (issue 14): it reads a Send and a DeliverAck
 * and writes a SendAck for every 1:1 message, and protobufjs building a Frame object,
 * its Send, and the checked copy of each was about a tenth of the relay's main thread at
 * 10,000 msgs/s (decodeFrame 7 %, SendAck encoding 1.5 %). The readers accept the one
 * layout protobufjs writes (fields in number order, packed seqs) and return null for
 * anything else, which the generic decoder then decides, so the two never disagree on
 * what is valid; they throw the generic decoder's codes for a frame laid out this way
 * but out of range. Unit tests hold both directions to protobufjs. Unlike the generic
 * decoder, a Send's recipient, nonce and ciphertext are views of the frame, not copies,
 * made only when read (ReceivedSend, below), and its Deliver is written from its bytes.
 */
import { keyToHex, keyToHexAt } from '../../util/bytes.js';
import { boundedBytes } from '../check.js';
import { ProtocolCode, ProtocolError } from '../errors.js';
import { varintAt, varintEnd, varintLength } from '../framing.js';
import {
  BOX_OVERHEAD_BYTES,
  KEY_BYTES,
  MAX_ACK_SEQS,
  MAX_SEALED_BYTES,
  MSG_ID_BYTES,
  NONCE_BYTES,
} from '../limits.js';
import type { Card, Frame, FrameOf } from '../types.js';
import { decodeFileChunkFast } from './chunk.js';
import { bytesField, encodeDeliver, Out, varintField } from './deliver.js';
import { ACK_TABLE } from './enums.js';

const WIRE_BYTES = 2;
/** Frame.send and Frame.deliver_ack in proto/natter.proto (send_ack, 7: encodeSendAck). */
const FRAME_SEND_TAG = (6 << 3) | WIRE_BYTES;
const FRAME_DELIVER_ACK_TAG = (9 << 3) | WIRE_BYTES;
/** Send's fields 1-4 (to, msg_id, nonce, ciphertext) and DeliverAck's packed seqs. */
const TAG_1 = (1 << 3) | WIRE_BYTES;
const TAG_2 = (2 << 3) | WIRE_BYTES;
const TAG_3 = (3 << 3) | WIRE_BYTES;
const TAG_4 = (4 << 3) | WIRE_BYTES;
const TAG_5 = (5 << 3) | WIRE_BYTES;
/** Frame.deliver (encodeDeliverOfSend). */
const FRAME_DELIVER_FIELD = 8;

/** Send, DeliverAck or FileChunk in protobufjs's layout, by the first byte; null otherwise. */
export function decodeFast(body: Uint8Array): Frame | null {
  switch (body[0]) {
    case FRAME_SEND_TAG:
      return decodeSendFast(body);
    case FRAME_DELIVER_ACK_TAG:
      return decodeDeliverAckFast(body);
    default:
      return decodeFileChunkFast(body);
  }
}

/**
 * Where the message of a one-field Frame with tag `tag` starts (it ends at the body's
 * end), or -1.
 */
function inner(body: Uint8Array, tag: number): number {
  const end = body.length;
  if (end < 2 || body[0] !== tag) return -1;
  const len = varintAt(body, 1, end);
  return len < 0 || varintEnd + len !== end ? -1 : varintEnd;
}

/** A field of `len` bytes (a one-byte length) with tag `tag` at `at`: where its value starts, or -1. */
function fixedField(body: Uint8Array, at: number, end: number, tag: number, len: number): number {
  if (at + 2 + len > end || body[at] !== tag || body[at + 1] !== len) return -1;
  return at + 2;
}

/** A Send laid out as protobufjs writes it; null for anything else. */
export function decodeSendFast(body: Uint8Array): FrameOf<'send'> | null {
  const start = inner(body, FRAME_SEND_TAG);
  if (start < 0) return null;
  const end = body.length;
  // Fixed-size fields 1-3, each `tag, length, bytes`: where each value starts, or -1.
  const to = fixedField(body, start, end, TAG_1, KEY_BYTES);
  const msgId = to < 0 ? -1 : fixedField(body, to + KEY_BYTES, end, TAG_2, MSG_ID_BYTES);
  const nonce = msgId < 0 ? -1 : fixedField(body, msgId + MSG_ID_BYTES, end, TAG_3, NONCE_BYTES);
  if (nonce < 0) return null;
  const at = nonce + NONCE_BYTES;
  if (body[at] !== TAG_4) return null;
  const cipherBytes = varintAt(body, at + 1, end);
  const cipher = varintEnd;
  if (cipherBytes < 0 || cipher + cipherBytes !== end) return null;
  // Out of range: the generic decoder's coded error (boundedBytes throws; it copies only
  // a value in range, which this one is not).
  if (cipherBytes < BOX_OVERHEAD_BYTES || cipherBytes > MAX_SEALED_BYTES) {
    boundedBytes(
      'send.ciphertext',
      body.subarray(cipher, end),
      BOX_OVERHEAD_BYTES,
      MAX_SEALED_BYTES,
    );
  }
  return new ReceivedSend(body, to, copied(body, msgId, MSG_ID_BYTES), cipher);
}

/** A Send's recipient in hex: read in its frame when decodeSendFast read it (no view made). */
export function sendRecipientHex(frame: { readonly to: Uint8Array }): string {
  return frame instanceof ReceivedSend ? frame.toHex : keyToHex(frame.to);
}

/** Where a read Send's fields start, from where its recipient's value does (their fixed sizes). */
const MSG_ID_TAG_AT = KEY_BYTES;
const NONCE_AT = MSG_ID_TAG_AT + 2 + MSG_ID_BYTES + 2;

/**
 * A Send read by decodeSendFast, in its frame: recipient, nonce and ciphertext are made
 * (as views, `view` below) only when read, and the relay reads none of the last two: it
 * copies the Send's own msg_id, nonce and ciphertext fields into the Deliver in one piece
 * (encodeDeliverOfSend): decode and Deliver 511-585 ns a message against 927-991 with
 * three views and three copies (issue 14). The message id is a copy of its own.
 */
export class ReceivedSend {
  readonly type = 'send';

  constructor(
    private readonly body: Uint8Array,
    /** Where the recipient's value starts; the other fixed fields follow it. */
    private readonly at: number,
    readonly msgId: Uint8Array,
    private readonly cipherAt: number,
  ) {}

  get to(): Uint8Array {
    return view(this.body, this.at, KEY_BYTES);
  }

  /** The recipient's id in hex (keyToHex), read in place: no view made. */
  get toHex(): string {
    return keyToHexAt(this.body, this.at);
  }

  get nonce(): Uint8Array {
    return view(this.body, this.at + NONCE_AT, NONCE_BYTES);
  }

  get ciphertext(): Uint8Array {
    return view(this.body, this.cipherAt, this.body.length - this.cipherAt);
  }

  /** Bytes from the msg_id field's tag to the end: Deliver's fields 3-5 but for their tags. */
  get sealedFieldsBytes(): number {
    return this.body.length - this.at - MSG_ID_TAG_AT;
  }

  /**
   * Copies those bytes into `out` at `off`, each field's tag moved on by one (Deliver's
   * numbers). It may write the Send's bytes before them below `off` too (the whole frame
   * in one copy, no view made: a view was a tenth of the relay's allocation per message),
   * so the caller writes what goes below `off` after this.
   */
  copySealedFields(out: Uint8Array, off: number): void {
    const start = this.at + MSG_ID_TAG_AT;
    if (off >= start) out.set(this.body, off - start);
    else
      out.set(
        new Uint8Array(this.body.buffer, this.body.byteOffset + start, this.sealedFieldsBytes),
        off,
      );
    out[off] = TAG_3;
    out[off + 2 + MSG_ID_BYTES] = TAG_4;
    out[off + NONCE_AT - MSG_ID_TAG_AT + NONCE_BYTES] = TAG_5;
  }
}

/**
 * A Deliver's frame body of `msg` (a Send): from its own bytes when decodeSendFast read it,
 * as encodeDeliver otherwise (the same bytes either way; unit tests hold them together).
 * `fromField` is encodeDeliverFrom(from).
 */
export function encodeDeliverOfSend(
  msg: { msgId: Uint8Array; nonce: Uint8Array; ciphertext: Uint8Array },
  seq: number,
  from: Card,
  fromField: Uint8Array,
  storedAtMs: number,
): Uint8Array {
  if (!(msg instanceof ReceivedSend)) {
    const { msgId, nonce, ciphertext } = msg;
    return encodeDeliver(
      { type: 'deliver', seq, from, msgId, nonce, ciphertext, storedAtMs },
      fromField,
    );
  }
  const sealed = msg.sealedFieldsBytes;
  const bodyLen = varintField(seq) + fromField.length + sealed + varintField(storedAtMs);
  const out = new Out(Buffer.allocUnsafe(1 + varintLength(bodyLen) + bodyLen));
  // The sealed fields first: their copy may write below where they start (copySealedFields).
  const sealedAt = 1 + varintLength(bodyLen) + varintField(seq) + fromField.length;
  msg.copySealedFields(out.bytes, sealedAt);
  out.tag(FRAME_DELIVER_FIELD, WIRE_BYTES);
  out.varint(bodyLen);
  out.varintField(1, seq);
  out.raw(fromField);
  out.at += sealed;
  out.varintField(6, storedAtMs);
  return out.bytes;
}

/**
 * `len` bytes of `body` at `at`, not copied: a Send's recipient, nonce and ciphertext are
 * read in the turn the Send arrives (the relay builds the Deliver record from them) and
 * the decoder never reuses a frame's buffer (framing.ts), as with a FileChunk's data
 * (chunk.ts). Its message id is copied: the SendAck keeps it.
 */
function view(body: Uint8Array, at: number, len: number): Uint8Array {
  return new Uint8Array(body.buffer, body.byteOffset + at, len);
}

/** The slab message ids are copied into (copied), and where its free part starts. */
const ID_SLAB_BYTES = 4096;
let idSlab = new ArrayBuffer(ID_SLAB_BYTES);
let idSlabAt = 0;

/**
 * A copy of `len` bytes of `body` at `at` (a message id), with no view made first: a
 * Uint8Array over a shared 4 KiB slab, one object where a Uint8Array of its own is
 * three (its ArrayBuffer and the bytes on V8's heap: about 220 bytes a message against
 * 100). A slab lives while one of its ids does: a SendAck's wait, or a held put's.
 */
function copied(body: Uint8Array, at: number, len: number): Uint8Array {
  if (idSlabAt + len > ID_SLAB_BYTES) {
    idSlab = new ArrayBuffer(ID_SLAB_BYTES);
    idSlabAt = 0;
  }
  const out = new Uint8Array(idSlab, idSlabAt, len);
  idSlabAt += len;
  for (let i = 0; i < len; i++) out[i] = body[at + i]!;
  return out;
}

/** A DeliverAck with packed seqs (as protobufjs writes them); null for anything else. */
export function decodeDeliverAckFast(body: Uint8Array): FrameOf<'deliver-ack'> | null {
  const start = inner(body, FRAME_DELIVER_ACK_TAG);
  if (start < 0) return null;
  const end = body.length;
  // No seqs at all: protobufjs leaves the field out.
  if (start === end) return { type: 'deliver-ack', seqs: [] };
  if (body[start] !== TAG_1) return null;
  const len = varintAt(body, start + 1, end);
  if (len < 0 || varintEnd + len !== end) return null;
  const seqs: number[] = [];
  let at = varintEnd;
  while (at < end) {
    const v = varintAt(body, at, end);
    if (v < 0) return null;
    if (seqs.length === MAX_ACK_SEQS) {
      throw new ProtocolError(
        ProtocolCode.TooMany,
        `decode: deliver_ack.seqs has more than ${MAX_ACK_SEQS} entries`,
      );
    }
    seqs.push(v);
    at = varintEnd;
  }
  return { type: 'deliver-ack', seqs };
}

/** One whole Frame body holding a SendAck (no length prefix), the bytes protobufjs writes. */
export function encodeSendAck(f: FrameOf<'send-ack'>): Uint8Array {
  const code = ACK_TABLE.indexOf(f.code);
  // A kept ack (stored, delivered) has no reason: no call into Node to measure it.
  const reasonBytes = f.reason.length === 0 ? 0 : Buffer.byteLength(f.reason, 'utf8');
  const bodyLen = bytesField(f.msgId.length) + varintField(code) + bytesField(reasonBytes);
  const out = new Out(Buffer.allocUnsafe(1 + varintLength(bodyLen) + bodyLen));
  out.tag(7, WIRE_BYTES);
  out.varint(bodyLen);
  out.bytesField(1, f.msgId);
  out.varintField(2, code);
  out.stringField(3, f.reason, reasonBytes);
  return out.bytes;
}
