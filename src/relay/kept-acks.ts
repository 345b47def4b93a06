/**
 * A kept SendAck (`stored`, `delivered`) that waits for company while the relay is busy
 * (Outbound.queueKeptAck) is queued as its message id behind a mark, and its bytes are
 * written straight into the turn's one buffer (outbound-writes.ts `join`): no frame
 * object, no buffer and no encoder of its own for each (issue 14: about a tenth of the
 * relay's allocation a message at 500 clients at saturation). The bytes are
 * encodeFrame's, from a template made by it with the id left to fill in; a unit test
 * holds the two together.
 */
import { encodeFrame } from '../wire/codec.js';
import { varintLength, writeVarint } from '../wire/framing.js';
import { MSG_ID_BYTES } from '../wire/limits.js';
import { type AckCode, type Frame, type FrameOf, isKeptAck } from '../wire/types.js';

/** The SendAck codes that may wait (outbound.ts mayWait): the kept ones. */
export type KeptAckCode = 'stored' | 'delivered';

/**
 * Delayed frames a connection holds before they leave at the end of the turn anyway: a
 * client sending fast gets its acks in batches of this size at most, and never waits the
 * whole delay for them.
 */
export const OUTBOUND_DELAYED_MAX_FRAMES = 32;

/** Whether `frame` may wait for company (Outbound.queueKeptAck): a SendAck that is not a refusal. */
export function mayWait(frame: Frame): frame is KeptAck {
  return frame.type === 'send-ack' && isKeptAck(frame.code);
}

/** A kept SendAck frame. */
export type KeptAck = FrameOf<'send-ack'> & { code: KeptAckCode };

/** In a turn's queue, marks the next entry as a kept SendAck's message id, by its code. */
export const ACK_STORED = new Uint8Array(0);
export const ACK_DELIVERED = new Uint8Array(0);

interface Template {
  /** The frame body with a zero id; the id goes at `idAt`. */
  body: Uint8Array;
  idAt: number;
  /** On the wire: the body and its length prefix. */
  wireBytes: number;
}

function template(code: AckCode): Template {
  const marked = new Uint8Array(MSG_ID_BYTES).fill(0xa5);
  const body = encodeFrame({ type: 'send-ack', msgId: marked, code, reason: '' });
  let idAt = -1;
  for (let i = 0; i + MSG_ID_BYTES <= body.length && idAt < 0; i++) {
    if (body.subarray(i, i + MSG_ID_BYTES).every((b) => b === 0xa5)) idAt = i;
  }
  if (idAt < 0) throw new Error('kept-acks: no message id in a SendAck');
  body.fill(0, idAt, idAt + MSG_ID_BYTES);
  return { body, idAt, wireBytes: varintLength(body.length) + body.length };
}

const STORED = template('stored');
const DELIVERED = template('delivered');

/** The mark for a kept ack of `code`. */
export function ackMark(code: KeptAckCode): Uint8Array {
  return code === 'stored' ? ACK_STORED : ACK_DELIVERED;
}

/** Whether `item` marks a kept ack (the next entry is its message id). */
export function isAckMark(item: Uint8Array): boolean {
  return item === ACK_STORED || item === ACK_DELIVERED;
}

/** Whether a message id can be queued behind a mark (every id a Send can carry). */
export function keptAckFits(msgId: Uint8Array): boolean {
  return msgId.length === MSG_ID_BYTES;
}

/** Bytes on the wire of the kept ack `mark` stands for (length prefix included). */
export function keptAckWireBytes(mark: Uint8Array): number {
  return (mark === ACK_STORED ? STORED : DELIVERED).wireBytes;
}

/** Writes the framed kept ack `mark` stands for, with `msgId`, into `out` at `off`; where it ends. */
export function writeKeptAck(
  out: Uint8Array,
  off: number,
  mark: Uint8Array,
  msgId: Uint8Array,
): number {
  const t = mark === ACK_STORED ? STORED : DELIVERED;
  const at = writeVarint(out, t.body.length, off);
  out.set(t.body, at);
  out.set(msgId, at + t.idAt);
  return at + t.body.length;
}
