/**
 * Issue 8, findings 2-5: hostile clients against a real relay on loopback with
 * a real LevelDB. Every byte the relay holds for a connection has a budget; a
 * client over it stops being read and is closed with a coded Error frame, the
 * last thing it is sent; registration is atomic; everyone else keeps working.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { generateIdentity, type Identity } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import {
  DEFAULT_RELAY_LIMITS,
  ONE_HOST_FAIR_SHARES,
  type RelayLimits,
  type RunningRelay,
  startRelay,
} from '../../../src/relay/index.js';
import { SLOW_CONSUMER_HARD_FACTOR } from '../../../src/relay/limits.js';
import { decodeFrame, encodeFrame } from '../../../src/wire/codec.js';
import { FrameDecoder, frame as framed } from '../../../src/wire/framing.js';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../../src/wire/limits.js';
import type { Frame } from '../../../src/wire/types.js';
import { connectRelayTls, RawClient } from '../../helpers/raw-client.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A socket that writes as fast as the relay takes bytes and reads nothing until told. */
class Flooder {
  private stopped = false;
  private readonly chunks: Buffer[] = [];

  constructor(
    readonly socket: net.Socket,
    private readonly unit: Buffer,
  ) {}

  start(): void {
    this.socket.on('error', () => {});
    this.socket.pause();
    const write = () => {
      while (!this.stopped && !this.socket.destroyed) {
        if (!this.socket.write(this.unit)) {
          this.socket.once('drain', write);
          return;
        }
      }
    };
    write();
  }

  /** Stops writing and reads everything the relay sent, until it closes the socket. */
  async drain(timeoutMs = 10_000): Promise<Frame[]> {
    this.stopped = true;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('data', (c: Buffer) => this.chunks.push(c));
    this.socket.resume();
    await Promise.race([closed, sleep(timeoutMs)]);
    const decoder = new FrameDecoder(MAX_FRAME_BYTES);
    return decoder.push(Buffer.concat(this.chunks)).map((b) => decodeFrame(b));
  }
}

/** Many frames of one kind, framed and concatenated, for one write. */
function repeated(f: Frame, times: number): Buffer {
  const one = framed(encodeFrame(f));
  return Buffer.concat(Array.from({ length: times }, () => one));
}

describe('relay against hostile clients (integration, loopback)', () => {
  let relay: RunningRelay | null = null;
  let dir: string;
  const clients: RawClient[] = [];

  /** Codes of sessions the relay closed on error, from its log. */
  let closedWith: string[] = [];
  const logger = {
    debug() {},
    info(msg: string, fields?: Record<string, unknown>) {
      if (msg === 'session closed on error') closedWith.push(String(fields?.code));
    },
    warn() {},
    error() {},
    child() {
      return logger;
    },
  };

  async function start(limits: Partial<RelayLimits> = {}): Promise<RunningRelay> {
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, limits, logger });
    return relay;
  }

  async function closedOnError(code: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!closedWith.includes(code)) {
      if (Date.now() > deadline) throw new Error(`no session closed with ${code}: ${closedWith}`);
      await sleep(20);
    }
  }

  async function user(name: string, id: Identity = generateIdentity()) {
    const r = await RawClient.login(relay!.address.port, id, name);
    clients.push(r.client);
    return { ...r, id };
  }

  /** A ping round trip on a well-behaved client: the relay is still serving. */
  async function serves(client: RawClient): Promise<void> {
    const nonce = Math.floor(Math.random() * 1e9);
    client.send({ type: 'ping', nonce });
    const pong = await client.next((f) => f.type === 'pong' && f.nonce === nonce, 3000);
    assert.equal(pong.type, 'pong');
  }

  beforeEach(async () => {
    closedWith = [];
    dir = await makeTempDir('natter-hostile-');
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay?.close();
    relay = null;
  });

  after(removeTempDirs);

  it('stops reading a logged-in client that floods Lookups without reading, then closes it with E_SLOW_CONSUMER as its last frame', async () => {
    // Rate limits out of the way: this is about the output budget.
    const limits = {
      maxSessionQueuedBytes: 256 * 1024,
      slowConsumerTimeoutMs: 600,
      requestBurst: 1e9,
      requestsPerSecond: 1e9,
    };
    await start(limits);
    const bob = await user('bob');
    const flood = await user('mallory');
    const lookup = repeated({ type: 'lookup', requestId: 1, by: { pseudonym: 'bob' } }, 512);
    const flooder = new Flooder(flood.client.socket, lookup);
    flood.client.socket.removeAllListeners('data');
    flooder.start();
    let most = 0;
    for (let i = 0; i < 8; i++) {
      await sleep(50);
      most = Math.max(most, relay!.stats().maxBufferedBytes);
      await serves(bob.client);
    }
    const hard = limits.maxSessionQueuedBytes * SLOW_CONSUMER_HARD_FACTOR;
    assert.ok(most <= hard, `relay held ${most} bytes for one non-reader (hard cap ${hard})`);
    await closedOnError('E_SLOW_CONSUMER');
    const frames = await flooder.drain();
    const last = frames.at(-1);
    assert.equal(last?.type, 'error', `last frame was ${last?.type}`);
    assert.equal(last?.type === 'error' && last.code, 'E_SLOW_CONSUMER');
    await serves(bob.client);
    assert.equal(relay!.stats().connections, 1);
  });

  it('answers Lookups beyond the request rate only as tokens come, holding the rest unread', async () => {
    await start({ requestBurst: 50, requestsPerSecond: 200 });
    const bob = await user('bob');
    const eager = await user('eager');
    let answered = 0;
    eager.client.keep = false;
    eager.client.onFrame = (f) => {
      if (f.type === 'lookup-result') answered++;
    };
    const t0 = Date.now();
    eager.client.writeRaw(
      repeated({ type: 'lookup', requestId: 1, by: { pseudonym: 'bob' } }, 500),
    );
    await sleep(500);
    const elapsed = (Date.now() - t0) / 1000;
    assert.ok(answered >= 50, `answered ${answered}`);
    assert.ok(answered <= 50 + 200 * elapsed + 5, `answered ${answered} in ${elapsed} s`);
    await serves(bob.client);
    // Nothing is dropped: every Lookup is answered in the end, in order, at the rate.
    const deadline = Date.now() + 10_000;
    while (answered < 500 && Date.now() < deadline) await sleep(100);
    assert.equal(answered, 500);
  });

  for (const lifted of [false, true]) {
    const what = lifted
      ? 'with the handshake rate lifted, holds at most the pre-login output budget'
      : 'answers only the handshake burst';
    it(`bounds a Ping flood before login (${what}) and closes it at the handshake deadline`, async () => {
      await start({
        handshakeTimeoutMs: 800,
        ...(lifted ? { handshakeFramesBurst: 1e9, handshakeFramesPerSecond: 1e9 } : {}),
      });
      const bob = await user('bob');
      const { socket } = await connectRelayTls(relay!.address.port);
      const hello = framed(
        encodeFrame({
          type: 'hello',
          version: PROTOCOL_VERSION,
          clientNonce: randomBytes(32),
          features: 0,
        }),
      );
      socket.write(hello);
      const flooder = new Flooder(socket, repeated({ type: 'ping', nonce: 1 }, 1024));
      flooder.start();
      let most = 0;
      for (let i = 0; i < 10; i++) {
        await sleep(50);
        most = Math.max(most, relay!.stats().maxBufferedBytes);
      }
      await serves(bob.client);
      const cap = DEFAULT_RELAY_LIMITS.maxPreloginQueuedBytes * SLOW_CONSUMER_HARD_FACTOR;
      assert.ok(most <= cap, `relay held ${most} bytes for a pre-login flood (cap ${cap})`);
      await closedOnError('E_HANDSHAKE_TIMEOUT');
      const frames = await flooder.drain();
      const last = frames.at(-1);
      assert.equal(last?.type === 'error' && last.code, 'E_HANDSHAKE_TIMEOUT');
      const pongs = frames.filter((f) => f.type === 'pong').length;
      if (!lifted) {
        // Hello took one token of the burst; the pings got the rest and the refill.
        const most = DEFAULT_RELAY_LIMITS.handshakeFramesBurst + 2;
        assert.ok(pongs <= most, `${pongs} pongs before login`);
      }
    });
  }

  it('sends the coded Error frame after replies already queued (a Ping and a bad frame in one write)', async () => {
    await start();
    for (let trial = 0; trial < 50; trial++) {
      const c = await RawClient.connect(relay!.address.port);
      clients.push(c);
      await c.hello();
      const ping = framed(encodeFrame({ type: 'ping', nonce: trial }));
      const bad = framed(Uint8Array.from([0xff, 0xff, 0xff]));
      c.writeRaw(Buffer.concat([ping, bad]));
      await c.closed;
      const kinds = c.frames.map((f) => f.type);
      assert.deepEqual(kinds, ['pong', 'error'], `trial ${trial}: ${kinds.join(',')}`);
    }
  });

  it('closes a logged-in client whose frame stops half way, or trickles, at the partial-frame deadline', async () => {
    await start({ partialFrameTimeoutMs: 400 });
    const bob = await user('bob');
    const stalled = await user('stalled');
    const trickle = await user('trickle');
    const big = framed(new Uint8Array(200 * 1024));
    stalled.client.writeRaw(big.subarray(0, 100 * 1024));
    trickle.client.writeRaw(big.subarray(0, 8));
    const dripping = setInterval(() => {
      if (!trickle.client.socket.destroyed) trickle.client.socket.write(Buffer.from([0]));
    }, 40);
    try {
      const [a, b] = await Promise.all([
        stalled.client.next((f) => f.type === 'error', 5000),
        trickle.client.next((f) => f.type === 'error', 5000),
      ]);
      assert.equal(a.type === 'error' && a.code, 'E_FRAME_TIMEOUT');
      assert.equal(b.type === 'error' && b.code, 'E_FRAME_TIMEOUT');
    } finally {
      clearInterval(dripping);
    }
    await serves(bob.client);
  });

  it('keeps all connections together under maxRelayBufferedBytes by closing the largest holder', async () => {
    await start({ maxRelayBufferedBytes: 300 * 1024 });
    const bob = await user('bob');
    const small = await user('small');
    const large = await user('large');
    small.client.writeRaw(framed(new Uint8Array(200 * 1024)).subarray(0, 150 * 1024));
    await sleep(100);
    large.client.writeRaw(framed(new Uint8Array(250 * 1024)).subarray(0, 240 * 1024));
    const err = await large.client.next((f) => f.type === 'error', 5000);
    assert.equal(err.type === 'error' && err.code, 'E_RELAY_OVERLOADED');
    await serves(bob.client);
    assert.equal(small.client.socket.destroyed, false, 'the smaller holder stays');
  });

  it('gives one pseudonym to exactly one of 50 identities registering it at the same moment, and keeps it so across a restart', async () => {
    // 50 new users from one address at once: past its registration share (fair-limits.ts).
    await start({ ...ONE_HOST_FAIR_SHARES });
    const ids = Array.from({ length: 50 }, () => generateIdentity());
    const results = await Promise.allSettled(
      ids.map((id) => RawClient.login(relay!.address.port, id, 'Carol')),
    );
    for (const r of results) if (r.status === 'fulfilled') clients.push(r.value.client);
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    assert.equal(winners.length, 1, `${winners.length} identities were told they own 'Carol'`);
    for (const r of results) {
      if (r.status === 'rejected')
        assert.equal((r.reason as { code?: string }).code, 'E_PSEUDONYM_TAKEN');
    }
    const owner = ids[winners[0]!]!;
    const check = async () => {
      const c = await user(`checker-${Math.random().toString(36).slice(2, 8)}`);
      c.client.send({ type: 'lookup', requestId: 9, by: { pseudonym: 'carol' } });
      const res = await c.client.next((f) => f.type === 'lookup-result');
      assert.ok(res.type === 'lookup-result' && res.card);
      assert.deepEqual(res.card.userId, owner.signPk);
    };
    await check();
    for (const c of clients.splice(0)) c.close();
    await relay!.close();
    await start();
    await check();
  });

  it('lets one identity hold one name at a time, even when it registers two at once', async () => {
    await start();
    const id = generateIdentity();
    const results = await Promise.allSettled([
      RawClient.login(relay!.address.port, id, 'dave'),
      RawClient.login(relay!.address.port, id, 'david'),
    ]);
    for (const r of results) if (r.status === 'fulfilled') clients.push(r.value.client);
    const names = ['dave', 'david'];
    const held = async () => {
      const c = await user(`looker-${Math.random().toString(36).slice(2, 8)}`);
      const owned: string[] = [];
      for (const [i, name] of names.entries()) {
        c.client.send({ type: 'lookup', requestId: i, by: { pseudonym: name } });
        const res = await c.client.next((f) => f.type === 'lookup-result' && f.requestId === i);
        if (res.type === 'lookup-result' && res.card) owned.push(name);
      }
      return owned;
    };
    const now = await held();
    assert.equal(now.length, 1, `the identity holds ${now.join(' and ')}`);
    const refused = results.filter((r) => r.status === 'rejected');
    for (const r of refused) {
      assert.equal((r.reason as { code?: string }).code, 'E_REGISTRATION_BUSY');
    }
    for (const c of clients.splice(0)) c.close();
    await relay!.close();
    await start();
    assert.deepEqual(await held(), now);
  });

  it('refuses a look-alike of a taken name, a mixed-script name and a name that starts like an option', async () => {
    await start();
    await user('alice');
    const refused = async (name: string) => {
      try {
        const { client } = await RawClient.login(relay!.address.port, generateIdentity(), name);
        client.close();
        return 'accepted';
      } catch (err) {
        return (err as { code?: string }).code;
      }
    };
    // All-Cyrillic 'аӀісе' (U+0430 U+04C0 U+0456 U+0441 U+0435) is one script and looks like 'alice'.
    const cyrillic = '\u0430\u04c0\u0456\u0441\u0435';
    for (const lookalike of [cyrillic, 'ALICE', 'aIice', '\uff41lice'.normalize('NFKC')]) {
      assert.equal(await refused(lookalike), 'E_PSEUDONYM_TAKEN', lookalike);
    }
    assert.equal(await refused('\u0430lice'), 'E_BAD_PSEUDONYM', 'Cyrillic а among Latin letters');
    assert.equal(await refused('p\u0430ypal'), 'E_BAD_PSEUDONYM');
    for (const name of ['-bob', '/me', '@carol']) {
      assert.equal(await refused(name), 'E_BAD_PSEUDONYM', name);
    }
    assert.equal(await refused('Дмитрий'), 'accepted');
  });
});
