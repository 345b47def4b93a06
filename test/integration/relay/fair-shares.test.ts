/**
 * The relay's fair shares (fair-limits.ts; QA trial of a hostile client): one remote
 * address cannot take the connection slots others need, nor register names without end,
 * and one sender cannot fill a recipient's mailbox for everyone. Each cap refuses with a
 * code, and a normal client (another address, another sender) still gets through.
 * 127.0.0.2 is another host to a relay on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { RelayLimits } from '../../../src/relay/index.js';
import { ManualClock } from '../../../src/util/clock.js';
import { createLogger, type Logger } from '../../../src/util/logger.js';
import type { FrameOf } from '../../../src/wire/types.js';
import { generateIdentity, RawClient, sealedSend } from '../../helpers/raw-client.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { removeTempDirs } from '../../helpers/tmp.js';

const OTHER_HOST = { localAddress: '127.0.0.2' };

/** A socket that connects and says nothing, as the flood did. */
async function silentSocket(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Connects over TLS and expects the relay's E_RELAY_FULL before any Hello, then the close. */
async function expectFull(port: number): Promise<FrameOf<'error'>> {
  const client = await RawClient.connect(port);
  const f = await client.next((x) => x.type === 'error');
  await client.closed;
  assert.equal(f.type, 'error');
  return f as FrameOf<'error'>;
}

/** The code of a refused Register or Login (RawClient.logIn throws it). */
async function refusedCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as { code: string }).code;
  }
  assert.fail('expected a refusal');
}

/** A logger that keeps its warnings. */
function warnings(): { log: Logger; lines: { msg: string; fields: Record<string, unknown> }[] } {
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  const write = (line: string) => {
    const { level, msg, ...fields } = JSON.parse(line) as Record<string, unknown>;
    if (level === 'warn') lines.push({ msg: String(msg), fields });
    return true;
  };
  return { log: createLogger({ stream: { write } }), lines };
}

describe('relay fair shares', () => {
  let relay: TestRelay;
  const open: { destroy(): void }[] = [];
  const start = async (limits: Partial<RelayLimits>, logger?: Logger) => {
    relay = await startTestRelay({ limits, ...(logger ? { logger } : {}) });
  };
  const login = async (name: string, options = {}) => {
    const { client, ready } = await RawClient.login(
      relay.port,
      generateIdentity(),
      name,
      'register',
      options,
    );
    open.push(client.socket);
    return { client, ready };
  };

  afterEach(async () => {
    for (const s of open.splice(0)) s.destroy();
    await relay?.close();
  });
  after(removeTempDirs);

  describe('connections per address', () => {
    it('refuses connections over an address’s share before login with E_RELAY_FULL, logs it once, and still admits another address', async () => {
      const { log, lines } = warnings();
      await start({ maxPreloginPerAddress: 3 }, log);
      for (let i = 0; i < 3; i++) open.push(await silentSocket(relay.port));
      for (let i = 0; i < 3; i++) {
        const f = await expectFull(relay.port);
        assert.equal(f.code, 'E_RELAY_FULL');
        assert.match(f.message, /no room for more connections/);
      }
      const refusals = lines.filter((l) => l.msg.startsWith('refused connections'));
      assert.equal(refusals.length, 1, JSON.stringify(lines));
      assert.equal(refusals[0]?.fields.address, '127.0.0.1');
      const other = await login('carol', OTHER_HOST);
      assert.equal(other.ready.type, 'ready');
    });

    it('gives the address its slots back when its silent sockets close', async () => {
      await start({ maxPreloginPerAddress: 2 });
      const silent = [await silentSocket(relay.port), await silentSocket(relay.port)];
      assert.equal((await expectFull(relay.port)).code, 'E_RELAY_FULL');
      await Promise.all(
        silent.map((s) => new Promise<void>((resolve) => s.once('close', resolve).destroy())),
      );
      // The relay hears the close a moment after we do.
      for (let tries = 0; ; tries++) {
        try {
          await login(`dave${tries}`);
          break;
        } catch (err) {
          if (tries > 50) throw err;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    });

    it('counts logged-in connections in the address’s total, not in its share before login', async () => {
      await start({ maxPreloginPerAddress: 1, maxConnectionsPerAddress: 3 });
      // One at a time: each frees its slot before login as it logs in.
      for (const name of ['ann', 'ben', 'cat']) await login(name);
      assert.equal((await expectFull(relay.port)).code, 'E_RELAY_FULL');
      assert.equal((await login('dan', OTHER_HOST)).ready.type, 'ready');
    });

    it('says E_RELAY_FULL when the relay holds maxConnections', async () => {
      await start({ maxConnections: 2 });
      open.push(await silentSocket(relay.port), await silentSocket(relay.port));
      const f = await expectFull(relay.port);
      assert.equal(f.code, 'E_RELAY_FULL');
      assert.match(f.message, /the relay has no room for more connections/);
    });
  });

  describe('registrations', () => {
    it('refuses new users beyond an address’s burst with E_TOO_MANY_REGISTRATIONS; other addresses, logins and renewals still pass', async () => {
      await start({ registrationBurst: 2, registrationsPerMinute: 1 });
      const ann = generateIdentity();
      const first = await RawClient.login(relay.port, ann, 'ann');
      first.client.close();
      await login('ben');
      const code = await refusedCode(login('cat'));
      assert.equal(code, 'E_TOO_MANY_REGISTRATIONS');
      // Known users are not counted: a login, and a Register of the name one holds.
      const again = await RawClient.login(relay.port, ann, 'ann', 'login');
      again.client.close();
      const renew = await RawClient.login(relay.port, ann, 'ann', 'register');
      renew.client.close();
      assert.equal((await login('cat', OTHER_HOST)).ready.type, 'ready');
      assert.equal(relay.relay.stats().users, 3);
    });

    it('lets an address register again once its bucket refills', async () => {
      const clock = new ManualClock(Date.now());
      relay = await startTestRelay({
        limits: { registrationBurst: 1, registrationsPerMinute: 2 },
        clock,
      });
      await login('ann');
      assert.equal(await refusedCode(login('ben')), 'E_TOO_MANY_REGISTRATIONS');
      clock.advance(29_000);
      assert.equal(await refusedCode(login('ben')), 'E_TOO_MANY_REGISTRATIONS');
      clock.advance(1_000);
      assert.equal((await login('ben')).ready.type, 'ready');
    });

    it('refuses a new user with E_RELAY_USERS_FULL once the relay holds maxUsers', async () => {
      await start({ maxUsers: 2 });
      const ann = generateIdentity();
      (await RawClient.login(relay.port, ann, 'ann')).client.close();
      await login('ben');
      assert.equal(await refusedCode(login('cat', OTHER_HOST)), 'E_RELAY_USERS_FULL');
      const back = await RawClient.login(relay.port, ann, 'ann', 'login');
      back.client.close();
      assert.equal(relay.relay.stats().users, 2);
    });
  });

  describe("a sender's share of a mailbox", () => {
    it('refuses a sender past its share of an offline recipient’s mailbox (sender-quota), and stores other senders’ mail', async () => {
      await start({ maxMailboxMessages: 10, maxMailboxMessagesPerSender: 4 });
      const bobId = generateIdentity();
      (await RawClient.login(relay.port, bobId, 'bob')).client.close();
      const { client: spammer } = await login('spam');
      const acks: FrameOf<'send-ack'>[] = [];
      for (let i = 0; i < 6; i++) {
        spammer.send(sealedSend(bobId.signPk, `flood ${i}`));
        acks.push((await spammer.next((f) => f.type === 'send-ack')) as FrameOf<'send-ack'>);
      }
      assert.deepEqual(
        acks.map((a) => a.code),
        ['stored', 'stored', 'stored', 'stored', 'sender-quota', 'sender-quota'],
      );
      assert.match(acks[4]!.reason, /share of the recipient's mailbox/);
      const { client: friend } = await login('friend');
      friend.send(sealedSend(bobId.signPk, 'hello bob'));
      const ack = (await friend.next((f) => f.type === 'send-ack')) as FrameOf<'send-ack'>;
      assert.equal(ack.code, 'stored');
      // Bob takes his mail: the spammer's share is free again.
      const { client: bob, ready } = await RawClient.login(relay.port, bobId, 'bob', 'login');
      open.push(bob.socket);
      assert.equal(ready.pending, 5);
      const seqs: number[] = [];
      while (seqs.length < 5) {
        seqs.push(((await bob.next((f) => f.type === 'deliver')) as FrameOf<'deliver'>).seq);
      }
      bob.send({ type: 'deliver-ack', seqs });
      // The acks are applied as the relay reads them: a moment after we send them.
      for (let i = 0; i < 200 && relay.relay.stats().storedMessages > 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(relay.relay.stats().storedMessages, 0);
      bob.close();
      spammer.send(sealedSend(bobId.signPk, 'after'));
      const later = (await spammer.next((f) => f.type === 'send-ack')) as FrameOf<'send-ack'>;
      assert.equal(later.code, 'stored');
    });

    it('counts a sender’s bytes in a mailbox too', async () => {
      await start({ maxMailboxBytes: 64 * 1024, maxMailboxBytesPerSender: 8 * 1024 });
      const bobId = generateIdentity();
      (await RawClient.login(relay.port, bobId, 'bob')).client.close();
      const { client: spammer } = await login('spam');
      const big = 'x'.repeat(3000);
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) {
        spammer.send(sealedSend(bobId.signPk, big));
        codes.push(
          ((await spammer.next((f) => f.type === 'send-ack')) as FrameOf<'send-ack'>).code,
        );
      }
      assert.deepEqual(codes, ['stored', 'stored', 'sender-quota']);
      const { client: friend } = await login('friend');
      friend.send(sealedSend(bobId.signPk, big));
      const ack = (await friend.next((f) => f.type === 'send-ack')) as FrameOf<'send-ack'>;
      assert.equal(ack.code, 'stored');
    });
  });
});
