/**
 * Nobody fills another's group list (docs/decisions.md, "Groups: nobody fills another's
 * group list"): a QA trial's mallory put the victim in 494 groups unasked, until
 * nobody else could add them (E_GROUP_TOO_MANY_GROUPS, the victim named by hex). Now
 * the relay refuses one person more than maxGroupsAddedByOne of another's groups, by
 * create or by add, with E_GROUP_TOO_MANY_FROM_ONE naming them by pseudonym; someone
 * else can still add them, and so can the same person once they left one. A user's
 * full list is named by pseudonym too.
 */
import assert from 'node:assert/strict';
import { isNatterError } from '../../../src/util/errors.js';
import { removeTempDirs } from '../../helpers/tmp.js';
import { testWorld } from '../../helpers/world.js';

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (isNatterError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  assert.fail('not refused');
}

describe('one person cannot fill another’s group list (integration, loopback)', function () {
  this.timeout(60_000);
  const world = testWorld();

  afterEach(async () => {
    await world.closeAll();
    await removeTempDirs();
  });

  it('refuses mallory a fourth of victim’s groups with E_GROUP_TOO_MANY_FROM_ONE; alice can still add victim', async () => {
    const relay = await world.relayOn({ limits: { maxGroupsAddedByOne: 3 } });
    const mallory = await world.client('mallory', relay);
    const victim = await world.client('victim', relay);
    const alice = await world.client('alice', relay);
    await Promise.all([mallory, victim, alice].map((c) => c.connect()));
    for (let i = 0; i < 3; i++) await mallory.createGroup(`spam${i}`, ['victim']);
    const created = await refusal(mallory.createGroup('spam3', ['victim', 'alice']));
    assert.equal(created.code, 'E_GROUP_TOO_MANY_FROM_ONE');
    assert.match(created.message, /you have put victim in as many of their groups/);
    assert.doesNotMatch(created.message, /[0-9a-f]{16}/);
    // By add, to a group without the victim, the same.
    await mallory.createGroup('other', ['alice']);
    const added = await refusal(mallory.addToGroup('other', 'victim'));
    assert.equal(added.code, 'E_GROUP_TOO_MANY_FROM_ONE');
    assert.match(added.message, /victim/);
    // Someone else still can.
    await alice.createGroup('team', ['victim']);
    await mallory.createGroup('mine', []);
    // Once the victim left one of mallory's, mallory may add them once more.
    await victim.waitForInbox({ timeoutMs: 5_000 });
    await victim.leaveGroup('spam0');
    await mallory.addToGroup('other', 'victim');
  });

  it('names the user whose groups are full by pseudonym (E_GROUP_TOO_MANY_GROUPS)', async () => {
    const relay = await world.relayOn({ limits: { maxGroupsPerUser: 2 } });
    const alice = await world.client('alice', relay);
    const bob = await world.client('bob', relay);
    const carol = await world.client('carol', relay);
    await Promise.all([alice, bob, carol].map((c) => c.connect()));
    await bob.createGroup('one', []);
    await bob.createGroup('two', []);
    const full = await refusal(alice.createGroup('team', ['carol', 'bob']));
    assert.equal(full.code, 'E_GROUP_TOO_MANY_GROUPS');
    assert.match(full.message, /bob is in as many groups as the relay allows/);
    assert.doesNotMatch(full.message, /[0-9a-f]{16}/);
  });
});
