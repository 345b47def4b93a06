/**
 * A relay that refuses mail for now (issue 8, "a refused send looks like a
 * timeout"): a real relay on loopback whose free-disk watermark no disk can meet
 * refuses every send with SendAck disk-full. The client core says so at once, the
 * message stays queued, and it goes out once the relay takes mail again.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { NatterClient } from '../../../src/peer/client.js';
import type { RelayLimits } from '../../../src/relay/index.js';
import { runCli } from '../../helpers/cli.js';
import { nextEvent } from '../../helpers/events.js';
import { makeClient } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

/** No disk has this much free: the relay refuses every send with disk-full. */
const FULL_DISK = { minFreeDiskBytes: Number.MAX_SAFE_INTEGER };

/** Far longer than the refusal may take: `send` must not wait it out. */
const SEND_WAIT_MS = 20_000;

/** Resolves with the next `name` event. */

describe('a relay that refuses mail for now (integration, loopback)', () => {
  let relay: TestRelay;
  const clients: NatterClient[] = [];

  /** The same relay (data, key, port) again, with or without a full disk. */
  const restart = async (limits: Partial<RelayLimits>) => {
    await relay.close();
    relay = await startTestRelay({ dataDir: relay.dataDir, port: relay.port, limits });
  };

  beforeEach(async () => {
    relay = await startTestRelay();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await relay.close();
    await removeTempDirs();
  });

  it('surfaces the disk-full refusal at once with E_RELAY_DISK_FULL, and sends the message once the relay takes mail again', async () => {
    // Registered while the relay still had room.
    const alice = await makeClient('alice', relay);
    const bob = await makeClient('bob', relay);
    await alice.connect();
    await bob.connect();
    await Promise.all([alice.close(), bob.close()]);
    await restart(FULL_DISK);

    const full = await makeClient('alice', relay, { profile: alice.profile });
    clients.push(full);
    const refused = nextEvent(full, 'message:refused');
    const id = await full.send('bob', 'written while the disk was full');
    await full.connect();
    const e = await refused;
    assert.equal(e.code, 'E_RELAY_DISK_FULL');
    assert.equal(e.refusal, 'disk-full');
    assert.equal(e.message, 'relay disk is full');
    assert.equal(e.msgId, id);
    assert.equal(e.attempts, 1);
    assert.deepEqual(await full.status(id), { state: 'queued', reason: 'disk-full' });
    // A retry may already have been refused again: the backoff is jittered from 0.
    assert.ok(full.stats().refusedSends >= 1);
    await full.close();

    await restart({});
    const later = await makeClient('alice', relay, { profile: alice.profile });
    clients.push(later);
    await later.connect();
    assert.equal(await later.flush(10_000), true, 'the queued message went out');
    assert.equal((await later.status(id))?.state, 'stored');
    const reader = await makeClient('bob', relay, { profile: bob.profile });
    clients.push(reader);
    const received = nextEvent(reader, 'message:received');
    await reader.connect();
    assert.equal((await received).text, 'written while the disk was full');
  });

  describe('natter send', () => {
    let dir: string;
    const as = (who: string, argv: string[]) =>
      runCli(['--profile', join(dir, who), ...argv], {
        env: { NATTER_RELAY: `${relay.host}:${relay.port}`, NATTER_PRESENCE_INTERFACES: '0' },
      });

    beforeEach(async () => {
      dir = await makeTempDir();
    });

    it('exits 1 at once with E_RELAY_DISK_FULL, not a timeout, and the message stays queued', async () => {
      assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
      assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
      await restart(FULL_DISK);

      const startedAt = Date.now();
      const r = await as('a', [
        'send',
        '--to',
        'bob',
        '--wait',
        String(SEND_WAIT_MS),
        '--json',
        'kept for later',
      ]);
      const tookMs = Date.now() - startedAt;
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^natter: relay disk is full; 1 of 1 message\(s\) stay queued and will be sent the next time natter connects; natter outbox lists them, natter outbox cancel ID\|--all drops them \(E_RELAY_DISK_FULL\)\n$/,
      );
      assert.doesNotMatch(r.stderr, /E_RELAY_TIMEOUT/);
      assert.ok(tookMs < SEND_WAIT_MS / 2, `exited after ${tookMs} ms, as if waiting out --wait`);
      const [line] = r.stdout.trim().split('\n');
      assert.deepEqual(
        (({ state, reason }) => ({ state, reason }))(
          JSON.parse(line ?? '{}') as { state: string; reason: string },
        ),
        { state: 'queued', reason: 'disk-full' },
      );

      // The disk has room again: any connecting command sends what stayed queued.
      await restart({});
      assert.equal((await as('a', ['inbox'])).code, 0);
      const inbox = await as('b', ['inbox', '--json']);
      assert.equal(inbox.code, 0, inbox.stderr);
      assert.deepEqual(
        inbox.stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { text: string }).text),
        ['kept for later'],
      );
    });

    it('does not make a send wait for an older message refused for now: exit 0 once its own is stored', async () => {
      assert.equal((await as('a', ['init', '--name', 'alice'])).code, 0);
      assert.equal((await as('b', ['init', '--name', 'bob'])).code, 0);
      assert.equal((await as('c', ['init', '--name', 'carol'])).code, 0);
      // carol's mailbox holds one message at most, and is full.
      await restart({ maxMailboxMessages: 1 });
      assert.equal((await as('a', ['send', '--to', 'carol', 'fills it'])).code, 0);
      const stuck = await as('a', ['send', '--to', 'carol', 'over the quota']);
      assert.equal(stuck.code, 1, stuck.stderr);
      assert.match(stuck.stderr, /E_RELAY_RECIPIENT_QUOTA/);

      const startedAt = Date.now();
      const r = await as('a', ['send', '--to', 'bob', '--wait', String(SEND_WAIT_MS), 'to bob']);
      const tookMs = Date.now() - startedAt;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /earlier messages stay queued/);
      assert.ok(tookMs < SEND_WAIT_MS / 2, `exited after ${tookMs} ms, as if waiting out --wait`);
      const inbox = await as('b', ['inbox', '--json']);
      assert.deepEqual(
        inbox.stdout
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { text: string }).text),
        ['to bob'],
      );
    });
  });
});
