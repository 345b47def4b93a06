import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { signCard } from '../../../../src/crypto/card.js';
import { generateIdentity } from '../../../../src/crypto/keys.js';
import { randomBytes } from '../../../../src/crypto/random.js';
import {
  authMessage,
  generateSigningKeyPair,
  TAG_LOGIN_V2,
  TAG_REGISTER_V2,
  verify,
} from '../../../../src/crypto/sign.js';
import type { ConnectionState } from '../../../../src/peer/events.js';
import {
  RelayConnection,
  type RelayConnectionOptions,
} from '../../../../src/peer/link/connection.js';
import type { AuthMode } from '../../../../src/peer/link/handshake.js';
import { Backoff } from '../../../../src/util/backoff.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { isNatterError, NatterError } from '../../../../src/util/errors.js';
import { encodeFrame } from '../../../../src/wire/codec.js';
import { frame as framed } from '../../../../src/wire/framing.js';
import type { Frame } from '../../../../src/wire/types.js';
import { backpressuredPair, duplexPair } from '../../../helpers/duplex.js';
import {
  FAKE_BINDING,
  FAKE_RELAY_KEY,
  FakeRelay,
  fakeChannel,
  honestRelay,
  type RelayScript,
} from '../../../helpers/fake-relay.js';

const relayKey = FAKE_RELAY_KEY;
const me = generateIdentity();
const myCard = signCard(me, 'alice');

/** A well-behaved relay: challenge, then Ready for any Register/Login. */
const honest = honestRelay(myCard);

function rig(
  script: RelayScript = honest,
  overrides: Partial<RelayConnectionOptions> = {},
  pair: () => [Duplex, Duplex] = duplexPair,
  channelKey: Uint8Array = relayKey.publicKey,
) {
  const relays: FakeRelay[] = [];
  const states: ConnectionState[] = [];
  const readies: AuthMode[] = [];
  const frames: Frame[] = [];
  let fatal: NatterError | null = null;
  const conn = new RelayConnection({
    connect: async () => {
      const [client, server] = pair();
      relays.push(new FakeRelay(server, script));
      return fakeChannel(client, channelKey);
    },
    identity: me,
    pseudonym: 'alice',
    checkRelay: async () => undefined,
    authMode: async () => 'register',
    handlers: {
      deliver: (f) => frames.push(f),
      'send-ack': (f) => frames.push(f),
      'roster-update': (f) => frames.push(f),
      'group-deliver': (f) => frames.push(f),
      'group-resend-result': (f) => frames.push(f),
      'file-chunk': (f) => frames.push(f),
      'file-chunk-ack': (f) => frames.push(f),
      'store-status': (f) => frames.push(f),
    },
    backoff: new Backoff({ baseMs: 1, maxMs: 2 }),
    ...overrides,
  });
  conn.on('state', (s) => states.push(s));
  conn.on('ready', (info) => readies.push(info.mode));
  conn.on('fatal', (err) => {
    fatal = err;
  });
  return { conn, relays, states, readies, frames, fatal: () => fatal };
}

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `test` holds; the bound is generous because CI machines are busy. */
async function until(test: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (test()) return;
    await tick(5);
  }
  if (!test()) assert.fail(`timed out waiting for ${what}`);
}

describe('relay connection: handshake, keepalive and reconnection', () => {
  it('registers with a signature over the relay id, the challenge, the channel binding and the pseudonym', async () => {
    const r = rig();
    r.conn.start();
    await until(() => r.conn.ready, 'ready');
    const relay = r.relays[0]!;
    const reg = relay.frames.find((f) => f.type === 'register');
    assert.ok(reg && reg.type === 'register');
    const msg = authMessage(
      TAG_REGISTER_V2,
      relayKey.publicKey,
      relay.challenge,
      FAKE_BINDING,
      'alice',
    );
    assert.ok(verify(me.signPk, msg, reg.sig));
    const elsewhere = new Uint8Array(32).fill(0x01);
    const other = authMessage(
      TAG_REGISTER_V2,
      relayKey.publicKey,
      relay.challenge,
      elsewhere,
      'alice',
    );
    assert.equal(verify(me.signPk, other, reg.sig), false, 'bound to this channel only');
    assert.deepEqual(r.readies, ['register']);
    assert.deepEqual(r.states, ['connecting', 'ready']);
    r.conn.close();
  });

  it('logs in with a login-tagged signature once registered', async () => {
    const r = rig(honest, { authMode: async () => 'login' });
    r.conn.start();
    await until(() => r.conn.ready, 'ready');
    const relay = r.relays[0]!;
    const login = relay.frames.find((f) => f.type === 'login');
    assert.ok(login && login.type === 'login');
    const msg = authMessage(
      TAG_LOGIN_V2,
      relayKey.publicKey,
      relay.challenge,
      FAKE_BINDING,
      'alice',
    );
    assert.ok(verify(me.signPk, msg, login.sig));
    r.conn.close();
  });

  it('refuses a relay that cannot prove its key and never signs anything for it', async () => {
    const impostor = generateSigningKeyPair();
    const r = rig((relay, f) => {
      if (f.type === 'hello') relay.sendChallenge(f.clientNonce, impostor.secretKey);
    });
    r.conn.start();
    await until(() => r.fatal() !== null, 'fatal');
    assert.ok(isNatterError(r.fatal(), 'E_RELAY_BAD_SIGNATURE'));
    assert.equal(r.relays[0]!.frames.filter((f) => f.type === 'register').length, 0);
    assert.equal(r.conn.closed, true);
  });

  it('refuses a relay whose TLS channel is keyed by another key than the relay id, signing nothing', async () => {
    // A proxy that terminates TLS with its own key and forwards the real relay's Challenge:
    // the Challenge and its signature are genuine, the channel is not the relay's.
    const proxyKey = generateSigningKeyPair().publicKey;
    let pinChecked = false;
    const r = rig(
      honest,
      {
        checkRelay: async () => {
          pinChecked = true;
        },
      },
      duplexPair,
      proxyKey,
    );
    r.conn.start();
    await until(() => r.fatal() !== null, 'fatal');
    assert.ok(isNatterError(r.fatal(), 'E_RELAY_TLS_KEY_MISMATCH'));
    assert.deepEqual(
      r.relays[0]!.frames.map((f) => f.type),
      ['hello'],
      'no Register or Login left',
    );
    assert.equal(pinChecked, false, 'refused before the pin is even consulted');
    assert.equal(r.conn.closed, true, 'final: not dialled again');
  });

  it('stops at once when the transport reports a channel that cannot be a relay', async () => {
    let dials = 0;
    const r = rig(honest, {
      connect: async () => {
        dials++;
        throw new NatterError('E_RELAY_TLS_KEY_MISMATCH', 'certificate holds an RSA key');
      },
    });
    r.conn.start();
    await until(() => r.fatal() !== null, 'fatal');
    assert.ok(isNatterError(r.fatal(), 'E_RELAY_TLS_KEY_MISMATCH'));
    await tick(30);
    assert.equal(dials, 1);
  });

  it('keeps dialling a relay that does not complete TLS (it may be upgraded)', async () => {
    let dials = 0;
    const r = rig(honest, {
      connect: async () => {
        dials++;
        throw new NatterError('E_RELAY_TLS_FAILED', 'wrong version number');
      },
    });
    r.conn.start();
    await until(() => dials >= 3, 'three dials');
    assert.equal(r.fatal(), null);
    r.conn.close();
  });

  it('stops without logging in when the relay key differs from the pinned one', async () => {
    const r = rig(honest, {
      checkRelay: async () => {
        throw new NatterError('E_RELAY_KEY_CHANGED', 'pinned key differs');
      },
    });
    r.conn.start();
    await until(() => r.fatal() !== null, 'fatal');
    assert.ok(isNatterError(r.fatal(), 'E_RELAY_KEY_CHANGED'));
    assert.deepEqual(
      r.relays[0]!.frames.map((f) => f.type),
      ['hello'],
    );
    await tick(30);
    assert.equal(r.relays.length, 1, 'no reconnect loop');
  });

  it('treats a refused login as final: surfaces the code and does not reconnect', async () => {
    for (const code of ['E_PSEUDONYM_TAKEN', 'E_AUTH_FAILED', 'E_UNKNOWN_USER']) {
      const r = rig((relay, f) => {
        if (f.type === 'hello') relay.sendChallenge(f.clientNonce);
        if (f.type === 'register') relay.send({ type: 'error', code, message: 'no' });
      });
      r.conn.start();
      await until(() => r.fatal() !== null, 'fatal');
      assert.ok(isNatterError(r.fatal(), code));
      await tick(30);
      assert.equal(r.relays.length, 1, `${code}: no reconnect loop`);
    }
  });

  it('reconnects after the link drops and logs in again', async () => {
    const r = rig();
    r.conn.start();
    await until(() => r.conn.ready, 'first ready');
    r.relays[0]!.socket.destroy();
    await until(() => r.readies.length === 2, 'second ready');
    assert.ok(r.states.includes('offline'));
    assert.equal(r.relays.length, 2);
    r.conn.close();
  });

  it('drops a relay that sends garbage, then reconnects', async () => {
    let first = true;
    const r = rig((relay, f) => {
      if (f.type === 'hello' && first) {
        first = false;
        relay.socket.write(Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]));
        return;
      }
      honest(relay, f);
    });
    r.conn.start();
    await until(() => r.conn.ready, 'ready after garbage');
    assert.equal(r.relays.length, 2);
    r.conn.close();
  });

  it('drops a relay that announces an oversized frame before login, then reconnects', async () => {
    let first = true;
    const r = rig((relay, f) => {
      if (f.type === 'hello' && first) {
        first = false;
        // A length prefix of 100 000 bytes, far over the 2 KiB pre-login cap, and no body.
        relay.socket.write(Buffer.from([0xa0, 0x8d, 0x06]));
        return;
      }
      honest(relay, f);
    });
    r.conn.start();
    await until(() => r.relays.length === 2, 'reconnect');
    r.conn.close();
  });

  it('accepts a roster far over the pre-login cap arriving in the same chunk as Ready', async () => {
    const cards = Array.from({ length: 50 }, (_, i) => {
      const id = generateIdentity();
      return signCard(id, `user${i}`);
    });
    const roster: Frame = {
      type: 'roster-update',
      full: true,
      entries: cards.map((card) => ({
        card,
        status: 'online',
        statusText: '',
        online: true,
        signed: null,
      })),
    };
    const r = rig((relay, f) => {
      if (f.type === 'hello') relay.sendChallenge(f.clientNonce);
      if (f.type === 'register' || f.type === 'login') {
        const ready = framed(
          encodeFrame({ type: 'ready', card: myCard, pending: 0, serverTimeMs: 1 }),
        );
        relay.socket.write(Buffer.concat([ready, framed(encodeFrame(roster))]));
      }
    });
    r.conn.start();
    await until(() => r.frames.length === 1, 'the roster');
    assert.equal(r.relays.length, 1, 'no reconnect');
    assert.equal((r.frames[0] as { entries: unknown[] }).entries.length, 50);
    r.conn.close();
  });

  it('passes frames after Ready to its owner, answers pings, and pings when quiet', async () => {
    const clock = new ManualClock();
    const r = rig(honest, { clock, pingIntervalMs: 1000 });
    r.conn.start();
    await until(() => r.conn.ready, 'ready');
    const relay = r.relays[0]!;
    relay.send({ type: 'ping', nonce: 7 });
    await until(() => relay.frames.some((f) => f.type === 'pong'), 'pong');
    assert.deepEqual(r.frames, []);
    r.conn.close();

    const r2 = rig(honest, { clock, pingIntervalMs: 1000 });
    r2.conn.start();
    await until(() => r2.conn.ready, 'ready');
    r2.relays[0]!.send({ type: 'send-ack', msgId: randomBytes(16), code: 'stored', reason: '' });
    await until(() => r2.frames.length === 1, 'frame to owner');
    clock.advance(1000);
    await until(() => r2.relays[0]!.frames.some((f) => f.type === 'ping'), 'ping');
    r2.conn.close();
  });

  it('drops a relay that sends a frame kind a session never expects, then reconnects', async () => {
    let first = true;
    const r = rig((relay, f) => {
      honest(relay, f);
      if ((f.type === 'register' || f.type === 'login') && first) {
        first = false;
        relay.send({ type: 'hello', version: 1, clientNonce: randomBytes(32), features: 0 });
      }
    });
    r.conn.start();
    await until(() => r.readies.length === 2, 'second ready');
    assert.deepEqual(r.frames, []);
    r.conn.close();
  });

  it('drops a link that stays silent through two pings and reconnects', async () => {
    const clock = new ManualClock();
    const r = rig(honest, { clock, pingIntervalMs: 1000 });
    r.conn.start();
    await until(() => r.conn.ready, 'ready');
    clock.advance(1000);
    clock.advance(1000);
    clock.advance(1000);
    assert.ok(r.states.includes('offline'));
    clock.advance(10);
    await until(() => r.readies.length === 2, 'reconnected');
    r.conn.close();
  });

  it('says goodbye on logout and reports closed once', async () => {
    const r = rig();
    r.conn.start();
    await until(() => r.conn.ready, 'ready');
    const relay = r.relays[0]!;
    relay.socket.on('end', () => relay.socket.end());
    await r.conn.logout();
    assert.ok(relay.frames.some((f) => f.type === 'goodbye'));
    r.conn.close();
    assert.equal(r.states.filter((s) => s === 'closed').length, 1);
    assert.equal(r.conn.send({ type: 'ping', nonce: 1 }), false);
  });

  it('hands lookup results to its requests, and fails those waiting when the link drops', async () => {
    const r = rig();
    r.conn.start();
    await until(() => r.conn.ready, 'ready');
    const relay = r.relays[0]!;
    const answered = r.conn.requests.request('lookup', { by: { pseudonym: 'bob' } });
    await until(() => relay.frames.some((f) => f.type === 'lookup'), 'the lookup');
    const lookup = relay.frames.find((f) => f.type === 'lookup');
    assert.ok(lookup?.type === 'lookup');
    relay.send({ type: 'lookup-result', requestId: lookup.requestId, card: myCard, online: true });
    assert.deepEqual((await answered).card?.pseudonym, 'alice');
    assert.deepEqual(r.frames, [], "replies are not the owner's business");

    const orphaned = r.conn.requests.request('lookup', { by: { pseudonym: 'carol' } });
    relay.socket.destroy();
    await assert.rejects(orphaned, (e) => isNatterError(e, 'E_OFFLINE'));
    r.conn.close();
  });

  it('reports a relay that stops reading as not writable, and drains once it reads again', async () => {
    const r = rig(honest, {}, () => backpressuredPair(4 * 1024));
    r.conn.start();
    await until(() => r.conn.ready, 'ready');
    const relay = r.relays[0]!;
    relay.socket.pause();
    let drains = 0;
    r.conn.on('drain', () => drains++);
    const big = (n: number): Frame => ({
      type: 'send',
      to: new Uint8Array(32),
      msgId: new Uint8Array(16).fill(n),
      nonce: new Uint8Array(24),
      ciphertext: new Uint8Array(32 * 1024),
    });
    let sent = 0;
    while (r.conn.writable && sent < 1000) {
      r.conn.send(big(sent++));
      await tick(1);
    }
    assert.equal(r.conn.writable, false, 'the link pushed back');
    assert.ok(sent < 1000);
    const writable = r.conn.whenWritable();
    relay.socket.resume();
    await writable;
    assert.ok(drains >= 1);
    await until(() => relay.frames.filter((f) => f.type === 'send').length === sent, 'every send');
    r.conn.close();
    await assert.rejects(r.conn.whenWritable(), (e) => isNatterError(e, 'E_OFFLINE'));
  });
});
