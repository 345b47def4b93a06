/**
 * The load generator's side of the wire, kept lean. It stands in for hundreds of
 * machines while sharing two cores with the relay under test, so every
 * microsecond it spends per message is one the relay does not get:
 *  - a Send is encoded once per peer and copied per message, with only the
 *    message id patched in;
 *  - incoming frames are read in place for the few fields the benchmark needs (Peek),
 *    without building or validating domain objects (the relay's frames are trusted
 *    here), and DeliverAcks are written straight into one buffer: the generator's own
 *    garbage is in every figure it takes, since its GC pauses stall all its clients;
 *  - everything written in one tick leaves as one write per socket.
 */
import type { Socket } from 'node:net';
import { ACK_TABLE } from '../../src/wire/codec/enums.js';
import { encodeFrame } from '../../src/wire/codec.js';
import { frame as framed, varintLength, writeVarint } from '../../src/wire/framing.js';
import { MAX_ACK_SEQS } from '../../src/wire/limits.js';
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

if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) {
  throw new Error('bench: Peek.f64 reads stamps in place and needs a little-endian machine');
}

export const FRAME_SEND_ACK = 7;
const FRAME_DELIVER = 8;
const FRAME_DELIVER_ACK = 9;

/** A SendAck's wire code that means the message is safe: `stored`, or `delivered` (held-puts.ts). */
export function keptCode(code: number): boolean {
  const name = ACK_TABLE[code];
  return name !== undefined && isKeptAck(name);
}

/**
 * A framed DeliverAck of `seqs`, encoded by hand (checked against encodeFrame once) straight
 * into one buffer: the generator's own garbage is in every figure it takes (its GC pauses
 * stall all its clients at once), and arrays of bytes and spreads made this the fleet's
 * largest allocation.
 */
export function deliverAck(seqs: readonly number[], from: number, to: number): Buffer {
  let packed = 0;
  for (let i = from; i < to; i++) packed += varintLength(seqs[i]!);
  const inner = 1 + varintLength(packed) + packed;
  const body = 1 + varintLength(inner) + inner;
  const out = Buffer.allocUnsafe(varintLength(body) + body);
  let at = writeVarint(out, body, 0);
  out[at++] = (FRAME_DELIVER_ACK << 3) | 2;
  at = writeVarint(out, inner, at);
  out[at++] = 0x0a;
  at = writeVarint(out, packed, at);
  for (let i = from; i < to; i++) at = writeVarint(out, seqs[i]!, at);
  return out;
}

let checked = false;
export function checkDeliverAck(): void {
  if (checked) return;
  const seqs = [1, 127, 128, 300, 2 ** 40];
  const mine = deliverAck(seqs, 0, seqs.length);
  const codec = Buffer.from(framed(encodeFrame({ type: 'deliver-ack', seqs })));
  if (!mine.equals(codec)) {
    throw new Error(
      `bench: DeliverAck by hand ${mine.toString('hex')} != ${codec.toString('hex')}`,
    );
  }
  checked = true;
}

/** The parts of a Deliver or SendAck the generator reads, from the frame's bytes. */
export class Peek {
  kind = 0;
  seq = 0;
  code = 0;
  /** Offset of the 16-byte message id, or -1. */
  idAt = -1;
  private i = 0;

  read(b: Uint8Array): boolean {
    this.i = 0;
    const tag = this.varint(b);
    this.kind = tag >>> 3;
    if ((this.kind !== FRAME_DELIVER && this.kind !== FRAME_SEND_ACK) || (tag & 7) !== 2) {
      return false;
    }
    const end = this.varint(b) + this.i;
    this.seq = 0;
    this.code = 0;
    this.idAt = -1;
    const idField = this.kind === FRAME_DELIVER ? 3 : 1;
    while (this.i < end) {
      const t = this.varint(b);
      const wire = t & 7;
      if (wire === 0) {
        const v = this.varint(b);
        if (this.kind === FRAME_DELIVER && t >>> 3 === 1) this.seq = v;
        else if (this.kind === FRAME_SEND_ACK && t >>> 3 === 2) this.code = v;
      } else if (wire === 2) {
        const len = this.varint(b);
        if (t >>> 3 === idField && len === 16) this.idAt = this.i;
        this.i += len;
      } else return false;
    }
    return this.idAt >= 0;
  }

  private readonly f64Bytes = new Uint8Array(8);
  private readonly f64View = new Float64Array(this.f64Bytes.buffer);

  /** The little-endian u32 at `at`. */
  u32(b: Uint8Array, at: number): number {
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 2 ** 24;
  }

  /** The little-endian f64 at `at` (checked below: this machine is little-endian). */
  f64(b: Uint8Array, at: number): number {
    for (let k = 0; k < 8; k++) this.f64Bytes[k] = b[at + k]!;
    return this.f64View[0]!;
  }

  private varint(b: Uint8Array): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = b[this.i++]!;
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
    }
  }
}

/** How often each client acks what it got: the real client acks after its group-committed history write. */
export const ACK_EVERY_MS = 10;

/**
 * Each client on its own clock: call `tick` every millisecond, and client i takes its turn
 * on the ticks where tick % ACK_EVERY_MS === i % ACK_EVERY_MS. Real clients' timers are not
 * in step; one clock for all put 50-500 acks, and as many SendAcks back, into the same
 * millisecond, and the deliveries behind them into the p99.
 */
export class StaggeredTurns {
  private lastTick = Math.floor(performance.now());

  constructor(
    private readonly clients: number,
    private readonly turn: (client: number) => void,
  ) {}

  /** The clients whose turn came since the last tick (a late timer skips no one). */
  tick(): void {
    const now = Math.floor(performance.now());
    const from = Math.max(this.lastTick + 1, now - ACK_EVERY_MS + 1);
    this.lastTick = now;
    for (let t = from; t <= now; t++) this.phase(t % ACK_EVERY_MS);
  }

  /** Every client takes its turn now. */
  flush(): void {
    for (let phase = 0; phase < ACK_EVERY_MS; phase++) this.phase(phase);
  }

  private phase(phase: number): void {
    for (let i = phase; i < this.clients; i += ACK_EVERY_MS) this.turn(i);
  }
}

/** The clients' DeliverAcks, on their StaggeredTurns: each acks the seqs it owes. */
export class StaggeredAcks {
  /** Seqs each client has read and not yet acked. */
  readonly owed: number[][];
  private readonly turns: StaggeredTurns;

  constructor(
    clients: number,
    private readonly write: (client: number, ack: Buffer) => void,
  ) {
    this.owed = Array.from({ length: clients }, () => []);
    this.turns = new StaggeredTurns(clients, (i) => this.ack(i));
  }

  tick(): void {
    this.turns.tick();
  }

  flush(): void {
    this.turns.flush();
  }

  private ack(i: number): void {
    const seqs = this.owed[i]!;
    if (seqs.length === 0) return;
    for (let j = 0; j < seqs.length; j += MAX_ACK_SEQS) {
      this.write(i, deliverAck(seqs, j, Math.min(seqs.length, j + MAX_ACK_SEQS)));
    }
    this.owed[i] = [];
  }
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
