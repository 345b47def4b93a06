/**
 * Profiles written by the client before issue 9 still open and send (issue 9:
 * "a profile created by today's version still opens"). test/fixtures/profile-v1
 * holds alice and bob as that version left them: alice's outbox has, under the
 * v1 prefix (JSON, sealed payloads in hex and base64), a receipt and a text
 * message sealed for bob and refused by a relay whose disk was full, and a text
 * written offline and never sealed; bob's history has the message that receipt
 * is for. The relay here is a new one, so both register again.
 *
 * Made with the client at commit f031be1: both registered on a loopback relay;
 * bob sent "hello alice"; the relay restarted with a free-disk watermark no disk
 * meets; alice connected (her receipt and "sealed while the disk was full" were
 * sealed and refused for now); alice, offline, queued "written offline". The
 * profiles were copied without LOCK and LOG files, and config.json kept only the
 * pseudonym (so no relay pin can clash with the port a test relay gets).
 */
import assert from 'node:assert/strict';
import { chmod, cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NatterClient } from '../../../src/peer/client.js';
import type { ReceivedMessage } from '../../../src/peer/index.js';
import { PeerStore, PREFIX } from '../../../src/peer/store.js';
import { type Clock, systemClock } from '../../../src/util/clock.js';
import { nextEvent } from '../../helpers/events.js';
import { makeClient, type TestProfile } from '../../helpers/profile.js';
import { startTestRelay, type TestRelay } from '../../helpers/relay.js';
import { makeTempDir, removeTempDirs } from '../../helpers/tmp.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/profile-v1/', import.meta.url));

/**
 * When the fixture was made (its commit): its messages carry send times from then,
 * and a receiver refuses mail older than the mail lifetime (issue 10). Both
 * clients run on a clock that starts there, so the test does not expire with its
 * fixture; only now() moves, timers are the system's.
 */
const FIXTURE_MADE_MS = Date.parse('2026-12-02T01:45:02Z');

function fixtureClock(): Clock {
  const startedAt = systemClock.now();
  return { ...systemClock, now: () => FIXTURE_MADE_MS + (systemClock.now() - startedAt) };
}

interface FixtureIds {
  /** Bob's message to alice; alice's queued receipt is for it. */
  helloId: string;
  /** Alice's sealed text. */
  sealedId: string;
  /** Alice's unsealed text. */
  offlineId: string;
}

/** A private copy of one fixture profile (LevelDB writes to it; git keeps no file modes). */
async function copyProfile(name: string): Promise<TestProfile> {
  const dir = await makeTempDir(`natter-v1-${name}-`);
  await cp(join(FIXTURE, name), dir, { recursive: true });
  await chmod(join(dir, 'identity.json'), 0o600);
  return { dir, name } as TestProfile;
}

async function outboxKeys(profileDir: string): Promise<string[]> {
  const store = await PeerStore.open(join(profileDir, 'db'), profileDir);
  const keys: string[] = [];
  try {
    for (const prefix of [PREFIX.outbox, PREFIX.outbox2]) {
      for await (const [key] of store.scanBytes(prefix)) keys.push(key);
    }
  } finally {
    await store.close();
  }
  return keys;
}

describe('a profile written before issue 9 (integration, loopback)', () => {
  let relay: TestRelay;
  const clients: NatterClient[] = [];

  beforeEach(async () => {
    relay = await startTestRelay();
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await relay.close();
    await removeTempDirs();
  });

  it('opens, sends its v1 outbox (sealed bytes as they were) and empties it', async () => {
    const ids = JSON.parse(await readFile(join(FIXTURE, 'ids.json'), 'utf8')) as FixtureIds;
    const aliceProfile = await copyProfile('alice');
    const bobProfile = await copyProfile('bob');
    assert.equal(
      (await outboxKeys(aliceProfile.dir)).filter((k) => k.startsWith(PREFIX.outbox)).length,
      3,
    );

    const clock = fixtureClock();
    const bob = await makeClient('bob', relay, { profile: bobProfile, clock });
    clients.push(bob);
    await bob.connect();
    const got: ReceivedMessage[] = [];
    bob.on('message:received', (m) => got.push(m));
    const delivered = nextEvent(bob, 'message:status', (e) => e.msgId === ids.helloId, 10_000);

    const alice = await makeClient('alice', relay, { profile: aliceProfile, clock });
    clients.push(alice);
    assert.equal((await alice.status(ids.sealedId))?.state, 'queued');
    assert.equal((await alice.status(ids.sealedId))?.reason, 'disk-full');
    assert.equal((await alice.status(ids.offlineId))?.state, 'queued');
    const receipted = [ids.sealedId, ids.offlineId].map((id) =>
      nextEvent(alice, 'message:status', (e) => e.msgId === id && e.state === 'delivered', 10_000),
    );
    await alice.connect();
    assert.equal(await alice.flush(10_000), true);

    assert.equal((await delivered).state, 'delivered', "the v1 receipt marked bob's message");
    await Promise.all(receipted);
    assert.deepEqual(
      got.map((m) => [m.msgId, m.text, m.from.pseudonym, m.conversation]).sort(),
      [
        [ids.sealedId, 'sealed while the disk was full', 'alice', '@alice'],
        [ids.offlineId, 'written offline', 'alice', '@alice'],
      ].sort(),
    );
    const history = await alice.conversation('bob');
    assert.deepEqual(
      history.filter((e) => e.direction === 'out').map((e) => [e.msgId, e.state]),
      [
        [ids.sealedId, 'delivered'],
        [ids.offlineId, 'delivered'],
      ],
    );

    await alice.close();
    assert.deepEqual(await outboxKeys(aliceProfile.dir), [], 'nothing left under either prefix');
  });
});
