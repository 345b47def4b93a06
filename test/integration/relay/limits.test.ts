/**
 * Every relay limit (src/relay/limits.ts) exceeded once, against a real relay
 * on loopback with a real LevelDB: the relay refuses with a code, closes only
 * the offending connection, and keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoxKeyring } from '../../../src/crypto/box.js';
import { generateIdentity, type Identity } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { type RelayLimits, type RunningRelay, startRelay } from '../../../src/relay/index.js';
import { utf8 } from '../../../src/util/bytes.js';
import { ManualClock } from '../../../src/util/clock.js';
import type { AckCode, FrameOf } from '../../../src/wire/types.js';
import { RawClient } from '../../helpers/raw-client.js';

describe('relay limits (integration, loopback)', () => {
  let dir: string;
  let relay: RunningRelay | null = null;
  const clients: RawClient[] = [];
  const ring = new BoxKeyring(generateIdentity().boxSk);
  const someone = generateIdentity().boxPk;

  async function start(limits: Partial<RelayLimits> = {}, clock?: ManualClock) {
    relay = await startRelay({
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      limits,
      ...(clock ? { clock } : {}),
    });
    return relay;
  }

  async function user(
    name: string,
    id: Identity = generateIdentity(),
    mode: 'register' | 'login' = 'register',
  ) {
    const { client, ready } = await RawClient.login(relay!.address.port, id, name, mode);
    clients.push(client);
    return { client, ready, id };
  }

  function send(to: Uint8Array, text = 'x'): FrameOf<'send'> {
    const { nonce, ciphertext } = ring.seal(someone, utf8(text));
    return { type: 'send', to, msgId: randomBytes(16), nonce, ciphertext };
  }

  async function codesOf(client: RawClient, frames: FrameOf<'send'>[]): Promise<AckCode[]> {
    const codes: AckCode[] = [];
    for (const f of frames) {
      client.send(f);
      const ack = await client.next((x) => x.type === 'send-ack');
      if (ack.type === 'send-ack') codes.push(ack.code);
    }
    return codes;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-limits-'));
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay?.close();
    relay = null;
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('refuses mail beyond maxPendingPerSender with ACK_SENDER_QUOTA', async () => {
    await start({ maxPendingPerSender: 2 });
    const alice = await user('alice');
    const bob = await user('bob');
    const carol = await user('carol');
    bob.client.close();
    carol.client.close();
    const codes = await codesOf(alice.client, [
      send(bob.id.signPk),
      send(carol.id.signPk),
      send(bob.id.signPk),
    ]);
    assert.deepEqual(codes, ['stored', 'stored', 'sender-quota']);
  });

  it('refuses mail beyond maxMailboxBytes with ACK_RECIPIENT_QUOTA', async () => {
    await start({ maxMailboxBytes: 3000 });
    const alice = await user('alice');
    const bob = await user('bob');
    bob.client.close();
    const big = 'y'.repeat(1200);
    const codes = await codesOf(alice.client, [
      send(bob.id.signPk, big),
      send(bob.id.signPk, big),
      send(bob.id.signPk, big),
    ]);
    assert.deepEqual(codes, ['stored', 'stored', 'recipient-quota']);
  });

  it('refuses new mail and registrations below the free-disk watermark, read before each batch, and keeps serving', async () => {
    let free: number | null = 1 << 30;
    relay = await startRelay({
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      limits: { minFreeDiskBytes: 1 << 20 },
      freeBytes: async () => free,
    });
    const alice = await user('alice');
    const bob = await user('bob');
    assert.deepEqual(await codesOf(alice.client, [send(bob.id.signPk)]), ['stored']);
    free = 1 << 19; // no timer: the next batch reads it
    assert.deepEqual(await codesOf(alice.client, [send(bob.id.signPk)]), ['disk-full']);
    assert.deepEqual(await codesOf(alice.client, [send(bob.id.signPk)]), ['disk-full']);
    await assert.rejects(user('carol'), (e: { code?: string }) => e.code === 'E_DISK_FULL');
    alice.client.send({ type: 'ping', nonce: 7 });
    const pong = await alice.client.next((f) => f.type === 'pong');
    assert.equal(pong.type === 'pong' && pong.nonce, 7);
    free = 1 << 30;
    // Accepting again once the periodic recheck (only while full) sees the space.
    const deadline = Date.now() + 5_000;
    let code: AckCode | undefined = 'disk-full';
    while (code === 'disk-full' && Date.now() < deadline) {
      [code] = await codesOf(alice.client, [send(bob.id.signPk)]);
      if (code === 'disk-full') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(code, 'stored');
  });

  it('drops mail older than mailTtlMs, even across a restart', async () => {
    const clock = new ManualClock(Date.now());
    await start({}, clock);
    const alice = await user('alice');
    const bob = await user('bob');
    bob.client.close();
    await codesOf(alice.client, [send(bob.id.signPk)]);
    assert.equal(relay!.stats().storedMessages, 1);
    await relay!.close();
    clock.advance(31 * 24 * 60 * 60 * 1000);
    await start({}, clock);
    assert.equal(relay!.stats().storedMessages, 0);
    const back = await user('bob', bob.id, 'login');
    assert.equal(back.ready.pending, 0);
  });

  it('closes a ready session that stays silent past idleTimeoutMs', async () => {
    await start({ idleTimeoutMs: 150 });
    const alice = await user('alice');
    const err = await alice.client.next((f) => f.type === 'error', 3000);
    assert.equal(err.type === 'error' && err.code, 'E_IDLE_TIMEOUT');
  });

  it('refuses a session beyond maxSessionsPerUser, keeping the others', async () => {
    await start({ maxSessionsPerUser: 2 });
    const id = generateIdentity();
    await user('alice', id);
    await user('alice', id, 'login');
    await assert.rejects(
      user('alice', id, 'login'),
      (e: { code?: string }) => e.code === 'E_TOO_MANY_SESSIONS',
    );
    assert.equal(relay!.stats().onlineUsers, 1);
  });

  it('refuses connections beyond maxConnections and serves again once one closes', async () => {
    await start({ maxConnections: 2 });
    const a = await user('alice');
    await user('bob');
    // Told why before any Hello (E_RELAY_FULL), then closed: no session is made for it.
    const refused = await RawClient.connect(relay!.address.port);
    const err = await refused.next((f) => f.type === 'error');
    assert.equal(err.type === 'error' && err.code, 'E_RELAY_FULL');
    await refused.closed;
    a.client.close();
    await a.client.closed;
    await new Promise((r) => setTimeout(r, 50));
    const again = await user('carol');
    assert.equal(again.ready.type, 'ready');
  });

  it('stops reading a sender past maxInflightSendsPerSession, then resumes: every send is acked', async () => {
    await start({ maxInflightSendsPerSession: 4 });
    const alice = await user('alice');
    const bob = await user('bob');
    bob.client.close();
    const total = 200;
    alice.client.keep = false;
    const acked = new Promise<number>((resolve) => {
      let n = 0;
      alice.client.onFrame = (f) => {
        if (f.type === 'send-ack' && f.code === 'stored' && ++n === total) resolve(n);
      };
    });
    for (let i = 0; i < total; i++) alice.client.send(send(bob.id.signPk));
    assert.equal(await acked, total);
    assert.equal(relay!.stats().storedMessages, total);
  });

  it('shares maxRelayInflightSends among busy senders (21 each of 64 for three): every send is acked', async () => {
    await start({ maxInflightSendsPerSession: 64, maxRelayInflightSends: 64 });
    const senders = [await user('alice'), await user('carol'), await user('dave')];
    const bob = await user('bob');
    bob.client.close();
    const each = 300;
    const acked = senders.map(
      (s) =>
        new Promise<number>((resolve) => {
          let n = 0;
          s.client.keep = false;
          s.client.onFrame = (f) => {
            if (f.type === 'send-ack' && f.code === 'stored' && ++n === each) resolve(n);
          };
        }),
    );
    for (let i = 0; i < each; i++) for (const s of senders) s.client.send(send(bob.id.signPk));
    assert.deepEqual(await Promise.all(acked), [each, each, each]);
    assert.equal(relay!.stats().storedMessages, 3 * each);
  });
});
