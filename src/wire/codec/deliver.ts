/**
 * Deliver, by hand: the relay encodes one per stored message, and protobufjs
 * building it (nested card included) was the largest single cost of a Send in
 * the relay's profile. Same bytes as protobufjs: fields in number order, and
 * proto3 defaults (0, empty) left out; unit tests hold the two together
 * (encodeFrameReference in frames.ts) and pin the layout with golden bytes.
 */
import { varintLength, writeVarint } from '../framing.js';
import type { Card, FrameOf } from '../types.js';

/** Frame.deliver in proto/natter.proto; Deliver's and Card's own field numbers are inline below. */
const FRAME_DELIVER_FIELD = 8;
const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/** Encoded size of a field, 0 when proto3 leaves it out (also used by hot.ts). */
export const varintField = (n: number) => (n === 0 ? 0 : 1 + varintLength(n));
export const bytesField = (len: number) => (len === 0 ? 0 : 1 + varintLength(len) + len);

/** Writes fields in order into a buffer sized for them (also used by hot.ts). */
export class Out {
  at = 0;
  constructor(readonly bytes: Buffer) {}

  varint(n: number): void {
    this.at = writeVarint(this.bytes, n, this.at);
  }

  tag(field: number, wire: number): void {
    this.bytes[this.at++] = (field << 3) | wire;
  }

  varintField(field: number, n: number): void {
    if (n === 0) return;
    this.tag(field, WIRE_VARINT);
    this.varint(n);
  }

  bytesField(field: number, b: Uint8Array): void {
    if (b.length === 0) return;
    this.tag(field, WIRE_BYTES);
    this.varint(b.length);
    this.bytes.set(b, this.at);
    this.at += b.length;
  }

  /** Bytes already encoded (a whole field). */
  raw(b: Uint8Array): void {
    this.bytes.set(b, this.at);
    this.at += b.length;
  }

  stringField(field: number, s: string, byteLength: number): void {
    if (byteLength === 0) return;
    this.tag(field, WIRE_BYTES);
    this.varint(byteLength);
    this.at += this.bytes.write(s, this.at, 'utf8');
  }
}

/**
 * A Deliver's `from` field, whole (tag, length, the card): the same bytes in every Deliver
 * from one card, so the relay makes them once per sender and keeps them (fanout.ts).
 */
export function encodeDeliverFrom(from: Card): Uint8Array {
  // Kept by its caller: its own memory, not a slice of the shared pool.
  return writeFrom(from, Buffer.allocUnsafeSlow);
}

function writeFrom(from: Card, alloc: (size: number) => Buffer): Buffer {
  const nameBytes = Buffer.byteLength(from.pseudonym, 'utf8');
  const cardLen =
    bytesField(from.userId.length) +
    bytesField(nameBytes) +
    bytesField(from.boxPk.length) +
    bytesField(from.cardSig.length);
  const out = new Out(alloc(1 + varintLength(cardLen) + cardLen));
  // A present sub-message is written even when empty, as protobufjs does.
  out.tag(2, WIRE_BYTES);
  out.varint(cardLen);
  out.bytesField(1, from.userId);
  out.stringField(2, from.pseudonym, nameBytes);
  out.bytesField(3, from.boxPk);
  out.bytesField(4, from.cardSig);
  return out.bytes;
}

/**
 * One whole Frame body holding a Deliver (no length prefix; see framing.ts). `fromField`
 * is encodeDeliverFrom(f.from), given by a caller that keeps it.
 */
export function encodeDeliver(
  f: FrameOf<'deliver'>,
  fromField: Uint8Array = writeFrom(f.from, Buffer.allocUnsafe),
): Uint8Array {
  const bodyLen =
    varintField(f.seq) +
    fromField.length +
    bytesField(f.msgId.length) +
    bytesField(f.nonce.length) +
    bytesField(f.ciphertext.length) +
    varintField(f.storedAtMs);
  const out = new Out(Buffer.allocUnsafe(1 + varintLength(bodyLen) + bodyLen));
  out.tag(FRAME_DELIVER_FIELD, WIRE_BYTES);
  out.varint(bodyLen);
  out.varintField(1, f.seq);
  out.raw(fromField);
  out.bytesField(3, f.msgId);
  out.bytesField(4, f.nonce);
  out.bytesField(5, f.ciphertext);
  out.varintField(6, f.storedAtMs);
  return out.bytes;
}
