/**
 * natter's side of the side-by-side benchmark: the relay as compiled (relay-child.mjs on
 * build/, via util.ts spawnRelay), with its secure channel (TLS 1.3) or plain TCP
 * (NATTER_BENCH_PLAIN, the relay bench's baseline). Every client registers and logs in
 * for real (RawClient); its Sends are real sealed boxes (200 bytes of plaintext, one
 * per recipient, encoded once as lean-wire.ts does) with the 16-byte message id patched
 * per message: f64 send time, u32 sender, u32 counter. Each client acks its deliveries every
 * 10 ms, in bursts, as the client acks after its own group-committed history write, each on
 * its own clock (StaggeredAcks, lean-wire.ts): client i acks on the 1 ms ticks where
 * tick % 10 === i % 10 (real clients'
 * timers are not in step; one clock for all put 50-500 acks, and as many SendAcks back,
 * into the same millisecond, and the deliveries behind them into the p99).
 */
import { BoxKeyring } from '../../src/crypto/box.js';
import { generateIdentity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { CLIENT_FEATURES } from '../../src/wire/limits.js';
import { RawClient } from '../../test/helpers/raw-client.js';
import { type Fleet, PAYLOAD_BYTES, type Server, type Variant } from './compare-load.js';
import { inBatches, reap, TickWriter } from './compare-util.js';
import {
  checkDeliverAck,
  FRAME_SEND_ACK,
  keptCode,
  Peek,
  type SendTemplate,
  StaggeredAcks,
  sendTemplate,
} from './lean-wire.js';
import { spawnRelay } from './util.js';

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

export class NatterFleet implements Fleet {
  onDelivered: Fleet['onDelivered'] = () => {};
  onRefused: Fleet['onRefused'] = () => {};
  private readonly writer = new TickWriter();
  private readonly acks: StaggeredAcks;
  private readonly timer: NodeJS.Timeout;
  private counter = 0;

  private constructor(
    private readonly clientsOf: RawClient[],
    private readonly templates: SendTemplate[],
  ) {
    this.acks = new StaggeredAcks(clientsOf.length, (i, ack) =>
      this.writer.write(clientsOf[i]!.socket, ack),
    );
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
          this.acks.owed[i]!.push(peek.seq);
          this.onDelivered(sender, peek.f64(bytes, peek.idAt), arrivedAt);
        }
        return true;
      };
    });
    this.timer = setInterval(() => this.acks.tick(), 1);
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

  close(): void {
    clearInterval(this.timer);
    for (const c of this.clientsOf) c.close();
  }
}
