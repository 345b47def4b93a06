/**
 * natter's side of the side-by-side benchmark: the relay as shipped (relay-child.mjs on
 * dist/, via util.ts spawnRelay), with its secure channel (TLS 1.3) or plain TCP
 * (NATTER_BENCH_PLAIN, the relay bench's baseline). Every client registers and logs in
 * for real (RawClient); its Sends are real sealed boxes (200 bytes of plaintext, one
 * per recipient, encoded once as lean-wire.ts does) with the 16-byte message id patched
 * per message: f64 send time, u32 sender, u32 counter. Each client acks its deliveries every
 * 10 ms, in bursts, as the client acks after its own group-committed history write, each on
 * its own clock: client i acks on the 1 ms ticks where tick % 10 === i % 10 (real clients'
 * timers are not in step; one clock for all put 50-500 acks, and as many SendAcks back,
 * into the same millisecond, and the deliveries behind them into the p99).
 */
import { BoxKeyring } from '../../src/crypto/box.js';
import { generateIdentity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { encodeFrame } from '../../src/wire/codec.js';
import { frame as framed, varintLength, writeVarint } from '../../src/wire/framing.js';
import { CLIENT_FEATURES, MAX_ACK_SEQS } from '../../src/wire/limits.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import { type Fleet, PAYLOAD_BYTES, type Server, type Variant } from './compare-load.js';
import { inBatches, reap, TickWriter } from './compare-util.js';
import { keptCode, type SendTemplate, sendTemplate } from './lean-wire.js';
import { spawnRelay } from './util.js';

if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) {
  throw new Error('bench: Peek.f64 reads stamps in place and needs a little-endian machine');
}

const ACK_EVERY_MS = 10;
/** The ack clock's tick: a tenth of the clients ack on each. */
const ACK_TICK_MS = 1;
const FRAME_SEND_ACK = 7;
const FRAME_DELIVER = 8;
const FRAME_DELIVER_ACK = 9;

export function natterVariant(secure: boolean): Variant {
  return {
    system: 'natter',
    label: secure ? 'natter TLS' : 'natter plain',
    tls: secure,
    start: async (): Promise<Server> => {
      const relay = await spawnRelay({ plain: !secure });
      reap(relay.child);
      return {
        pid: relay.child.pid!,
        connect: (n) => NatterFleet.connect(relay.port, !secure, n),
        stop: () => relay.stop(),
      };
    },
  };
}

/**
 * A framed DeliverAck of `seqs`, encoded by hand (checked against encodeFrame once) straight
 * into one buffer: the generator's own garbage is in every figure it takes (its GC pauses
 * stall all its clients at once), and arrays of bytes and spreads made this the fleet's
 * largest allocation.
 */
function deliverAck(seqs: readonly number[], from: number, to: number): Buffer {
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
function checkDeliverAck(): void {
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
class Peek {
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

export class NatterFleet implements Fleet {
  onDelivered: Fleet['onDelivered'] = () => {};
  onRefused: Fleet['onRefused'] = () => {};
  private readonly writer = new TickWriter();
  private readonly owed: number[][];
  private readonly timer: NodeJS.Timeout;
  private counter = 0;
  private lastTick = Math.floor(performance.now() / ACK_TICK_MS);

  private constructor(
    private readonly clientsOf: RawClient[],
    private readonly templates: SendTemplate[],
  ) {
    this.owed = clientsOf.map(() => []);
    const peek = new Peek();
    clientsOf.forEach((client, i) => {
      let arrivedAt = 0;
      client.socket.prependListener('data', () => {
        arrivedAt = performance.now();
      });
      client.onRawFrame = (bytes) => {
        if (!peek.read(bytes)) return false;
        // The stamp read in place: no view per frame (the generator's garbage is in its figures).
        const sender = peek.u32(bytes, peek.idAt + 8);
        if (peek.kind === FRAME_SEND_ACK) {
          if (!keptCode(peek.code)) this.onRefused(sender);
        } else {
          this.owed[i]!.push(peek.seq);
          this.onDelivered(sender, peek.f64(bytes, peek.idAt), arrivedAt);
        }
        return true;
      };
    });
    this.timer = setInterval(() => this.ack(), ACK_TICK_MS);
  }

  get clients(): number {
    return this.clientsOf.length;
  }

  /** `port`, or several relays of one cluster: client i logs in at ports[i % ports.length]. */
  static async connect(port: number | number[], plain: boolean, n: number): Promise<NatterFleet> {
    const ports = typeof port === 'number' ? [port] : port;
    checkDeliverAck();
    const ids = Array.from({ length: n }, () => generateIdentity());
    const sealer = new BoxKeyring(generateIdentity().boxSk);
    const templates = ids.map((to) => {
      const sealed = sealer.seal(to.boxPk, randomBytes(PAYLOAD_BYTES));
      return sendTemplate(to.signPk, sealed.nonce, sealed.ciphertext);
    });
    const clients = await inBatches(n, async (i) => {
      const { client } = await RawClient.login(
        ports[i % ports.length]!,
        ids[i]!,
        `c${i}`,
        'register',
        { plain, features: CLIENT_FEATURES },
      );
      client.keep = false;
      return client;
    });
    return new NatterFleet(clients, templates);
  }

  send(s: number, r: number, sentAtMs: number): void {
    const t = this.templates[r]!;
    const out = Buffer.allocUnsafe(t.bytes.length);
    t.bytes.copy(out);
    out.writeDoubleLE(sentAtMs, t.idOffset);
    out.writeUInt32LE(s, t.idOffset + 8);
    out.writeUInt32LE(this.counter++ >>> 0, t.idOffset + 12);
    this.writer.write(this.clientsOf[s]!.socket, out);
  }

  /** The clients whose turn came since the last tick (a late timer skips no one). */
  private ack(): void {
    const phases = ACK_EVERY_MS / ACK_TICK_MS;
    const now = Math.floor(performance.now() / ACK_TICK_MS);
    const from = Math.max(this.lastTick + 1, now - phases + 1);
    this.lastTick = now;
    for (let t = from; t <= now; t++) this.ackPhase(t % phases, phases);
  }

  private ackPhase(phase: number, phases: number): void {
    for (let i = phase; i < this.owed.length; i += phases) {
      const seqs = this.owed[i]!;
      if (seqs.length === 0) continue;
      for (let j = 0; j < seqs.length; j += MAX_ACK_SEQS) {
        const to = Math.min(seqs.length, j + MAX_ACK_SEQS);
        this.writer.write(this.clientsOf[i]!.socket, deliverAck(seqs, j, to));
      }
      this.owed[i] = [];
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clientsOf) c.close();
  }
}
