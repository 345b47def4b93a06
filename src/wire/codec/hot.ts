/**
 * The relay's per-message frames, by hand (issue 14): it reads a Send and a DeliverAck
 * and writes a SendAck for every 1:1 message, and protobufjs building a Frame object,
 * its Send, and the checked copy of each was about a tenth of the relay's main thread at
 * 10,000 msgs/s (decodeFrame 7 %, SendAck encoding 1.5 %). The readers accept the one
 * layout protobufjs writes (fields in number order, packed seqs) and return null for
 * anything else, which the generic decoder then decides, so the two never disagree on
 * what is valid; they throw the generic decoder's codes for a frame laid out this way
 * but out of range. Unit tests hold both directions to protobufjs.
 */
import { boundedBytes, exactBytes } from '../check.js';
import { ProtocolCode, ProtocolError } from '../errors.js';
import { readVarint, varintLength, writeVarint } from '../framing.js';
import {
  BOX_OVERHEAD_BYTES,
  KEY_BYTES,
  MAX_ACK_SEQS,
  MAX_SEALED_BYTES,
  MSG_ID_BYTES,
  NONCE_BYTES,
} from '../limits.js';
import type { Frame, FrameOf } from '../types.js';
import { decodeFileChunkFast } from './chunk.js';
import { ACK_TABLE } from './enums.js';

const WIRE_BYTES = 2;
/** Frame.send, Frame.send_ack and Frame.deliver_ack in proto/natter.proto. */
const FRAME_SEND_TAG = (6 << 3) | WIRE_BYTES;
const FRAME_SEND_ACK_TAG = (7 << 3) | WIRE_BYTES;
const FRAME_DELIVER_ACK_TAG = (9 << 3) | WIRE_BYTES;
/** Send's fields 1-4 (to, msg_id, nonce, ciphertext) and DeliverAck's packed seqs. */
const TAG_1 = (1 << 3) | WIRE_BYTES;
const TAG_2 = (2 << 3) | WIRE_BYTES;
const TAG_3 = (3 << 3) | WIRE_BYTES;
const TAG_4 = (4 << 3) | WIRE_BYTES;
const SEND_ACK_CODE_TAG = 2 << 3;

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

/** The body of a one-field Frame with tag `tag`: [start, end) of its message, or null. */
function inner(body: Uint8Array, tag: number): [number, number] | null {
  const end = body.byteLength;
  if (end < 2 || body[0] !== tag) return null;
  const len = readVarint(body, 1, end);
  if (len === null || len[1] + len[0] !== end) return null;
  return [len[1], end];
}

/** A Send laid out as protobufjs writes it; null for anything else. */
export function decodeSendFast(body: Uint8Array): FrameOf<'send'> | null {
  const span = inner(body, FRAME_SEND_TAG);
  if (span === null) return null;
  let [at] = span;
  const end = span[1];
  const fixed = (tag: number, len: number): number => {
    if (at + 2 + len > end || body[at] !== tag || body[at + 1] !== len) return -1;
    at += 2 + len;
    return at - len;
  };
  const to = fixed(TAG_1, KEY_BYTES);
  if (to < 0) return null;
  const msgId = fixed(TAG_2, MSG_ID_BYTES);
  if (msgId < 0) return null;
  const nonce = fixed(TAG_3, NONCE_BYTES);
  if (nonce < 0 || body[at] !== TAG_4) return null;
  const c = readVarint(body, at + 1, end);
  if (c === null || c[1] + c[0] !== end) return null;
  return {
    type: 'send',
    to: exactBytes('send.to', body.subarray(to, to + KEY_BYTES), KEY_BYTES),
    msgId: exactBytes('send.msg_id', body.subarray(msgId, msgId + MSG_ID_BYTES), MSG_ID_BYTES),
    nonce: exactBytes('send.nonce', body.subarray(nonce, nonce + NONCE_BYTES), NONCE_BYTES),
    ciphertext: boundedBytes(
      'send.ciphertext',
      body.subarray(c[1], end),
      BOX_OVERHEAD_BYTES,
      MAX_SEALED_BYTES,
    ),
  };
}

/** A DeliverAck with packed seqs (as protobufjs writes them); null for anything else. */
export function decodeDeliverAckFast(body: Uint8Array): FrameOf<'deliver-ack'> | null {
  const span = inner(body, FRAME_DELIVER_ACK_TAG);
  if (span === null) return null;
  const [start, end] = span;
  // No seqs at all: protobufjs leaves the field out.
  if (start === end) return { type: 'deliver-ack', seqs: [] };
  if (body[start] !== TAG_1) return null;
  const len = readVarint(body, start + 1, end);
  if (len === null || len[1] + len[0] !== end) return null;
  const seqs: number[] = [];
  let at = len[1];
  while (at < end) {
    const v = readVarint(body, at, end);
    if (v === null) return null;
    if (seqs.length === MAX_ACK_SEQS) {
      throw new ProtocolError(
        ProtocolCode.TooMany,
        `decode: deliver_ack.seqs has more than ${MAX_ACK_SEQS} entries`,
      );
    }
    seqs.push(v[0]);
    at = v[1];
  }
  return { type: 'deliver-ack', seqs };
}

/** One whole Frame body holding a SendAck (no length prefix), the bytes protobufjs writes. */
export function encodeSendAck(f: FrameOf<'send-ack'>): Uint8Array {
  const code = ACK_TABLE.indexOf(f.code);
  const reasonBytes = Buffer.byteLength(f.reason, 'utf8');
  const idLen = f.msgId.byteLength;
  const bodyLen =
    (idLen === 0 ? 0 : 1 + varintLength(idLen) + idLen) +
    (code === 0 ? 0 : 1 + varintLength(code)) +
    (reasonBytes === 0 ? 0 : 1 + varintLength(reasonBytes) + reasonBytes);
  const out = Buffer.allocUnsafe(1 + varintLength(bodyLen) + bodyLen);
  out[0] = FRAME_SEND_ACK_TAG;
  let at = writeVarint(out, bodyLen, 1);
  if (idLen !== 0) {
    out[at++] = TAG_1;
    at = writeVarint(out, idLen, at);
    out.set(f.msgId, at);
    at += idLen;
  }
  if (code !== 0) {
    out[at++] = SEND_ACK_CODE_TAG;
    at = writeVarint(out, code, at);
  }
  if (reasonBytes !== 0) {
    out[at++] = TAG_3;
    at = writeVarint(out, reasonBytes, at);
    out.write(f.reason, at, 'utf8');
  }
  return out;
}
