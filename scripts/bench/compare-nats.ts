/**
 * nats-server's side of the side-by-side benchmark (core NATS, no JetStream): every
 * client subscribes to its own subject (n.ID) and publishes to its recipient's. Started
 * as the groups bench starts it (groups-nats.ts: 127.0.0.1, plain or TLS 1.3 behind a
 * throwaway Ed25519 certificate, the client upgrading after INFO as nats-server 2.9
 * wants); the generator speaks the text protocol by hand, PUBs encoded once per
 * recipient and copied with the stamp (f64 send time, u32 sender) patched in.
 */
import type net from 'node:net';
import { type Fleet, PAYLOAD_BYTES, type Server, type Variant } from './compare-load.js';
import { filler, inBatches, reap, TickWriter } from './compare-util.js';
import { unitReader } from './groups-load.js';
import {
  connectNats as connectNatsSocket,
  NATS_CONNECT_OPTIONS,
  type NatsServer,
  PING,
  PONG,
  startNatsServer,
} from './groups-nats.js';

export { findNatsServer } from './groups-nats.js';

const subjectOf = (i: number) => `n.${i}`;

export function natsVariant(binary: string, secure: boolean): Variant {
  return {
    system: 'nats',
    label: `nats-server${secure ? ' TLS' : ''}`,
    tls: secure,
    start: async (): Promise<Server> => {
      const server = await startNatsServer(binary, secure);
      reap(server.child);
      return {
        pid: server.child.pid!,
        connect: (n) => NatsFleet.connect(server, n),
        stop: () => server.stop(),
      };
    },
  };
}

/** groups-nats.ts's connection (TLS 1.3 after INFO when the server wants it), without Nagle. */
async function connectNats(server: NatsServer): Promise<net.Socket> {
  const socket = await connectNatsSocket(server);
  socket.setNoDelay(true);
  socket.on('error', () => {});
  return socket;
}

class NatsFleet implements Fleet {
  onDelivered: Fleet['onDelivered'] = () => {};
  onRefused: Fleet['onRefused'] = () => {};
  private readonly writer = new TickWriter();
  private readonly templates: { bytes: Buffer; payloadAt: number }[];

  private constructor(private readonly sockets: net.Socket[]) {
    const tail = filler(PAYLOAD_BYTES);
    this.templates = sockets.map((_, r) => {
      const head = Buffer.from(`PUB ${subjectOf(r)} ${PAYLOAD_BYTES}\r\n`);
      return { bytes: Buffer.concat([head, tail, Buffer.from('\r\n')]), payloadAt: head.length };
    });
  }

  get clients(): number {
    return this.sockets.length;
  }

  static async connect(server: NatsServer, n: number): Promise<NatsFleet> {
    let fleet: NatsFleet | null = null;
    const sockets = await inBatches(n, async (i) => {
      const socket = await connectNats(server);
      const subscribed = new Promise<void>((resolve) => {
        let arrivedAt = 0;
        const read = unitReader((buf, from, until) => {
          let at = from;
          while (at < until) {
            const eol = buf.indexOf(13, at); // control lines hold no '\r'; payloads are skipped by size
            if (eol < 0 || eol + 1 >= buf.length) break;
            const op = buf[at];
            if (op === 0x4d /* MSG subject sid size */) {
              let size = 0;
              let mul = 1;
              for (let j = eol - 1; buf[j] !== 0x20; j--) {
                size += (buf[j]! - 48) * mul;
                mul *= 10;
              }
              const p = eol + 2;
              if (p + size + 2 > buf.length) break;
              fleet!.onDelivered(buf.readUInt32LE(p + 8), buf.readDoubleLE(p), arrivedAt);
              at = p + size + 2;
              continue;
            }
            if (op === 0x50 /* PING or PONG */) {
              if (buf[at + 1] === 0x49) socket.write(PONG);
              else resolve();
            } else if (op === 0x2d /* -ERR */) {
              console.log(`      nats-server: ${buf.toString('latin1', at, eol)}`);
            }
            at = eol + 2;
          }
          return at;
        }, 4096);
        socket.on('data', (chunk: Buffer) => {
          arrivedAt = performance.now();
          read(chunk);
        });
        socket.resume();
      });
      socket.write(`CONNECT ${NATS_CONNECT_OPTIONS}\r\nSUB ${subjectOf(i)} 1\r\n`);
      socket.write(PING);
      await subscribed;
      return socket;
    });
    fleet = new NatsFleet(sockets);
    return fleet;
  }

  send(s: number, r: number, sentAtMs: number): void {
    const t = this.templates[r]!;
    const out = Buffer.allocUnsafe(t.bytes.length);
    t.bytes.copy(out);
    out.writeDoubleLE(sentAtMs, t.payloadAt);
    out.writeUInt32LE(s, t.payloadAt + 8);
    this.writer.write(this.sockets[s]!, out);
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
  }
}
