/**
 * mosquitto's side of the side-by-side benchmark. Every client subscribes to its own
 * topic (n/ID) and publishes to its recipient's, QoS 0, or QoS 1 with persistence on
 * (a temp persistence_location; clean session off, so each client's session is kept as
 * natter keeps a mailbox). The generator speaks MQTT 3.1.1 by hand, as lean-wire.ts does
 * natter's wire: PUBLISH packets are encoded once per recipient and copied with the stamp
 * (f64 send time, u32 sender) patched into the payload; a QoS 1 PUBLISH received is
 * PUBACKed in the same tick's write. Plain TCP or TLS 1.3 (a throwaway certificate).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeTcpPort } from '../../test/helpers/ports.js';
import { type Fleet, PAYLOAD_BYTES, type Server, type Variant } from './compare-load.js';
import {
  dial,
  filler,
  inBatches,
  kill,
  listening,
  reap,
  TickWriter,
  throwawayCert,
} from './compare-util.js';
import { unitReader } from './groups-load.js';
import { findOrInstall } from './util.js';

const MOSQUITTO_PATHS = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'];

/** The mosquitto binary, installed with apt-get when missing and we are root; else null. */
export function findMosquitto(): string | null {
  return findOrInstall(MOSQUITTO_PATHS, 'mosquitto');
}

export function mosquittoVariant(binary: string, qos: 0 | 1, secure: boolean): Variant {
  return {
    system: 'mosquitto',
    label: `mosquitto QoS ${qos}${qos === 1 ? ' + persist' : ''}${secure ? ' TLS' : ''}`,
    tls: secure,
    start: () => startMosquitto(binary, qos, secure),
  };
}

async function startMosquitto(binary: string, qos: 0 | 1, secure: boolean): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'natter-bench-mqtt-'));
  try {
    const port = await freeTcpPort();
    const conf = [
      'per_listener_settings false',
      'allow_anonymous true',
      // Run as root, mosquitto would switch to its own user, which cannot read the temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `persistence ${qos === 1 ? 'true' : 'false'}`,
      `persistence_location ${dir}/`,
      // natter, nats-server and the bare relay all turn Nagle off; mosquitto does when told.
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      `listener ${port} 127.0.0.1`,
    ];
    if (secure) {
      const { cert, key } = await throwawayCert(dir);
      conf.push(`certfile ${cert}`, `keyfile ${key}`, 'tls_version tlsv1.3');
    }
    await writeFile(join(dir, 'mosquitto.conf'), `${conf.join('\n')}\n`);
    const child = spawn(binary, ['-c', join(dir, 'mosquitto.conf')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    reap(child);
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    await listening(port, () => (child.exitCode !== null ? `mosquitto exited: ${log}` : null));
    return {
      pid: child.pid!,
      connect: (n) => MqttFleet.connect(port, secure, qos, n),
      async stop() {
        await kill(child);
        await rm(dir, { recursive: true, force: true });
        const trouble = log
          .split('\n')
          .filter((l) => l.trim() !== '' && !/should not be run as root|unexpected eof/.test(l));
        if (trouble.length > 0)
          console.log(`      mosquitto said: ${trouble.slice(0, 3).join(' | ')}`);
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** MQTT's variable-length "remaining length". */
function remaining(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(first: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first, ...remaining(body.length)]), body]);
}

const topicOf = (i: number) => `n/${i}`;

function connectPacket(clientId: string, cleanSession: boolean): Buffer {
  const variable = Buffer.concat([str('MQTT'), Buffer.from([4, cleanSession ? 0x02 : 0, 0, 0])]);
  return packet(0x10, Buffer.concat([variable, str(clientId)]));
}

function subscribePacket(topic: string, qos: number): Buffer {
  return packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(topic), Buffer.from([qos])]));
}

interface PublishTemplate {
  bytes: Buffer;
  /** Where the packet id sits (QoS 1), and the payload. */
  idAt: number;
  payloadAt: number;
}

class MqttFleet implements Fleet {
  onDelivered: Fleet['onDelivered'] = () => {};
  onRefused: Fleet['onRefused'] = () => {};
  private readonly writer = new TickWriter();
  private readonly templates: PublishTemplate[];
  private readonly packetIds: Uint16Array;

  private constructor(
    private readonly sockets: net.Socket[],
    private readonly qos: 0 | 1,
  ) {
    const tail = filler(PAYLOAD_BYTES);
    this.packetIds = new Uint16Array(sockets.length);
    this.templates = sockets.map((_, r) => {
      const topic = str(topicOf(r));
      const id = qos > 0 ? Buffer.alloc(2) : Buffer.alloc(0);
      const bytes = packet(0x30 | (qos << 1), Buffer.concat([topic, id, tail]));
      const payloadAt = bytes.length - PAYLOAD_BYTES;
      return { bytes, idAt: payloadAt - 2, payloadAt };
    });
  }

  get clients(): number {
    return this.sockets.length;
  }

  static async connect(port: number, secure: boolean, qos: 0 | 1, n: number): Promise<MqttFleet> {
    let fleet: MqttFleet | null = null;
    const sockets = await inBatches(n, async (i) => {
      const socket = await dial(port, secure);
      const subscribed = new Promise<void>((resolve, reject) => {
        let arrivedAt = 0;
        const read = unitReader((buf, from, until) => {
          let at = from;
          while (at < until) {
            // Fixed header: type and flags, then 1-4 bytes of remaining length.
            let len = 0;
            let mul = 1;
            let p = at + 1;
            for (; p < buf.length; p++) {
              len += (buf[p]! & 0x7f) * mul;
              mul *= 128;
              if (buf[p]! < 0x80) break;
            }
            if (p >= buf.length) break;
            const body = p + 1;
            const end = body + len;
            if (end > buf.length) break;
            const type = buf[at]! >> 4;
            if (type === 3) {
              let q = body + 2 + buf.readUInt16BE(body);
              if ((buf[at]! & 0x06) !== 0) {
                fleet!.writer.write(socket, Buffer.from([0x40, 2, buf[q]!, buf[q + 1]!]));
                q += 2;
              }
              fleet!.onDelivered(buf.readUInt32LE(q + 8), buf.readDoubleLE(q), arrivedAt);
            } else if (type === 9) resolve();
            else if (type === 2 && buf[body + 1] !== 0) {
              reject(new Error(`mosquitto refused the connection: code ${buf[body + 1]}`));
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
      socket.write(
        Buffer.concat([connectPacket(`c${i}`, qos === 0), subscribePacket(topicOf(i), qos)]),
      );
      await subscribed;
      return socket;
    });
    fleet = new MqttFleet(sockets, qos);
    return fleet;
  }

  send(s: number, r: number, sentAtMs: number): void {
    const t = this.templates[r]!;
    const out = Buffer.allocUnsafe(t.bytes.length);
    t.bytes.copy(out);
    if (this.qos > 0) {
      const id = (this.packetIds[s]! % 65535) + 1; // 1..65535: 0 is not a packet id
      this.packetIds[s] = id;
      out.writeUInt16BE(id, t.idAt);
    }
    out.writeDoubleLE(sentAtMs, t.payloadAt);
    out.writeUInt32LE(s, t.payloadAt + 8);
    this.writer.write(this.sockets[s]!, out);
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
  }
}
