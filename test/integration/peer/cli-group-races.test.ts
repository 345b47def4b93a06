/**
 * Group changes from the command line at the same moment (the sixteenth sitting's groups
 * trial): each is made, whoever the relay took first, and each command exits 0.
 */
import assert from 'node:assert/strict';
import { cliRelay, initProfiles } from '../../helpers/cli-relay.js';

describe('cli group changes at the same moment', function () {
  this.timeout(60_000);
  const f = cliRelay();
  const { as, ok } = f;

  beforeEach(() => initProfiles(f, { a: 'alice', b: 'bob', c: 'carol', d: 'dave', e: 'erin' }));

  it('makes an add, a removal and a rename by three admins at once, each exiting 0', async () => {
    const created = await ok('a', ['group', 'create', 'team3', '--members', 'bob,dave,erin']);
    // By id: a rename may land first, and the old name is then refused, as it should be.
    const id = /\(id ([0-9a-f]{8})/.exec(created.stdout)?.[1] ?? '';
    await ok('a', ['group', 'promote', id, 'bob']);
    await ok('a', ['group', 'promote', id, 'erin']);
    await ok('b', ['inbox']);
    await ok('e', ['inbox']);
    const runs = await Promise.all([
      as('a', ['group', 'add', id, 'carol']),
      as('b', ['group', 'remove', id, 'dave']),
      as('e', ['group', 'rename', id, 'team4']),
    ]);
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /seq|head|E_GROUP/);
    }
    await ok('a', ['inbox']);
    const show = JSON.parse((await ok('a', ['group', 'show', 'team4', '--json'])).stdout) as {
      members: { pseudonym: string }[];
    };
    assert.deepEqual(show.members.map((m) => m.pseudonym).sort(), [
      'alice',
      'bob',
      'carol',
      'erin',
    ]);
  });
});
