/**
 * The trust race of issue 10 (finding 2), through real relays and the CLI: two card
 * changes for one contact while the first is pending are both kept and announced, and
 * trusting the number compared for the first accepts that key alone, releasing only
 * the messages it sent.
 */
import assert from 'node:assert/strict';
import type { PeerEventMap } from '../../../src/peer/events.js';
import { isNatterError } from '../../../src/util/errors.js';
import { runCli } from '../../helpers/cli.js';
import { nextEvent } from '../../helpers/events.js';
import { makeClient, type TestProfile } from '../../helpers/profile.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';

describe('trust by the safety number compared, through real relays', () => {
  const { client, relayOn, closeAll, adopt } = testWorld();

  afterEach(async () => {
    await closeAll();
    await removeTempDirs();
  });

  /**
   * A relay reinstalled on `port` where someone new registered "bob": alice sees the
   * changed card and holds `text` from that bob. Returns the announced change.
   */
  async function anotherBob(
    port: number,
    profile: TestProfile,
    text: string,
  ): Promise<PeerEventMap['contact:key-changed']> {
    const relay = await relayOn({ port });
    const alice = await client('alice', relay, { profile, acceptNewRelayKey: true });
    const bob = await client('bob', relay);
    const changed = nextEvent(alice, 'contact:key-changed', (e) => e.newUserId === bob.me.userId);
    await Promise.all([alice.connect(), bob.connect()]);
    const change = await changed;
    const held = nextEvent(alice, 'message:held');
    await bob.send('alice', text);
    assert.equal((await held).from.userId, bob.me.userId);
    await closeAll();
    return change;
  }

  it('announces both changes, and the first number accepts only the first key and its messages', async () => {
    const relay1 = await relayOn();
    const port = relay1.port;
    const alice = await client('alice', relay1);
    const oldBob = await client('bob', relay1);
    await Promise.all([alice.connect(), oldBob.connect()]);
    await alice.send('bob', 'hello old bob');
    assert.ok(await alice.flush(5000));
    const oldNumber = alice.fingerprint('bob');
    await closeAll();

    const first = await anotherBob(port, alice.profile, 'from the first new bob');
    const second = await anotherBob(port, alice.profile, 'from the second new bob');
    assert.equal(first.pendingKeys, 1);
    assert.equal(second.pendingKeys, 2, 'the second change is kept beside the first');
    assert.notEqual(first.safetyNumber, second.safetyNumber);

    const as = (argv: string[]) => runCli(['--profile', alice.profile.dir, ...argv]);
    const listed = await as(['contacts']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^bob {2}\S+ {2}KEY CHANGED/);
    assert.match(listed.stdout, new RegExp(`new key 1 of 2: ${first.newFingerprint}`));
    assert.match(listed.stdout, new RegExp(`new key 2 of 2: ${second.newFingerprint}`));
    const asked = await as(['trust', 'bob']);
    assert.equal(asked.code, 2);
    assert.match(asked.stdout, /2 NEW keys arrived for bob/);
    const stale = await as(['trust', 'bob', '--safety-number', oldNumber]);
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /\(E_SAFETY_NUMBER_MISMATCH\)\n$/);

    const trusted = await as(['trust', 'bob', '--safety-number', first.safetyNumber, '--json']);
    assert.equal(trusted.code, 0, trusted.stderr);
    const result = JSON.parse(trusted.stdout) as {
      contact: { userId: string; verified: boolean; keyChanged: boolean };
      accepted: boolean;
      discarded: { userId: string }[];
      releasedIn: number;
    };
    assert.equal(result.accepted, true);
    assert.equal(result.contact.userId, first.newUserId, 'the compared key is pinned');
    assert.equal(result.contact.verified, true);
    assert.equal(result.contact.keyChanged, false);
    assert.deepEqual(
      result.discarded.map((k) => k.userId),
      [second.newUserId],
    );
    assert.equal(result.releasedIn, 1, 'only the first key’s message is released');

    const reopened = await makeClient(
      'alice',
      { host: '127.0.0.1', port },
      { profile: alice.profile },
    );
    adopt(reopened);
    assert.deepEqual(
      (await reopened.takeUnread()).map((m) => [m.text, m.from.userId]),
      [['from the first new bob', first.newUserId]],
    );
    await assert.rejects(
      reopened.trust('bob', { safetyNumber: second.safetyNumber }),
      (err) => isNatterError(err, 'E_SAFETY_NUMBER_MISMATCH'),
      'the second key was never verified and cannot be by the first comparison',
    );
  });
});
