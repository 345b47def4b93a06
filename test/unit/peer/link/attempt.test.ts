import assert from 'node:assert/strict';
import { signCard } from '../../../../src/crypto/card.js';
import { generateIdentity } from '../../../../src/crypto/keys.js';
import { type AttemptHooks, LinkAttempt } from '../../../../src/peer/link/attempt.js';
import { HANDSHAKE_TIMEOUT_MS, type RelayPolicy } from '../../../../src/peer/link/handshake.js';
import { PING_INTERVAL_MS } from '../../../../src/peer/link/keepalive.js';
import { ManualClock } from '../../../../src/util/clock.js';
import { isNatterError } from '../../../../src/util/errors.js';
import type { LogFields, Logger } from '../../../../src/util/logger.js';
import type { Frame, FrameOf } from '../../../../src/wire/types.js';
import { duplexPair } from '../../../helpers/duplex.js';
import {
  FakeRelay,
  fakeChannel,
  honestRelay,
  type RelayScript,
} from '../../../helpers/fake-relay.js';

const me = generateIdentity();
const myCard = signCard(me, 'alice');
const policy: RelayPolicy = { checkRelay: async () => undefined, authMode: async () => 'register' };

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** One attempt on an in-memory channel to a fake relay, with what it told its connection. */
function rig(script: RelayScript = () => undefined, writer = {}) {
  const clock = new ManualClock();
  const [client, server] = duplexPair();
  const relay = new FakeRelay(server, script);
  const frames: Frame[] = [];
  const drops: string[] = [];
  const logged: { msg: string; fields: LogFields }[] = [];
  const log = (msg: string, fields?: LogFields) => logged.push({ msg, fields: fields ?? {} });
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  const hooks: AttemptHooks = {
    frame: (f) => {
      frames.push(f);
    },
    failed: (err) => assert.fail(`no handler should fail: ${String(err)}`),
    drop: (why) => drops.push(why),
    closed: () => undefined,
    drain: () => undefined,
  };
  const attempt = new LinkAttempt(
    fakeChannel(client),
    { identity: me, pseudonym: 'alice', writer },
    clock,
    logger,
    hooks,
  );
  const challenge = async () => {
    await tick();
    const ch = frames.find((f): f is FrameOf<'challenge'> => f.type === 'challenge');
    assert.ok(ch, 'the relay sent its Challenge');
    return ch;
  };
  return { clock, relay, frames, drops, logged, attempt, challenge };
}

/** Answers Hello with a Challenge and nothing more. */
const challengeOnly: RelayScript = (relay, f) => {
  if (f.type === 'hello') relay.sendChallenge(f.clientNonce);
};

describe('link attempt: one channel’s socket, handshake and keepalive', () => {
  it('sends Hello at once and, after the relay proved its key, a signed Register', async () => {
    const r = rig(challengeOnly);
    const ch = await r.challenge();
    assert.equal(r.relay.frames[0]?.type, 'hello');
    assert.equal(await r.attempt.answer(ch, policy), true);
    await tick();
    assert.deepEqual(
      r.relay.frames.map((f) => f.type),
      ['hello', 'register'],
    );
    assert.equal(r.attempt.mode, 'register');
    r.attempt.destroy();
  });

  it('sends no answer when it was stopped while the policy was asked', async () => {
    const r = rig(challengeOnly);
    const ch = await r.challenge();
    let trust: () => void = () => undefined;
    const slow: RelayPolicy = {
      checkRelay: () => new Promise<void>((resolve) => (trust = resolve)),
      authMode: async () => 'login',
    };
    const answered = r.attempt.answer(ch, slow);
    await tick();
    r.attempt.stop();
    trust();
    assert.equal(await answered, false);
    await tick();
    assert.deepEqual(
      r.relay.frames.map((f) => f.type),
      ['hello'],
    );
    r.attempt.destroy();
  });

  it('drops itself when the handshake deadline passes on the injected clock, and not once stopped', () => {
    const late = rig();
    late.clock.advance(HANDSHAKE_TIMEOUT_MS - 1);
    assert.deepEqual(late.drops, []);
    late.clock.advance(1);
    assert.deepEqual(late.drops, ['handshake timed out']);
    late.attempt.destroy();

    const stopped = rig();
    stopped.attempt.stop();
    stopped.clock.advance(HANDSHAKE_TIMEOUT_MS * 2);
    assert.deepEqual(stopped.drops, []);
    stopped.attempt.destroy();
  });

  it('drops itself on bytes that do not decode, naming the code and not the bytes', async () => {
    const r = rig((relay, f) => {
      if (f.type === 'hello') relay.socket.write(Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff, 0xff]));
    });
    await tick();
    assert.equal(r.drops.length, 1);
    assert.match(r.drops[0]!, /^bad frame from relay: E_[A-Z_]+$/);
    assert.deepEqual(r.frames, []);
    r.attempt.destroy();
  });

  it('pings from Ready on, and reports a relay that stays silent through two pings', async () => {
    const r = rig(honestRelay(myCard));
    const ch = await r.challenge();
    await r.attempt.answer(ch, policy);
    await tick();
    const ready = r.frames.find((f): f is FrameOf<'ready'> => f.type === 'ready');
    assert.ok(ready);
    assert.equal(r.attempt.ready(ready).mode, 'register');
    r.clock.advance(PING_INTERVAL_MS);
    r.clock.advance(PING_INTERVAL_MS);
    await tick();
    assert.equal(r.relay.frames.filter((f) => f.type === 'ping').length, 2);
    assert.deepEqual(r.drops, []);
    r.clock.advance(PING_INTERVAL_MS);
    assert.deepEqual(r.drops, ['relay went silent']);
    r.attempt.destroy();
  });

  it('logs its own frames that a full link cannot take instead of throwing, where send() throws', () => {
    const r = rig(() => undefined, { maxQueuedBytes: 64 });
    assert.throws(
      () => {
        for (let i = 0; i < 64; i++) r.attempt.send({ type: 'ping', nonce: i });
      },
      (err: unknown) => isNatterError(err, 'E_LINK_FULL'),
    );
    r.attempt.write({ type: 'pong', nonce: 1 });
    const full = r.logged.filter((l) => l.msg === 'link full: frame not queued');
    assert.equal(full.length, 1);
    assert.equal(full[0]?.fields.type, 'pong');
    assert.equal(full[0]?.fields.code, 'E_LINK_FULL');
    r.attempt.destroy();
  });
});
