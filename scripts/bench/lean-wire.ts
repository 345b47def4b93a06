/**
 * The load generator's side of the wire, kept lean. It stands in for hundreds of
 * machines while sharing two cores with the relay under test, so every
 * microsecond it spends per message is one the relay does not get:
 *  - a Send is encoded once per peer and copied per message, with only the
 *    message id patched in;
 *  - incoming frames are read for the few fields the benchmark needs, without
 *    building or validating domain objects (the relay's frames are trusted here);
 *  - everything written in one tick leaves as one write per socket.
 */
import type { Socket } from 'node:net';
import { ACK_TABLE } from '../../src/wire/codec/enums.js';
import { encodeFrame } from '../../src/wire/codec.js';
import { frame as framed } from '../../src/wire/framing.js';
import { isKeptAck } from '../../src/wire/types.js';

const ID_BYTES = 16;
const MARKER = new Uint8Array(ID_BYTES).fill(0xa5);

export interface SendTemplate {
  bytes: Buffer;
  idOffset: number;
}

/** A framed Send whose 16-byte message id sits at `idOffset`. */
export function sendTemplate(
  to: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
): SendTemplate {
  const bytes = Buffer.from(
    framed(encodeFrame({ type: 'send', to, msgId: MARKER, nonce, ciphertext })),
  );
  const idOffset = bytes.indexOf(MARKER);
  if (idOffset < 0) throw new Error('bench: message id not found in the encoded Send');
  return { bytes, idOffset };
}

/** A copy of the template with the id set to (send time, counter). */
export function stamp(t: SendTemplate, sentAtMs: number, counter: number): Buffer {
  const out = Buffer.allocUnsafe(t.bytes.length);
  t.bytes.copy(out);
  out.writeDoubleLE(sentAtMs, t.idOffset);
  out.writeDoubleLE(counter, t.idOffset + 8);
  return out;
}

export type Peeked =
  | { kind: 'deliver'; seq: number; sentAtMs: number }
  | { kind: 'send-ack'; stored: boolean; sentAtMs: number }
  | null;

const FRAME_SEND_ACK = 7;
const FRAME_DELIVER = 8;
/** A SendAck's wire code that means the message is safe: `stored`, or `delivered` (held-puts.ts). */
export function keptCode(code: number): boolean {
  const name = ACK_TABLE[code];
  return name !== undefined && isKeptAck(name);
}

/** The fields the benchmark reads from a Deliver or SendAck; null for any other frame. */
export function peek(bytes: Uint8Array): Peeked {
  const outer = fields(bytes, 0, bytes.length);
  const body = outer.find((f) => f.num === FRAME_SEND_ACK || f.num === FRAME_DELIVER);
  if (!body || body.len === undefined) return null;
  const inner = fields(bytes, body.at, body.at + body.len);
  const sentAt = (num: number) => {
    const f = inner.find((x) => x.num === num);
    if (!f || f.len !== ID_BYTES) return Number.NaN;
    return new DataView(bytes.buffer, bytes.byteOffset + f.at, ID_BYTES).getFloat64(0, true);
  };
  if (body.num === FRAME_SEND_ACK) {
    const code = inner.find((x) => x.num === 2)?.value ?? 0;
    return { kind: 'send-ack', stored: keptCode(code), sentAtMs: sentAt(1) };
  }
  return { kind: 'deliver', seq: inner.find((x) => x.num === 1)?.value ?? 0, sentAtMs: sentAt(3) };
}

interface Field {
  num: number;
  /** Varint value (wire type 0). */
  value?: number;
  /** Start and length of a length-delimited field (wire type 2). */
  at: number;
  len?: number;
}

function fields(b: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let i = start;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = b[i++]!;
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < end) {
    const tag = varint();
    const num = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) out.push({ num, value: varint(), at: i });
    else if (wire === 2) {
      const len = varint();
      out.push({ num, at: i, len });
      i += len;
    } else throw new Error(`bench: unexpected wire type ${wire}`);
  }
  return out;
}

/** Coalesces the writes of one tick: one write per socket. */
export class TickWriter {
  private readonly pending = new Map<Socket, Buffer[]>();
  private scheduled = false;

  write(socket: Socket, buf: Buffer): void {
    let list = this.pending.get(socket);
    if (!list) {
      list = [];
      this.pending.set(socket, list);
    }
    list.push(buf);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    for (const [socket, list] of this.pending) {
      if (!socket.destroyed) socket.write(list.length === 1 ? list[0]! : Buffer.concat(list));
    }
    this.pending.clear();
  }
}
