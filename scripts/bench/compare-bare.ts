/**
 * The bare relay's side of the side-by-side benchmark: bare-relay.mjs (length-prefixed
 * frames routed by recipient id, no store) in its own process, plain or TLS 1.3.
 * A message is u32 length || u32 recipient || payload (stamp: f64 send time, u32 sender).
 * With acks, bare-ack-relay.mjs: each client acks what it was delivered every
 * ACK_EVERY_MS on its own clock (StaggeredTurns, as natter's fleet), and the relay
 * acks each message to its sender once its recipient did.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Fleet, PAYLOAD_BYTES, type Server, type Variant } from './compare-load.js';
import {
  dial,
  filler,
  inBatches,
  kill,
  spawnNodeWithPort,
  TickWriter,
  throwawayCert,
} from './compare-util.js';
import { unitReader } from './groups-load.js';
import { StaggeredTurns } from './lean-wire.js';

const here = dirname(fileURLToPath(import.meta.url));
const HEADER = 8; // length, recipient
/** The recipient field of an ack (bare-ack-relay.mjs). */
const ACK = 0xffffffff;

export function bareVariant(secure: boolean, acks = false): Variant {
  const name = acks ? 'bare relay + acks' : 'bare relay';
  return {
    system: acks ? 'bareack' : 'bare',
    label: secure ? `${name} TLS` : name,
    tls: secure,
    start: () => startBare(secure, acks),
  };
}

async function startBare(secure: boolean, acks: boolean): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'natter-bench-bare-'));
  try {
    const certArgs = secure ? Object.values(await throwawayCert(dir)) : [];
    const script = acks ? 'bare-ack-relay.mjs' : 'bare-relay.mjs';
    const { child, port } = await spawnNodeWithPort([join(here, script), ...certArgs]);
    return {
      pid: child.pid!,
      connect: (n) => BareFleet.connect([port], secure, n, acks),
      async stop() {
        await kill(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Clients of bare relays; with several relays, client i is on relay i mod their number. */
export class BareFleet implements Fleet {
  onDelivered: Fleet['onDelivered'] = () => {};
  onRefused: Fleet['onRefused'] = () => {};
  private readonly writer = new TickWriter();
  /** Per recipient: a whole message to it, the stamp to patch in. */
  private readonly templates: Buffer[];
  private ackTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly sockets: net.Socket[],
    owed: number[] | null,
  ) {
    if (owed !== null) {
      // Each client acks what it was delivered on its own clock, as natter's fleet does.
      const turns = new StaggeredTurns(sockets.length, (i) => {
        if (owed[i] === 0) return;
        const ack = Buffer.allocUnsafe(12);
        ack.writeUInt32BE(8, 0);
        ack.writeUInt32BE(ACK, 4);
        ack.writeUInt32BE(owed[i]!, 8);
        owed[i] = 0;
        this.writer.write(sockets[i]!, ack);
      });
      this.ackTimer = setInterval(() => turns.tick(), 1);
    }
    const tail = filler(PAYLOAD_BYTES);
    this.templates = sockets.map((_, r) => {
      const t = Buffer.alloc(HEADER + PAYLOAD_BYTES);
      t.writeUInt32BE(4 + PAYLOAD_BYTES, 0);
      t.writeUInt32BE(r, 4);
      tail.copy(t, HEADER);
      return t;
    });
  }

  get clients(): number {
    return this.sockets.length;
  }

  static async connect(
    ports: number[],
    secure: boolean,
    n: number,
    acks = false,
  ): Promise<BareFleet> {
    let fleet: BareFleet | null = null;
    /** Per client, deliveries not yet acked (with acks). */
    const owed = acks ? new Array<number>(n).fill(0) : null;
    const sockets = await inBatches(n, async (i) => {
      const socket = await dial(ports[i % ports.length]!, secure);
      // Registered once a message to itself comes back (the relay reads in order).
      const registered = new Promise<void>((resolve) => {
        let arrivedAt = 0;
        const read = unitReader((buf, from, until) => {
          let at = from;
          while (at < until && at + 4 <= buf.length) {
            const end = at + 4 + buf.readUInt32BE(at);
            if (end > buf.length) break;
            if (buf.readUInt32BE(at + 4) === ACK) {
              at = end; // the relay's ack of a message of mine
              continue;
            }
            if (owed !== null) owed[i]!++;
            if (fleet === null) resolve();
            else {
              fleet.onDelivered(
                buf.readUInt32LE(at + HEADER + 8),
                buf.readDoubleLE(at + HEADER),
                arrivedAt,
              );
            }
            at = end;
          }
          return at;
        });
        socket.on('data', (chunk: Buffer) => {
          arrivedAt = performance.now();
          read(chunk);
        });
      });
      const hello = Buffer.alloc(8);
      hello.writeUInt32BE(4, 0);
      hello.writeUInt32BE(i, 4);
      const probe = Buffer.alloc(HEADER + 12);
      probe.writeUInt32BE(4 + 12, 0);
      probe.writeUInt32BE(i, 4);
      socket.write(Buffer.concat([hello, probe]));
      await registered;
      return socket;
    });
    fleet = new BareFleet(sockets, owed);
    return fleet;
  }

  send(s: number, r: number, sentAtMs: number): void {
    const t = this.templates[r]!;
    const out = Buffer.allocUnsafe(t.length);
    t.copy(out);
    out.writeDoubleLE(sentAtMs, HEADER);
    out.writeUInt32LE(s, HEADER + 8);
    this.writer.write(this.sockets[s]!, out);
  }

  close(): void {
    if (this.ackTimer !== null) clearInterval(this.ackTimer);
    for (const s of this.sockets) s.destroy();
  }
}
