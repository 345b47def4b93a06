/**
 * The yardstick of the groups benchmark: nats-server (Debian's package) on 127.0.0.1,
 * 100 subscribers on one subject, the first few of them also publishing, no echo
 * (a publisher does not receive its own messages). The clients speak NATS's text
 * protocol over node:net directly (CONNECT, SUB, PUB, MSG, PING, PONG) and read MSG
 * frames without copying them, so the generator costs about what natter's does.
 *
 * A publisher's window is what the server has not confirmed reading: each tick's
 * PUBs go out in one write followed by a PING, and its PONG answers them all (what
 * a NATS client's flush waits for), as natter's SendAck answers a send.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { generateSigningKeyPair } from '../../src/crypto/sign.js';
import { relayCertificate, TLS_VERSION } from '../../src/crypto/tls-cert.js';
import { freeTcpPort } from '../../test/helpers/ports.js';
import { type Fleet, type Tracker, unitReader } from './groups-load.js';
import { findOrInstall, sleep } from './util.js';

const SUBJECT = 'natter.bench.group';
const CRLF = Buffer.from('\r\n');
export const PING = Buffer.from('PING\r\n');
export const PONG = Buffer.from('PONG\r\n');
/** The CONNECT options of every bench connection: no echo, no acks, protocol 1. */
export const NATS_CONNECT_OPTIONS = JSON.stringify({
  verbose: false,
  pedantic: false,
  echo: false,
  lang: 'node',
  version: 'natter-bench',
  protocol: 1,
  headers: false,
  no_responders: false,
});
const CONNECT = Buffer.from(`CONNECT ${NATS_CONNECT_OPTIONS}\r\nSUB ${SUBJECT} 1\r\n`);
const NATS_SERVER_PATHS = ['/usr/sbin/nats-server', '/usr/bin/nats-server'];

/** The nats-server binary, installed with apt-get when missing and we are root; else null. */
export function findNatsServer(): string | null {
  return findOrInstall(NATS_SERVER_PATHS, 'nats-server');
}

export interface NatsServer {
  port: number;
  /** Clients upgrade to TLS 1.3 after the server's INFO (nats-server 2.9's way). */
  tls: boolean;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * nats-server on 127.0.0.1; with `tls`, behind the same kind of certificate as natter's
 * relay (self-signed Ed25519, relayCertificate), for a like-for-like TLS yardstick.
 */
export async function startNatsServer(binary: string, tls = false): Promise<NatsServer> {
  const port = await freeTcpPort(); // nats-server wants an explicit one
  const args = ['-a', '127.0.0.1', '-p', String(port)];
  let dir: string | null = null;
  if (tls) {
    dir = await mkdtemp(join(tmpdir(), 'natter-bench-nats-'));
    const { cert, key } = await relayCertificate(generateSigningKeyPair());
    await writeFile(join(dir, 'cert.pem'), cert);
    await writeFile(join(dir, 'key.pem'), key);
    args.push('--tls', '--tlscert', join(dir, 'cert.pem'), '--tlskey', join(dir, 'key.pem'));
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) break;
    if (tries > 100) throw new Error(`nats-server did not listen on ${port}: ${log}`);
    await sleep(50);
  }
  return {
    port,
    tls,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      if (dir !== null) await rm(dir, { recursive: true, force: true });
      // Slow consumers and other trouble the server saw, for the reader of the figures.
      // (A TLS handshake error, EOF or reset, is the readiness probe above: it never handshakes.)
      const trouble = log
        .split('\n')
        .filter(
          (l) =>
            /\[(ERR|WRN)\]|Slow Consumer/i.test(l) &&
            !/handshake error: (EOF|.*reset by peer)/.test(l),
        );
      if (trouble.length > 0) {
        console.log(
          `      nats-server reported ${trouble.length} problem line(s), first: ${trouble[0]}`,
        );
      }
    },
  };
}

/** One connection: subscribed to SUBJECT; the first `senders` also publish. */
class NatsConn {
  private onPong: (() => void) | null = null;

  constructor(
    readonly socket: net.Socket,
    private readonly onMessage: (payload: Buffer, at: number) => void,
    received: { chunks: number; bytes: number },
  ) {
    socket.setNoDelay(true);
    const read = unitReader((buf, from, until) => this.parse(buf, from, until), 4096);
    socket.on('data', (chunk: Buffer) => {
      received.chunks++;
      received.bytes += chunk.length;
      arrivedAt = performance.now();
      read(chunk);
    });
    socket.on('error', () => {});
  }

  /** The next PONG (the server has read everything written before our PING). */
  pongs(handler: () => void): void {
    this.onPong = handler;
  }

  /** Consumes the whole protocol lines and messages that start before `until`. */
  private parse(buf: Buffer, from: number, until: number): number {
    let i = from;
    const end = buf.length;
    while (i < until) {
      const eol = buf.indexOf(13, i); // '\r': control lines hold none; payloads are skipped by size
      if (eol < 0 || eol + 1 >= end) break;
      const op = buf[i];
      if (op === 0x4d /* MSG subject sid [reply] size */) {
        let size = 0;
        let mul = 1;
        for (let j = eol - 1; buf[j] !== 0x20; j--) {
          size += (buf[j]! - 48) * mul;
          mul *= 10;
        }
        const at = eol + 2;
        if (at + size + 2 > end) break; // the payload is not all here yet
        this.onMessage(buf, at);
        i = at + size + 2;
        continue;
      }
      if (op === 0x50 /* P */) {
        if (buf[i + 1] === 0x49 /* PING */) this.socket.write(PONG);
        else this.onPong?.();
      } else if (op === 0x2d /* -ERR */) {
        console.log(`      nats-server: ${buf.toString('latin1', i, eol)}`);
      } // INFO and +OK: nothing to do
      i = eol + 2;
    }
    return i;
  }
}

/** A connection to `server`, upgraded to TLS 1.3 after INFO when the server wants TLS. */
export async function connectNats(server: NatsServer): Promise<net.Socket> {
  const socket = net.connect({ port: server.port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (!server.tls) return socket;
  // The INFO line comes in the clear; the TLS handshake follows it.
  await new Promise<void>((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (!seen.includes('\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
  });
  const secure = tls.connect({
    socket,
    rejectUnauthorized: false,
    minVersion: TLS_VERSION,
    maxVersion: TLS_VERSION,
  });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return secure;
}

/** When the chunk being read arrived: one clock read per chunk, not per message. */
let arrivedAt = 0;

/** Payload bytes 0..4 carry (sender, message number); the rest is random. */
const STAMP_BYTES = 5;

export class NatsFleet implements Fleet {
  readonly perMessage: number;
  deliveries = 0;
  refused = 0;
  readonly inflight: number[];
  tracker: Tracker | null = null;
  onFree: ((s: number) => void) | null = null;
  private readonly next: number[];
  /** Per publisher: PUBs of this tick, and the count each outstanding PING answers. */
  private readonly out: Buffer[][];
  private readonly pingFifo: number[][];
  private scheduled = false;
  private readonly template: Buffer;
  private readonly payloadAt: number;

  private constructor(
    private readonly conns: NatsConn[],
    readonly senders: number,
    payloadBytes: number,
    readonly pid: number,
    readonly received: { chunks: number; bytes: number },
  ) {
    this.perMessage = conns.length - 1;
    this.inflight = new Array(senders).fill(0);
    this.next = new Array(senders).fill(0);
    this.out = Array.from({ length: senders }, () => []);
    this.pingFifo = Array.from({ length: senders }, () => []);
    const head = Buffer.from(`PUB ${SUBJECT} ${payloadBytes}\r\n`);
    const payload = Buffer.alloc(payloadBytes);
    for (let i = 0; i < payloadBytes; i++) payload[i] = Math.floor(Math.random() * 256);
    this.template = Buffer.concat([head, payload, CRLF]);
    this.payloadAt = head.length;
    conns.slice(0, senders).forEach((c, s) => {
      c.pongs(() => {
        const n = this.pingFifo[s]!.shift() ?? 0;
        this.inflight[s]! -= n;
        if (n > 0) this.onFree?.(s);
      });
    });
  }

  /** `members` connections, subscribed and confirmed by a PONG. */
  static async connect(
    server: NatsServer,
    members: number,
    senders: number,
    payloadBytes: number,
  ): Promise<NatsFleet> {
    if (payloadBytes < STAMP_BYTES) throw new Error('bench: payload too small');
    let fleet: NatsFleet | null = null;
    const received = { chunks: 0, bytes: 0 };
    const onMessage = (buf: Buffer, at: number) => {
      const f = fleet!;
      f.deliveries++;
      if (f.tracker !== null) {
        f.tracker.onDelivered(buf[at]!, buf.readUInt32BE(at + 1), arrivedAt);
      }
    };
    const conns: NatsConn[] = [];
    for (let i = 0; i < members; i += 50) {
      const batch = Array.from({ length: Math.min(50, members - i) }, async () => {
        const socket = await connectNats(server);
        const conn = new NatsConn(socket, onMessage, received);
        const subscribed = new Promise<void>((resolve) => conn.pongs(resolve));
        socket.write(Buffer.concat([CONNECT, PING]));
        await subscribed;
        conn.pongs(() => {});
        return conn;
      });
      conns.push(...(await Promise.all(batch)));
    }
    fleet = new NatsFleet(conns, senders, payloadBytes, server.child.pid!, received);
    return fleet;
  }

  nextOf(s: number): number {
    return this.next[s]!;
  }

  send(s: number): boolean {
    const n = this.next[s]!++;
    const pub = Buffer.allocUnsafe(this.template.length);
    this.template.copy(pub);
    pub[this.payloadAt] = s;
    pub.writeUInt32BE(n, this.payloadAt + 1);
    this.out[s]!.push(pub);
    this.inflight[s]!++;
    this.tracker?.onSent(s, n, performance.now());
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** One write per publisher: this tick's PUBs and a PING that will answer for them. */
  private flush(): void {
    this.scheduled = false;
    for (let s = 0; s < this.senders; s++) {
      const pubs = this.out[s]!;
      if (pubs.length === 0) continue;
      this.pingFifo[s]!.push(pubs.length);
      pubs.push(PING);
      this.conns[s]!.socket.write(Buffer.concat(pubs));
      this.out[s] = [];
    }
  }

  close(): void {
    for (const c of this.conns) c.socket.destroy();
  }
}
