/**
 * natter's side of the groups benchmark: a hundred RawClients logged in to the relay
 * under test, one group holding them all (created by member 0 with a signed create,
 * as the real client makes it), and the first few members sending.
 *
 * The generator shares the machine's cores with the relay, so it is lean, as
 * lean-wire.ts is for 1:1: GroupSends are sealed and framed before each phase in
 * worker threads (groups-seal.mjs) and written as they are; GroupDeliver and SendAck
 * frames are read for the few fields the benchmark needs (gseq, msg id, ack code)
 * without decoding; acks are framed by hand. Each member acknowledges like the real
 * client: every ACK_EVERY_MS, one cumulative GroupAck through the highest gseq it got.
 */
import { Worker } from 'node:worker_threads';
import { prepareCreate, signChange } from '../../src/crypto/group-log.js';
import { MIN_GROUP_MESSAGE_BYTES } from '../../src/crypto/group-message.js';
import { generateIdentity, type Identity } from '../../src/crypto/keys.js';
import { encodeFrame } from '../../src/wire/codec.js';
import { frame as framed, varintLength, writeVarint } from '../../src/wire/framing.js';
import type { GroupChange } from '../../src/wire/types.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import { type Fleet, type Tracker, unitReader } from './groups-load.js';
import { TickWriter } from './lean-wire.js';
import type { RelayProcess } from './util.js';

/** How often each member acknowledges (NATTER_BENCH_GROUP_ACK_MS; the brief's ~10 ms). */
export const ACK_EVERY_MS = Number(process.env.NATTER_BENCH_GROUP_ACK_MS ?? 10);
const SEAL_WORKERS = 2;

const FRAME_SEND_ACK = 7;
const FRAME_GROUP_DELIVER = 21;
/** GroupDeliver.gseq, GroupDeliver.message, GroupMessage.msg_id; SendAck.msg_id and code. */
const DELIVER_GSEQ = 2;
const DELIVER_MESSAGE = 5;
const MESSAGE_MSG_ID = 2;
const ACK_MSG_ID = 1;
const ACK_CODE = 2;

interface Member {
  client: RawClient;
  /** Highest gseq received, and the highest acknowledged. */
  highest: number;
  acked: number;
}

interface Pool {
  /** Framed GroupSends of messages base, base + 1, ..., `stride` bytes each. */
  bytes: Buffer;
  base: number;
  stride: number;
  /** Messages sealed so far (the next one to seal). */
  sealed: number;
}

// The reader's position, shared by the lean parsers below (no allocation per frame).
let at = 0;
/** When the chunk being read arrived: one clock read per chunk, not per frame. */
let arrivedAt = 0;

function varint(b: Uint8Array): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[at++]!;
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) return v;
    mul *= 128;
  }
}

function skip(b: Uint8Array, wire: number): void {
  // A varint is stepped over, not computed: a 64-bit value (stored_at_ms) would be a
  // heap-allocated double per frame, garbage the generator cannot afford at 1 M frames/s.
  if (wire === 0) while (b[at++]! >= 0x80);
  else if (wire === 2) {
    const len = varint(b); // not `at += varint(b)`: that reads `at` before varint moves it
    at += len;
  } else if (wire === 1) at += 8;
  else if (wire === 5) at += 4;
  else throw new Error(`bench: unexpected wire type ${wire}`);
}

const u32be = (b: Uint8Array, i: number) =>
  b[i]! * 0x1000000 + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);

export class NatterGroup implements Fleet {
  readonly perMessage: number;
  deliveries = 0;
  readonly received = { chunks: 0, bytes: 0 };
  refused = 0;
  /** Frames other than GroupDeliver and SendAck after setup (none expected). */
  unexpected = 0;
  readonly inflight: number[];
  tracker: Tracker | null = null;
  onFree: ((s: number) => void) | null = null;
  readonly pid: number;
  private readonly next: number[];
  private readonly pools: Pool[];
  private readonly writer = new TickWriter();
  private readonly ackTimer: NodeJS.Timeout;
  private readonly workers: Worker[];

  /** The sealed body of a `plaintextBytes` message: header, nonce, box tag and signature. */
  static bodyBytes(plaintextBytes: number): number {
    return MIN_GROUP_MESSAGE_BYTES + plaintextBytes;
  }

  private constructor(
    relay: RelayProcess,
    private readonly ids: Identity[],
    private readonly members: Member[],
    readonly senders: number,
    private readonly groupId: Uint8Array,
    plaintextBytes: number,
  ) {
    this.perMessage = members.length;
    this.pid = relay.child.pid!;
    this.inflight = new Array(senders).fill(0);
    this.next = new Array(senders).fill(0);
    this.pools = Array.from({ length: senders }, () => ({
      bytes: Buffer.alloc(0),
      base: 0,
      stride: 0,
      sealed: 0,
    }));
    for (const m of members) {
      m.client.onRawFrame = (bytes) => {
        arrivedAt = performance.now();
        return this.onFrame(m, bytes, 0, bytes.length);
      };
    }
    this.ackTimer = setInterval(() => this.ackAll(), ACK_EVERY_MS);
    this.workers = Array.from(
      { length: Math.min(SEAL_WORKERS, senders) },
      () =>
        new Worker(new URL('./groups-seal.mjs', import.meta.url), {
          workerData: { groupId, plaintextBytes },
        }),
    );
  }

  /** `n` members logged in (TLS 1.3 unless the relay is plain), then one group of them all. */
  static async create(
    relay: RelayProcess,
    n: number,
    senders: number,
    plaintextBytes: number,
  ): Promise<NatterGroup> {
    const ids = Array.from({ length: n }, () => generateIdentity());
    const members: Member[] = [];
    for (let i = 0; i < n; i += 50) {
      const batch = ids.slice(i, i + 50).map(async (id, j) => {
        const { client } = await RawClient.login(relay.port, id, `g${i + j}`, 'register', {
          plain: relay.plain,
        });
        client.keep = false;
        return { client, highest: 0, acked: 0 };
      });
      members.push(...(await Promise.all(batch)));
    }
    const admin = ids[0]!;
    const create = signChange(
      admin.signSk,
      prepareCreate(
        admin.signPk,
        'bench',
        ids.slice(1).map((id) => id.signPk),
      ),
    ) as GroupChange;
    const group = new NatterGroup(relay, ids, members, senders, create.groupId, plaintextBytes);
    checkAckFrame(create.groupId);
    const first = members[0]!.client;
    first.send({ type: 'group-change', requestId: 1, change: create });
    const result = await first.next((f) => f.type === 'group-change-result', 10_000);
    if (result.type !== 'group-change-result' || result.code !== '') {
      throw new Error(`bench: group create refused: ${JSON.stringify(result)}`);
    }
    // Every member has the create item (and has acknowledged it) before the first send.
    const t0 = performance.now();
    while (members.some((m) => m.acked < result.gseq)) {
      if (performance.now() - t0 > 10_000) throw new Error('bench: the create did not reach all');
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const m of members) group.lean(m);
    return group;
  }

  /** Seals (in the workers) until every sender has at least `n` messages not yet sent. */
  async seal(n: number): Promise<void> {
    const jobs = this.pools.map((pool, s) => {
      const count = this.next[s]! + n - pool.sealed;
      if (count <= 0) return Promise.resolve();
      const from = pool.sealed;
      const worker = this.workers[s % this.workers.length]!;
      return new Promise<void>((resolve, reject) => {
        const onMessage = (reply: {
          sender: number;
          from: number;
          stride: number;
          buf: ArrayBuffer;
        }) => {
          if (reply.sender !== s || reply.from !== from) return;
          worker.off('message', onMessage);
          worker.off('error', reject);
          // Keep what is not sent yet, then the new messages.
          const keep = pool.bytes.subarray((this.next[s]! - pool.base) * pool.stride);
          pool.bytes = Buffer.concat([keep, Buffer.from(reply.buf)]);
          pool.base = this.next[s]!;
          pool.stride = reply.stride;
          pool.sealed = from + count;
          resolve();
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        worker.postMessage({ sender: s, userId: this.ids[s]!.signPk, from, count });
      });
    });
    await Promise.all(jobs);
  }

  nextOf(s: number): number {
    return this.next[s]!;
  }

  send(s: number): boolean {
    const pool = this.pools[s]!;
    const n = this.next[s]!;
    if (n >= pool.sealed) return false;
    this.next[s] = n + 1;
    const i = (n - pool.base) * pool.stride;
    this.inflight[s]!++;
    this.tracker?.onSent(s, n, performance.now());
    this.writer.write(this.members[s]!.client.socket, pool.bytes.subarray(i, i + pool.stride));
    return true;
  }

  /**
   * After setup, each socket is read here instead of by RawClient: frames are cut from
   * the received chunks and read in place, with no copy or view per frame.
   */
  private lean(m: Member): void {
    const socket = m.client.socket;
    socket.removeAllListeners('data');
    const read = unitReader((buf, from, until) => {
      let i = from;
      while (i < until) {
        at = i;
        let len = 0;
        let mul = 1;
        let complete = false;
        while (at < buf.length) {
          const byte = buf[at++]!;
          len += (byte & 0x7f) * mul;
          mul *= 128;
          if (byte < 0x80) {
            complete = true;
            break;
          }
        }
        if (!complete || at + len > buf.length) break;
        const start = at;
        if (!this.onFrame(m, buf, start, start + len)) this.unexpected++;
        i = start + len;
      }
      return i;
    });
    socket.on('data', (chunk: Buffer) => {
      this.received.chunks++;
      this.received.bytes += chunk.length;
      arrivedAt = performance.now();
      read(chunk);
    });
  }

  /** GroupDeliver and SendAck, read in place (b[start..end)); false for any other frame. */
  private onFrame(m: Member, b: Uint8Array, start: number, frameEnd: number): boolean {
    at = start;
    const tag = varint(b);
    if ((tag & 7) !== 2) return false;
    const kind = tag >>> 3;
    if (kind !== FRAME_GROUP_DELIVER && kind !== FRAME_SEND_ACK) return false;
    const end = varint(b) + at;
    if (end !== frameEnd) throw new Error('bench: frame length mismatch');
    if (kind === FRAME_GROUP_DELIVER) {
      let gseq = 0;
      let id = -1;
      while (at < end) {
        const t = varint(b);
        if (t === ((DELIVER_GSEQ << 3) | 0)) gseq = varint(b);
        else if (t === ((DELIVER_MESSAGE << 3) | 2)) {
          const messageEnd = varint(b) + at;
          while (at < messageEnd) {
            const u = varint(b);
            if (u === ((MESSAGE_MSG_ID << 3) | 2)) {
              varint(b);
              id = at;
              at += 16;
            } else skip(b, u & 7);
          }
        } else skip(b, t & 7);
      }
      if (gseq > m.highest) m.highest = gseq;
      if (id >= 0) {
        this.deliveries++;
        this.tracker?.onDelivered(b[id]!, u32be(b, id + 1), arrivedAt);
      }
      return true;
    }
    let id = -1;
    let code = 0;
    while (at < end) {
      const t = varint(b);
      if (t === ((ACK_MSG_ID << 3) | 2)) {
        varint(b);
        id = at;
        at += 16;
      } else if (t === ((ACK_CODE << 3) | 0)) code = varint(b);
      else skip(b, t & 7);
    }
    const s = b[id]!;
    this.inflight[s]!--;
    if (code !== 0) this.refused++;
    else this.tracker?.onAcked(s, u32be(b, id + 1), arrivedAt);
    this.onFree?.(s);
    return true;
  }

  private ackAll(): void {
    for (const m of this.members) {
      if (m.highest <= m.acked) continue;
      m.acked = m.highest;
      this.writer.write(m.client.socket, ackFrame(this.groupId, m.highest));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.ackTimer);
    for (const m of this.members) m.client.close();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * A framed GroupAck {group_id, through_gseq}, by hand: Frame field 22, length-delimited
 * (tag 0xb2 0x01), holding field 1 (16 bytes) and field 2 (varint).
 */
function ackFrame(groupId: Uint8Array, gseq: number): Buffer {
  const inner = 2 + groupId.length + 1 + varintLength(gseq);
  const outer = 2 + varintLength(inner) + inner;
  const out = Buffer.allocUnsafe(varintLength(outer) + outer);
  let i = writeVarint(out, outer, 0);
  out[i++] = 0xb2;
  out[i++] = 0x01;
  i = writeVarint(out, inner, i);
  out[i++] = 0x0a;
  out[i++] = groupId.length;
  out.set(groupId, i);
  i += groupId.length;
  out[i++] = 0x10;
  writeVarint(out, gseq, i);
  return out;
}

/** The hand-made GroupAck must be what the codec makes. */
function checkAckFrame(groupId: Uint8Array): void {
  for (const gseq of [1, 300, 2 ** 33 + 5]) {
    const want = Buffer.from(
      framed(encodeFrame({ type: 'group-ack', groupId, throughGseq: gseq })),
    );
    if (!want.equals(ackFrame(groupId, gseq))) {
      throw new Error(`bench: hand-made GroupAck differs from the codec's at gseq ${gseq}`);
    }
  }
}
