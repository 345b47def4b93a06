import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoxKeyring } from '../../../src/crypto/box.js';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { Beacon } from '../../../src/presence/beacon.js';
import { type RunningRelay, startRelay } from '../../../src/relay/index.js';
import { utf8 } from '../../../src/util/bytes.js';
import { MAX_PRELOGIN_FRAME_BYTES } from '../../../src/wire/limits.js';
import { RawClient, sealedSend } from '../../helpers/raw-client.js';
import { freeUdpPort, loopback } from '../presence/helpers.js';

describe('relay (integration, loopback)', () => {
  let dir: string;
  let relay: RunningRelay;
  const clients: RawClient[] = [];

  async function start(limits = {}) {
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, limits });
    return relay;
  }

  async function user(
    name: string,
    mode: 'register' | 'login' = 'register',
    id = generateIdentity(),
  ) {
    const { client, ready } = await RawClient.login(relay.address.port, id, name, mode);
    clients.push(client);
    return { client, ready, id };
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'natter-relay-'));
    await start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay.close();
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  });

  it('registers a pseudonym and logs in again with the same key', async () => {
    const alice = await user('alice');
    assert.equal(alice.ready.card.pseudonym, 'alice');
    alice.client.close();
    const again = await user('alice', 'login', alice.id);
    assert.equal(again.ready.card.pseudonym, 'alice');
  });

  it('refuses a pseudonym taken by another key, case-insensitively', async () => {
    await user('Alice');
    await assert.rejects(
      user('alice'),
      (err: { code?: string }) => err.code === 'E_PSEUDONYM_TAKEN',
    );
  });

  it('refuses a login with the wrong key', async () => {
    await user('alice');
    await assert.rejects(
      user('alice', 'login', generateIdentity()),
      (err: { code?: string }) => err.code === 'E_UNKNOWN_USER',
    );
  });

  it('acks a send only once stored, and delivers to the online recipient', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const send = sealedSend(bob.id.signPk, 'hi bob');
    alice.client.send(send);
    const ack = await alice.client.next((f) => f.type === 'send-ack');
    assert.equal(ack.type === 'send-ack' && ack.code, 'stored');
    const got = await bob.client.next((f) => f.type === 'deliver');
    assert.ok(got.type === 'deliver');
    assert.deepEqual(got.msgId, send.msgId);
    assert.deepEqual(got.ciphertext, send.ciphertext);
    assert.equal(got.from.pseudonym, 'alice');
  });

  it('keeps mail for an offline recipient across a relay restart until acked', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    bob.client.close();
    const send = sealedSend(bob.id.signPk, 'while you were out');
    alice.client.send(send);
    await alice.client.next((f) => f.type === 'send-ack');
    await relay.close();
    await start();
    const back = await user('bob', 'login', bob.id);
    assert.equal(back.ready.pending, 1);
    const got = await back.client.next((f) => f.type === 'deliver');
    assert.ok(got.type === 'deliver');
    assert.deepEqual(got.ciphertext, send.ciphertext);
    back.client.send({ type: 'deliver-ack', seqs: [got.seq] });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(relay.stats().storedMessages, 0);
  });

  it('answers an unknown recipient with a refusal, not a store', async () => {
    const alice = await user('alice');
    alice.client.send(sealedSend(generateIdentity().signPk, 'nobody'));
    const ack = await alice.client.next((f) => f.type === 'send-ack');
    assert.equal(ack.type === 'send-ack' && ack.code, 'unknown-recipient');
  });

  it('refuses mail beyond the recipient quota with a coded ack', async () => {
    await relay.close();
    await start({ maxMailboxMessages: 2 });
    const alice = await user('alice');
    const bob = await user('bob');
    bob.client.close();
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      alice.client.send(sealedSend(bob.id.signPk, `m${i}`));
      const ack = await alice.client.next((f) => f.type === 'send-ack');
      if (ack.type === 'send-ack') codes.push(ack.code);
    }
    assert.deepEqual(codes, ['stored', 'stored', 'recipient-quota']);
  });

  it('closes only the connection that sends garbage; others keep working', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const bad = await RawClient.connect(relay.address.port);
    bad.writeRaw(new Uint8Array([5, 0xff, 0xff, 0xff, 0xff, 0xff]));
    const err = await bad.next((f) => f.type === 'error');
    assert.equal(err.type === 'error' && err.code, 'E_MALFORMED');
    await bad.closed;
    alice.client.send(sealedSend(bob.id.signPk, 'still here'));
    assert.equal((await bob.client.next((f) => f.type === 'deliver')).type, 'deliver');
  });

  it('refuses an oversized frame before login before reading its body', async () => {
    const bad = await RawClient.connect(relay.address.port);
    // A varint claiming MAX_PRELOGIN_FRAME_BYTES + 1, and no body at all.
    const n = MAX_PRELOGIN_FRAME_BYTES + 1;
    bad.writeRaw(new Uint8Array([(n & 0x7f) | 0x80, n >> 7]));
    const err = await bad.next((f) => f.type === 'error');
    assert.equal(err.type === 'error' && err.code, 'E_FRAME_TOO_LARGE');
    await bad.closed;
  });

  it('rejects a frame that is not allowed in the current state', async () => {
    const bad = await RawClient.connect(relay.address.port);
    bad.send(sealedSend(generateIdentity().signPk, 'too early'));
    const err = await bad.next((f) => f.type === 'error');
    assert.equal(err.type === 'error' && err.code, 'E_UNEXPECTED_FRAME');
  });

  it('closes a connection that never finishes the handshake', async () => {
    await relay.close();
    await start({ handshakeTimeoutMs: 100 });
    const idle = await RawClient.connect(relay.address.port);
    const err = await idle.next((f) => f.type === 'error', 2000);
    assert.equal(err.type === 'error' && err.code, 'E_HANDSHAKE_TIMEOUT');
  });

  it('does not grow memory for a reader that never reads: mail waits in the store', async () => {
    await relay.close();
    await start({ maxSessionBufferedBytes: 64 * 1024 });
    const alice = await user('alice');
    const bob = await user('bob');
    bob.client.socket.pause(); // never reads again
    const big = 'x'.repeat(8000);
    const total = 4000; // ~32 MB of mail, far beyond kernel socket buffers
    for (let i = 0; i < total; i++) alice.client.send(sealedSend(bob.id.signPk, big));
    alice.client.keep = false;
    let acks = 0;
    await new Promise<void>((resolve) => {
      alice.client.onFrame = (f) => {
        if (f.type === 'send-ack' && ++acks === total) resolve();
      };
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(relay.stats().storedMessages, total);
    // The relay stopped pushing: what it queued for bob stays at the limit
    // (one frame over at most), not the megabytes that were sent.
    assert.ok(
      relay.stats().maxBufferedBytes <= 64 * 1024 + 9000,
      `buffered ${relay.stats().maxBufferedBytes} bytes`,
    );
    bob.client.socket.resume();
    let delivered = 0;
    const seqs: number[] = [];
    bob.client.keep = false;
    await new Promise<void>((resolve) => {
      const check = (f: { type: string; seq?: number }) => {
        if (f.type === 'deliver') {
          delivered++;
          seqs.push(f.seq!);
          // Acked as the client does, or the relay's window of unacked mail stops it.
          bob.client.send({ type: 'deliver-ack', seqs: [f.seq!] });
        }
        if (delivered === total) resolve();
      };
      for (const f of bob.client.frames.splice(0)) check(f);
      bob.client.onFrame = check;
    });
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'delivered in order',
    );
    assert.equal(new Set(seqs).size, total, 'each once');
  });

  it('pushes no more than its window of unacknowledged mail, and more as acks come', async () => {
    await relay.close();
    await start({ maxUnackedDeliveries: 50, maxUnackedDeliveryBytes: 1024 * 1024 });
    const alice = await user('alice');
    const bob = await user('bob');
    bob.client.close();
    const total = 180;
    for (let i = 0; i < total; i++) alice.client.send(sealedSend(bob.id.signPk, `m${i}`));
    alice.client.keep = false;
    let stored = 0;
    await new Promise<void>((resolve) => {
      alice.client.onFrame = (f) => {
        if (f.type === 'send-ack' && ++stored === total) resolve();
      };
    });
    const again = await user('bob', 'login', bob.id);
    const seqs = () => again.client.frames.flatMap((f) => (f.type === 'deliver' ? [f.seq] : []));
    const settle = () => new Promise((r) => setTimeout(r, 300));
    await settle();
    assert.equal(seqs().length, 50, 'the window, and not one more, before any ack');
    // A live message while the window is full waits its turn too.
    alice.client.send(sealedSend(bob.id.signPk, 'live'));
    await settle();
    assert.equal(seqs().length, 50);
    // Each ack opens the window by what it acknowledges.
    again.client.send({ type: 'deliver-ack', seqs: seqs().slice(0, 20) });
    await settle();
    assert.equal(seqs().length, 70);
    while (seqs().length < total + 1) {
      const before = seqs().length;
      again.client.send({ type: 'deliver-ack', seqs: seqs().slice(before - 50) });
      await settle();
      assert.ok(seqs().length > before, `stuck at ${before}`);
    }
    assert.equal(new Set(seqs()).size, total + 1, 'each once');
    assert.deepEqual(
      seqs(),
      [...seqs()].sort((a, b) => a - b),
      'in order',
    );
  });

  it('pushes a roster of who is connected, and tells others when someone leaves', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const joined = await alice.client.next(
      (f) =>
        f.type === 'roster-update' && f.entries.some((e) => e.card.pseudonym === 'bob' && e.online),
    );
    assert.ok(joined);
    bob.client.close();
    const left = await alice.client.next(
      (f) =>
        f.type === 'roster-update' &&
        f.entries.some((e) => e.card.pseudonym === 'bob' && !e.online),
    );
    assert.ok(left);
  });

  it('fails fast when a second relay opens the same data dir', async () => {
    await assert.rejects(
      startRelay({ dataDir: dir, host: '127.0.0.1', port: 0 }),
      (err: { code?: string }) => err.code === 'E_RELAY_LOCKED',
    );
  });

  it('stores no plaintext in its data directory', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    bob.client.close();
    const secret = 'the-password-is-swordfish';
    const ring = new BoxKeyring(alice.id.boxSk);
    const { nonce, ciphertext } = ring.seal(bob.id.boxPk, utf8(secret));
    alice.client.send({
      type: 'send',
      to: bob.id.signPk,
      msgId: randomBytes(16),
      nonce,
      ciphertext,
    });
    await alice.client.next((f) => f.type === 'send-ack');
    await relay.close();
    const files = await readdir(dir, { recursive: true });
    for (const f of files) {
      const bytes = await readFile(join(dir, f)).catch(() => Buffer.alloc(0));
      assert.equal(bytes.includes(secret), false, `plaintext found in ${f}`);
    }
    await start();
  });

  it('keeps running when a client resets its connection mid-frame', async () => {
    const sock = net.connect(relay.address.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(Buffer.from([50, 1, 2, 3]));
    sock.resetAndDestroy();
    const alice = await user('alice');
    assert.equal(alice.ready.type, 'ready');
  });
});

describe('relay discovery (integration, loopback broadcast)', () => {
  it('announces itself with a signed beacon that a listening client sees at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'natter-relay-'));
    const port = await freeUdpPort();
    const relay = await startRelay({
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      presence: loopback(port),
    });
    const listener = new Beacon(loopback(port));
    try {
      const seen = new Promise<{ port: number; relayIdHex: string }>((resolve) =>
        listener.on('relay:seen', (r) => resolve(r)),
      );
      await listener.start();
      const sighting = await seen;
      assert.equal(sighting.port, relay.address.port);
      assert.equal(sighting.relayIdHex, Buffer.from(relay.relayId).toString('hex'));
    } finally {
      await listener.stop();
      await relay.close();
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    }
  });
});
