/**
 * The cluster bench's anchor (issue 15): the same workload on nats-server's
 * JetStream with no relay between, as the guide asks of a floor that may be
 * out of reach. Every client has its own NATS connection; a message is a
 * JetStream publish to its recipient's subject (the sender waits for the
 * store's ack, as natter's relay does), and every client reads its subject
 * through an ordered consumer, purged every 100 ms, as natter's sessions do.
 * Plain TCP, one stream of file storage, no TLS: what JetStream itself costs.
 */
import {
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type Fleet, PAYLOAD_BYTES } from './compare-load.js';
import { filler, inBatches } from './compare-util.js';

const STREAM = 'ANCHOR';
const subjectOf = (i: number) => `anchor.${i}`;

export class JetStreamAnchorFleet implements Fleet {
  onDelivered: Fleet['onDelivered'] = () => {};
  onRefused: Fleet['onRefused'] = () => {};
  private readonly payload = filler(PAYLOAD_BYTES);
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;

  private constructor(private readonly conns: NatsConnection[]) {}

  get clients(): number {
    return this.conns.length;
  }

  static async connect(url: string, n: number): Promise<JetStreamAnchorFleet> {
    const admin = await connect({ servers: url });
    const jsm = await jetstreamManager(admin);
    await jsm.streams.delete(STREAM).catch(() => false);
    await jsm.streams.add({
      name: STREAM,
      subjects: ['anchor.*'],
      storage: StorageType.File,
      discard: DiscardPolicy.New,
    });
    await admin.close();
    const conns = await inBatches(n, () => connect({ servers: url, noAsyncTraces: true }));
    const fleet = new JetStreamAnchorFleet(conns);
    await Promise.all(conns.map((nc, i) => fleet.read(nc, i)));
    return fleet;
  }

  private async read(nc: NatsConnection, i: number): Promise<void> {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const consumer = await js.consumers.get(STREAM, {
      filter_subjects: subjectOf(i),
      deliver_policy: DeliverPolicy.All,
    });
    const messages = await consumer.consume({ max_messages: 256 });
    let through = 0;
    let purged = 0;
    this.timers.push(
      setInterval(() => {
        if (through <= purged || this.closed) return;
        purged = through;
        void jsm.streams.purge(STREAM, { filter: subjectOf(i), seq: through + 1 }).catch(() => {});
      }, 100),
    );
    void (async () => {
      for await (const m of messages) {
        const now = performance.now();
        const d = m.data;
        const view = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
        this.onDelivered(view.readUInt32LE(8), view.readDoubleLE(0), now);
        through = m.seq;
      }
    })().catch(() => {});
  }

  send(s: number, r: number, sentAtMs: number): void {
    const body = Buffer.allocUnsafe(PAYLOAD_BYTES);
    this.payload.copy(body);
    body.writeDoubleLE(sentAtMs, 0);
    body.writeUInt32LE(s, 8);
    jetstream(this.conns[s]!)
      .publish(subjectOf(r), body)
      .catch(() => this.onRefused(s));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const nc of this.conns) void nc.close();
  }
}
