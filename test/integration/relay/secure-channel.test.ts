/**
 * Issue 10, the secure channel: every client↔relay connection runs inside TLS 1.3
 * keyed by the relay id, and Register/Login sign the channel binding. Real relay,
 * real clients and the two men in the middle (test/helpers/proxies.ts), all on
 * loopback with port 0.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { generateIdentity } from '../../../src/crypto/keys.js';
import { randomBytes } from '../../../src/crypto/random.js';
import type { NatterClient } from '../../../src/peer/client.js';
import { connectTls } from '../../../src/peer/link/transport.js';
import { profilePaths } from '../../../src/peer/profile.js';
import { fromHex, toHex, utf8 } from '../../../src/util/bytes.js';
import { isNatterError } from '../../../src/util/errors.js';
import { decodeFrame, encodeFrame } from '../../../src/wire/codec.js';
import { FrameDecoder, frame as framed } from '../../../src/wire/framing.js';
import { LEGACY_PROTOCOL_VERSION, MAX_FRAME_BYTES } from '../../../src/wire/limits.js';
import type { Frame } from '../../../src/wire/types.js';
import { nextEvent } from '../../helpers/events.js';
import { makeClient } from '../../helpers/profile.js';
import {
  type ByteProxy,
  startByteProxy,
  startTerminatingProxy,
  type TerminatingProxy,
} from '../../helpers/proxies.js';
import { RawClient } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';

/** Everything a plain socket receives until the other side closes it. */
function readUntilClosed(socket: net.Socket, timeoutMs = 5000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the relay did not close')), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

function framesOf(bytes: Buffer): Frame[] {
  return new FrameDecoder(MAX_FRAME_BYTES).push(bytes).map((b) => decodeFrame(b));
}

async function pings(client: RawClient): Promise<void> {
  const nonce = Math.floor(Math.random() * 1e9);
  client.send({ type: 'ping', nonce });
  await client.next((f) => f.type === 'pong' && f.nonce === nonce);
}

describe('the secure channel to the relay (TLS 1.3, channel binding; integration, loopback)', () => {
  let relay: TestRelay;
  const clients: NatterClient[] = [];
  const raws: RawClient[] = [];
  const closers: { close(): Promise<void> }[] = [];

  const client = async (name: string, at: { host: string; port: number }) => {
    const c = await makeClient(name, at, { reconnect: { baseMs: 20, maxMs: 100 } });
    clients.push(c);
    return c;
  };
  const raw = <T extends { client: RawClient }>(x: T): T => {
    raws.push(x.client);
    return x;
  };
  const byteProxy = async (): Promise<ByteProxy> => {
    const p = await startByteProxy(relay);
    closers.push(p);
    return p;
  };
  const terminatingProxy = async (): Promise<TerminatingProxy> => {
    const p = await startTerminatingProxy(relay);
    closers.push(p);
    return p;
  };

  beforeEach(async () => {
    relay = await startTestRelay();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const r of raws.splice(0)) r.close();
    await Promise.all(closers.splice(0).map((c) => c.close()));
    await relay.close();
    await removeTempDirs();
  });

  it("keys the channel with the relay id: the certificate's key is the id the Challenge claims", async () => {
    const c = await RawClient.connect(relay.port);
    raws.push(c);
    const challenge = await c.hello();
    assert.equal(toHex(c.relayKey!), toHex(relay.relay.relayId));
    assert.equal(toHex(challenge.relayId), toHex(relay.relay.relayId));
    const socket = c.socket as import('node:tls').TLSSocket;
    assert.equal(socket.getProtocol(), 'TLSv1.3');
  });

  it('picks AES-128-GCM whatever order a client offers, and still takes a client that offers only another suite', async () => {
    const suiteOf = (ciphers?: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect(
          {
            host: '127.0.0.1',
            port: relay.port,
            minVersion: 'TLSv1.3',
            rejectUnauthorized: false,
            ...(ciphers === undefined ? {} : { ciphers }),
          },
          () => {
            resolve(socket.getCipher().standardName);
            socket.destroy();
          },
        );
        socket.on('error', reject);
      });
    // Node's own default order offers AES-256-GCM first.
    assert.equal(await suiteOf(), 'TLS_AES_128_GCM_SHA256');
    assert.equal(
      await suiteOf('TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256'),
      'TLS_AES_128_GCM_SHA256',
    );
    assert.equal(await suiteOf('TLS_AES_256_GCM_SHA384'), 'TLS_AES_256_GCM_SHA384');
    assert.equal(await suiteOf('TLS_CHACHA20_POLY1305_SHA256'), 'TLS_CHACHA20_POLY1305_SHA256');
    // natter's own client's channel.
    const channel = await connectTls('127.0.0.1', relay.port);
    const socket = channel.stream as tls.TLSSocket;
    assert.equal(socket.getCipher().standardName, 'TLS_AES_128_GCM_SHA256');
    socket.destroy();
  });

  it('refuses a relay whose TLS key is not the relay id, signing and pinning nothing (E_RELAY_TLS_KEY_MISMATCH)', async () => {
    const proxy = await terminatingProxy();
    const alice = await client('alice', proxy);
    await assert.rejects(alice.connect({ timeoutMs: 10_000 }), (e) =>
      isNatterError(e, 'E_RELAY_TLS_KEY_MISMATCH'),
    );
    assert.deepEqual(
      proxy.fromClients.map((f) => f.type),
      ['hello'],
      'nothing signed reached the proxy',
    );
    assert.equal(relay.relay.stats().users, 0);
    const config = await readFile(profilePaths(alice.profile.dir).config, 'utf8').catch(() => '');
    assert.equal(config.includes(toHex(relay.relay.relayId)), false, 'the relay id is not pinned');
    assert.equal(config.includes(toHex(proxy.key)), false, "nor the proxy's key");
  });

  it('refuses at login a signature that a TLS-terminating proxy forwards from its client (E_AUTH_FAILED)', async () => {
    // A client that skipped the key check signs the binding of its channel to the proxy;
    // the proxy forwards it on its own channel, whose binding the relay checks.
    const proxy = await terminatingProxy();
    const alice = generateIdentity();
    await assert.rejects(
      RawClient.login(proxy.port, alice, 'alice', 'register', { trustAnyKey: true }),
      (e: { code?: string }) => e.code === 'E_AUTH_FAILED',
    );
    assert.equal(relay.relay.stats().users, 0, 'nothing registered through the proxy');
    assert.ok(
      proxy.fromClients.some((f) => f.type === 'register'),
      'the proxy did forward it',
    );

    raw(await RawClient.login(relay.port, alice, 'alice'));
    await assert.rejects(
      RawClient.login(proxy.port, alice, 'alice', 'login', { trustAnyKey: true }),
      (e: { code?: string }) => e.code === 'E_AUTH_FAILED',
    );
    assert.equal(relay.relay.stats().onlineUsers, 1, 'only the direct session is online');
  });

  it('works through a proxy that only forwards bytes, which sees neither names, keys, ids nor text', async () => {
    const proxy = await byteProxy();
    const zanzibar = await client('zanzibar', proxy);
    const quixotic = await client('quixotic', proxy);
    await Promise.all([zanzibar.connect(), quixotic.connect()]);
    const got = nextEvent(quixotic, 'message:received', () => true, 10_000);
    const text = 'meet at the old mill at dawn';
    const id = await zanzibar.send('quixotic', text);
    assert.equal((await got).text, text);
    await nextEvent(zanzibar, 'message:status', (e) => e.state === 'delivered', 10_000).catch(
      () => undefined,
    );
    const wire = proxy.bytes();
    assert.ok(wire.length > 1000, `the proxy carried the sessions (${wire.length} bytes)`);
    const secrets: [string, Uint8Array][] = [
      ['a pseudonym', utf8('zanzibar')],
      ['a pseudonym', utf8('quixotic')],
      ['the text', utf8(text)],
      ['the message id', fromHex(id)],
      ["the sender's user id", fromHex(zanzibar.me.userId)],
      ["the recipient's user id", fromHex(quixotic.me.userId)],
    ];
    for (const [what, bytes] of secrets) {
      assert.equal(wire.indexOf(bytes), -1, `${what} crossed the proxy in the clear`);
    }
  });

  it('ends the connection when a forwarding proxy alters a byte, either way, and keeps serving others', async () => {
    const proxy = await byteProxy();
    const bystander = raw(await RawClient.login(relay.port, generateIdentity(), 'bystander'));
    for (const direction of ['up', 'down'] as const) {
      const victim = raw(
        await RawClient.login(proxy.port, generateIdentity(), `victim-${direction}`),
      );
      await pings(victim.client);
      proxy.alterNext(direction);
      victim.client.send({ type: 'ping', nonce: 7 });
      await victim.client.closed;
      assert.equal(
        victim.client.frames.some((f) => f.type === 'pong' && f.nonce === 7),
        false,
        'nothing altered was taken as a frame',
      );
    }
    await pings(bystander.client);
    for (let i = 0; i < 100 && relay.relay.stats().connections > 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(relay.relay.stats().connections, 1, "the relay dropped both victims' sessions");
  });

  it('lets the real client reconnect after an altered byte ended its connection', async () => {
    const proxy = await byteProxy();
    const alice = await client('alice', proxy);
    await alice.connect();
    const offline = nextEvent(alice, 'connection:state', (e) => e.state === 'offline');
    const back = nextEvent(alice, 'connection:state', (e) => e.state === 'ready', 10_000);
    proxy.alterNext('up');
    await alice.setStatus('away');
    await offline;
    await back;
    assert.ok(proxy.connections >= 2);
  });

  it('answers a natter 1 client (plain TCP) with a plaintext E_BAD_VERSION and closes', async () => {
    const socket = net.connect(relay.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const received = readUntilClosed(socket);
    socket.write(
      framed(
        encodeFrame({
          type: 'hello',
          version: LEGACY_PROTOCOL_VERSION,
          clientNonce: randomBytes(32),
          features: 0,
        }),
      ),
    );
    const frames = framesOf(await received);
    assert.equal(frames.length, 1);
    const [refusal] = frames;
    assert.equal(refusal?.type === 'error' && refusal.code, 'E_BAD_VERSION');
    assert.match(refusal?.type === 'error' ? refusal.message : '', /protocol 2.*TLS 1\.3/);
    assert.equal(relay.relay.stats().connections, 0);
  });

  it('refuses a version-1 Hello inside TLS with E_BAD_VERSION', async () => {
    const c = await RawClient.connect(relay.port);
    raws.push(c);
    c.send({
      type: 'hello',
      version: LEGACY_PROTOCOL_VERSION,
      clientNonce: randomBytes(32),
      features: 0,
    });
    const f = await c.next((x) => x.type === 'error');
    assert.equal(f.type === 'error' && f.code, 'E_BAD_VERSION');
    await c.closed;
  });

  it('closes a TLS handshake that never completes at the handshake deadline', async () => {
    const slow = await startTestRelay({ limits: { handshakeTimeoutMs: 300 } });
    closers.push(slow);
    const socket = net.connect(slow.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = readUntilClosed(socket, 5000);
    socket.write(Buffer.from([0x16, 0x03, 0x01])); // a ClientHello record that never arrives
    const started = performance.now();
    await closed;
    assert.ok(performance.now() - started < 3000);
    // And one that says nothing at all.
    const mute = net.connect(slow.port, '127.0.0.1');
    await readUntilClosed(mute, 5000);
    assert.equal(slow.relay.stats().connections, 0);
  });

  it('does not wait for handshakes in progress when it stops', async () => {
    const socket = net.connect(relay.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = readUntilClosed(socket, 5000);
    socket.write(Buffer.from([0x16, 0x03, 0x01]));
    const mute = net.connect(relay.port, '127.0.0.1');
    const muteClosed = readUntilClosed(mute, 5000);
    await new Promise((resolve) => mute.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await relay.close();
    await Promise.all([closed, muteClosed]);
    assert.ok(performance.now() - started < 2000, 'well before the 10 s handshake deadline');
  });

  it('is refused by the client when the relay does not speak TLS (no plaintext fallback)', async () => {
    const plain = await startTestRelay({ tls: false });
    closers.push(plain);
    await assert.rejects(connectTls('127.0.0.1', plain.port), (e) =>
      isNatterError(e, 'E_RELAY_TLS_FAILED'),
    );
    const alice = await client('alice', plain);
    await assert.rejects(
      alice.connect({ timeoutMs: 1500 }),
      (e) =>
        isNatterError(e, 'E_RELAY_TIMEOUT') &&
        /did not complete a TLS 1\.3 handshake/.test((e as Error).message),
    );
    assert.equal(plain.relay.stats().users, 0);
    const accepted: net.Socket[] = [];
    const nobody = net.createServer((s) => {
      accepted.push(s);
      s.on('error', () => {});
      s.end(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    await new Promise<void>((resolve) => nobody.listen(0, '127.0.0.1', resolve));
    const { port } = nobody.address() as net.AddressInfo;
    await assert.rejects(connectTls('127.0.0.1', port), (e) =>
      isNatterError(e, 'E_RELAY_TLS_FAILED'),
    );
    for (const s of accepted) s.destroy();
    await new Promise((resolve) => nobody.close(resolve));
  });
});
