/**
 * Two admins adding the same member at the same moment (a trial's `group add` printed
 * `alice added carol`, then `carol is in #team3 already`): whoever's add the relay or
 * this copy took first, the other's is made, as the sixteenth sitting's retry already
 * said for a change the relay refused; an add of a member who was in before it was
 * asked still says so.
 */
import assert from 'node:assert/strict';
import { isNatterError } from '../../../../src/util/errors.js';
import { collect, GroupHub } from '../../../helpers/group-hub.js';
import { person } from '../../../helpers/peer-fixtures.js';

async function twoAdmins() {
  const hub = new GroupHub();
  const alice = await hub.join(person('alice'));
  const dave = await hub.join(person('dave'));
  await hub.join(person('bob'));
  await hub.join(person('carol'));
  const { groupId: gid } = await alice.groups.create('team', ['dave', 'bob']);
  await alice.groups.about(gid, 'promote', 'dave');
  await hub.settle();
  return { hub, alice, dave, gid };
}

describe('two admins adding the same member', () => {
  it("takes the other admin's add, come while mine waited for the card, as mine made, said once", async () => {
    const { hub, alice, dave, gid } = await twoAdmins();
    let answer = () => {};
    hub.namesWait.set(
      dave.uid,
      new Promise<void>((resolve) => {
        answer = resolve;
      }),
    );
    const told = collect(dave, 'group:changed');
    const mine = dave.groups.add(gid, 'carol');
    await alice.groups.add(gid, 'carol');
    await hub.settle();
    answer();
    const info = await mine;
    assert.deepEqual(
      info.members.map((m) => m.pseudonym),
      ['alice', 'dave', 'bob', 'carol'],
    );
    assert.deepEqual(
      told.map((e) => e.notice),
      [{ kind: 'added', by: 'alice', member: 'carol' }],
    );
  });

  it('takes my own add asked twice at once as made, once', async () => {
    const { hub, alice, gid } = await twoAdmins();
    const told = collect(alice, 'group:changed');
    await Promise.all([alice.groups.add(gid, 'carol'), alice.groups.add(gid, 'carol')]);
    await hub.settle();
    assert.deepEqual(
      told.map((e) => e.notice.kind),
      ['added'],
    );
  });

  it('still says a member who was in before the add was asked is in already', async () => {
    const { hub, alice, dave, gid } = await twoAdmins();
    await alice.groups.add(gid, 'carol');
    await hub.settle();
    await assert.rejects(dave.groups.add(gid, 'carol'), (err: unknown) => {
      assert.ok(isNatterError(err, 'E_GROUP_BAD_CHANGE'), String(err));
      assert.match(err.message, /carol is in #team already/);
      return true;
    });
  });
});
