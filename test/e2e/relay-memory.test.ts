/**
 * Issue 8, finding 2, as a user runs it: `natter relay` as shipped (dist/), a
 * logged-in client that floods Lookups and never reads, and a client that
 * floods Pings after Hello without logging in. The relay's resident memory,
 * read from /proc every 100 ms, must stay flat (the relay as it was grew about
 * 32 MB/s under the first and 24 MB/s under the second), and a well-behaved
 * client keeps its round trips.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { generateIdentity } from '../../src/crypto/keys.js';
import { randomBytes } from '../../src/crypto/random.js';
import { encodeFrame } from '../../src/wire/codec.js';
import { frame as framed } from '../../src/wire/framing.js';
import { PROTOCOL_VERSION } from '../../src/wire/limits.js';
import type { Frame } from '../../src/wire/types.js';
import { connectRelayTls, RawClient } from '../helpers/raw-client.js';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const FLOOD_SECONDS = 5;
/** Allowed growth of the relay's RSS over the flood: GC noise, not a queue. */
const MAX_GROWTH_MB = 40;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Writes `unit` whenever the socket takes it; never reads. */
function flood(socket: net.Socket, unit: Buffer): () => void {
  let on = true;
  socket.on('error', () => {});
  socket.pause();
  socket.removeAllListeners('data');
  const write = () => {
    while (on && !socket.destroyed) {
      if (!socket.write(unit)) {
        socket.once('drain', write);
        return;
      }
    }
  };
  write();
  return () => {
    on = false;
    socket.destroy();
  };
}

function many(f: Frame, n: number): Buffer {
  const one = framed(encodeFrame(f));
  return Buffer.concat(Array.from({ length: n }, () => one));
}

describe('e2e: relay memory under non-reading flooders (spawned natter relay)', function () {
  this.timeout(60_000);
  let dir: string;
  let relay: ChildProcess | null = null;
  let port = 0;

  before(function () {
    if (!existsSync(cli) || !existsSync('/proc/self/status')) this.skip();
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-e2e-mem-'));
    relay = spawn(
      process.execPath,
      [cli, 'relay', '--host', '127.0.0.1', '--port', '0', '--data', join(dir, 'relay')],
      { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, NATTER_RELAY_PRESENCE: '0' } },
    );
    const lines = createInterface({ input: relay.stdout! });
    port = await new Promise<number>((resolve, reject) => {
      lines.on('line', (line) => {
        const m = /listening on [^ ]+:(\d+)/.exec(line);
        if (m) resolve(Number(m[1]));
      });
      relay!.once('exit', (code) => reject(new Error(`relay exited with ${code}`)));
    });
  });

  afterEach(async () => {
    const child = relay;
    relay = null;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('keeps relay RSS flat while one client floods Lookups and another Pings before login, and keeps serving', async () => {
    const good = await RawClient.login(port, generateIdentity(), 'good');
    const bad = await RawClient.login(port, generateIdentity(), 'mallory');
    const before = await rssMb(relay!.pid!);
    const stopLookups = flood(
      bad.client.socket,
      many({ type: 'lookup', requestId: 1, by: { pseudonym: 'good' } }, 1024),
    );
    const { socket: pre } = await connectRelayTls(port);
    pre.write(
      framed(
        encodeFrame({
          type: 'hello',
          version: PROTOCOL_VERSION,
          clientNonce: randomBytes(32),
          features: 0,
        }),
      ),
    );
    const stopPings = flood(pre, many({ type: 'ping', nonce: 1 }, 1024));
    let peak = before;
    let worstRoundTripMs = 0;
    const t0 = Date.now();
    try {
      while (Date.now() - t0 < FLOOD_SECONDS * 1000) {
        await sleep(100);
        peak = Math.max(peak, await rssMb(relay!.pid!));
        const nonce = Math.floor(Math.random() * 1e9);
        const sent = Date.now();
        good.client.send({ type: 'ping', nonce });
        await good.client.next((f) => f.type === 'pong' && f.nonce === nonce, 5000);
        worstRoundTripMs = Math.max(worstRoundTripMs, Date.now() - sent);
      }
    } finally {
      stopLookups();
      stopPings();
      good.client.close();
    }
    assert.ok(
      peak - before <= MAX_GROWTH_MB,
      `relay RSS went from ${before.toFixed(0)} MB to ${peak.toFixed(0)} MB under the floods`,
    );
    console.log(
      `      relay RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MB; worst ping round trip ${worstRoundTripMs} ms`,
    );
  });
});
